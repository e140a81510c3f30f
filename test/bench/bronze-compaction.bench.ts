/**
 * A long `serve` in miniature: many small bronze batches (voter records with schemas, ~4 KiB each),
 * committed one after another, without and with the background compaction the pipeline runs after
 * each batch. Reports live files, commit and checkpoint cost late in the run, the compactions' cost,
 * and, once the replaced files' tombstones are past their retention (as in a serve running for hours;
 * within the hour, checkpoints carry them), checkpointing, opening and replaying the table. Figures
 * only, never asserted.
 *   npx bun test/bench/bronze-compaction.bench.ts [batches] [recordsPerBatch]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bronze, freshRecords, writeBronzeFiles } from '../../src/bronze/index.ts';
import { LocalStorage } from '../../src/storage/local.ts';
import { LOG_DIR, writeCheckpoint } from '../../src/delta/index.ts';
import { VoterStream, voter } from '../support/voters-records.ts';
import { median, ms } from './delta-rs.ts';

const batches = Number(process.argv[2] ?? 5_000);
const perBatch = Number(process.argv[3] ?? 4);
/** The last stretch of the run whose commits are measured, when the table is as large as it gets. */
const tail = Math.max(1, Math.floor(batches / 5));

async function run(compact: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bronze-compaction-'));
  const bronze = await Bronze.open(new LocalStorage(dir));
  const stream = new VoterStream();
  const commits: number[] = [];
  const checkpoints: number[] = [];
  let compactions = 0;
  let compactionMs = 0;
  let lsn = 0;
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: perBatch }, () => ++lsn).map((n) => stream.change('c', n, null, voter(n, `City${n % 7}`)));
    const { fresh, spans } = freshRecords(records, (t, p) => bronze.storedOffset(t, p));
    const adds = await writeBronzeFiles(bronze.storage, fresh, bronze.fileOptions());
    const t0 = performance.now();
    const version = await bronze.commit({ adds, spans, records: fresh.length });
    const took = performance.now() - t0;
    if (b >= batches - tail) (version % 100 === 0 ? checkpoints : commits).push(took);
    if (compact) {
      const t1 = performance.now();
      const compacted = await bronze.compact(version);
      if (compacted !== undefined) {
        compactions++;
        compactionMs += performance.now() - t1;
        // A compaction's own commit can be the checkpoint one.
        if (b >= batches - tail && compacted % 100 === 0) checkpoints.push(performance.now() - t1);
      }
    }
  }
  const snapshot = bronze.snapshot;
  const checkpoint = snapshot.logSegment.checkpoint;
  const checkpointBytes = checkpoint ? checkpoint.parts.reduce((n, p) => n + statSync(join(dir, p.path)).size, 0) : 0;
  // As a serve hours later sees it: the replaced files' tombstones past their retention, dropped by a
  // checkpoint, then the table opened from that checkpoint and checkpointed again.
  const later = Date.now() + 2 * 3_600_000;
  await writeCheckpoint(bronze.storage, snapshot, later);
  const opens: number[] = [];
  let reopened = bronze;
  for (let i = 0; i < 5; i++) {
    const t2 = performance.now();
    reopened = await Bronze.open(new LocalStorage(dir));
    opens.push(performance.now() - t2);
  }
  const checkpointTimes: number[] = [];
  let steady = { sizeInBytes: 0, actions: 0 };
  for (let i = 0; i < 5; i++) {
    const t4 = performance.now();
    steady = await writeCheckpoint(reopened.storage, reopened.snapshot, later);
    checkpointTimes.push(performance.now() - t4);
  }
  const t3 = performance.now();
  let replayed = 0;
  for await (const chunk of reopened.replay(1)) replayed += chunk.records.length;
  const replayMs = performance.now() - t3;
  const dataBytes = snapshot.files().reduce((n, a) => n + a.size, 0);
  console.log(
    `compaction ${compact ? 'on ' : 'off'}: version ${snapshot.version}, ${snapshot.files().length} live files (${(dataBytes / 2 ** 20).toFixed(1)} MiB), checkpoint ${(checkpointBytes / 1024).toFixed(0)} KiB in ${LOG_DIR}/`,
  );
  console.log(
    `  last ${tail} batches: commit median ${ms(median(commits))}, checkpoint commit median ${checkpoints.length ? ms(median(checkpoints)) : '-'} (${checkpoints.length})`,
  );
  console.log(
    `  past the tombstones' retention: checkpoint ${ms(median(checkpointTimes))} (${(steady.sizeInBytes / 1024).toFixed(0)} KiB, ${steady.actions} actions), open ${ms(median(opens))}`,
  );
  if (compact) console.log(`  ${compactions} compactions, ${ms(compactionMs)} in all, ${ms(compactionMs / Math.max(1, compactions))} each on average`);
  console.log(`  replay of ${replayed} records ${ms(replayMs)}`);
  rmSync(dir, { recursive: true, force: true });
}

console.log(`${batches} batches of ${perBatch} records`);
await run(false);
await run(true);

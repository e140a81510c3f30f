/** `lakehouse ingest`: NDJSON Kafka records through the pipeline, then a summary. */
import { existsSync, statSync } from 'node:fs';
import { Interrupted, notFound } from '../../core/errors.ts';
import { Pipeline, addSummaries, emptySummary, type BatchSummary } from '../../pipeline/index.ts';
import { Progress } from '../progress.ts';
import { pipelineOptions } from '../pipeline-options.ts';
import { resolveLocations } from '../locations.ts';
import { readPreparedBatches } from '../../source/file/threaded-reader.ts';
import type { CommandContext } from '../command.ts';
import type { ingestSpec } from './specs.ts';

export async function run({ args, log, stopSignal }: CommandContext<typeof ingestSpec>): Promise<number> {
  const file = args.positionals[0]!;
  if (file !== '-' && (!existsSync(file) || !statSync(file).isFile()))
    throw notFound(`input file ${file} does not exist`, "pass an NDJSON file, or '-' for stdin");
  const started = performance.now();
  let total = emptySummary();
  // A stop requested while the pipeline opens (catching up from bronze) or in the middle of a batch
  // ends the run between silver tables (Interrupted); the next run replays the rest from bronze.
  const pipeline = await Pipeline.open({ ...pipelineOptions(args.flags, resolveLocations(args.flags.data, args.flags.state), log), stop: stopSignal }).catch(
    (err: unknown) => {
      if (err instanceof Interrupted) return undefined;
      throw err;
    },
  );
  if (!pipeline) {
    printSummary(total, true, (performance.now() - started) / 1000);
    return 0;
  }
  const progress = new Progress(args.flags.progress ?? process.stderr.isTTY === true);
  try {
    for await (const { batch, backlog } of readPreparedBatches(pipeline, file, args.flags.batch)) {
      const summary = await pipeline.processPrepared(batch, { backlog }).catch((err: unknown) => {
        if (err instanceof Interrupted) return undefined;
        throw err;
      });
      if (!summary) break;
      total = addSummaries(total, summary);
      // A batch leaves hundreds of MB of garbage (raw records, Arrow and Parquet buffers, images) that
      // the collector would let pile up over several batches; collecting now keeps peak RSS near one
      // batch's working set for a few % of CPU.
      Bun.gc(true);
      progress.update(`${total.records.toLocaleString()} records, ${total.applied.toLocaleString()} applied`);
      if (stopSignal.aborted) break;
    }
    if (!stopSignal.aborted) await pipeline.publishPendingGold();
  } finally {
    progress.done();
    pipeline.close();
  }
  printSummary(total, stopSignal.aborted, (performance.now() - started) / 1000);
  return 0;
}

function printSummary(s: BatchSummary, interrupted: boolean, seconds: number) {
  const rate = seconds > 0 ? Math.round(s.records / seconds).toLocaleString('en-US') : '-';
  const lines = [
    `${interrupted ? 'ingest interrupted (everything committed so far is kept; run again to continue)' : 'ingest done'} in ${seconds.toFixed(1)} s (${rate} records/s)`,
    `  records             ${s.records}`,
    `  applied             ${s.applied}`,
    `  duplicates skipped  ${s.duplicates + s.redelivered}`,
    `  quarantined         ${s.quarantined}`,
    `  tombstones          ${s.tombstones}`,
    `  messages ignored    ${s.messages}`,
  ];
  console.log(lines.join('\n'));
}

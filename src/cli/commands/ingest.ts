/** `lakehouse ingest`: NDJSON Kafka records through the pipeline, then a summary. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { Interrupted, notFound } from '../../core/errors.ts';
import { stageClock, stageClockKind } from '../../core/stage-clock.ts';
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
      stageClock.measure('gc', () => Bun.gc(true));
      progress.update(`${total.records.toLocaleString()} records, ${total.applied.toLocaleString()} applied`);
      if (stopSignal.aborted) break;
    }
    if (!stopSignal.aborted) await pipeline.publishPendingGold();
  } finally {
    progress.done();
    pipeline.close();
  }
  printSummary(total, stopSignal.aborted, (performance.now() - started) / 1000);
  if (args.flags.timings) printTimings(total.records);
  return 0;
}

/**
 * CPU per stage (core/stage-clock.ts), heaviest first: seconds, µs a record and share of the process's
 * CPU. What no stage claims is startup, opening the tables, and threads the clock does not see
 * (Bun's own: the collector's helpers, file I/O).
 */
function printTimings(records: number) {
  const usage = process.cpuUsage();
  const processNs = (usage.user + usage.system) * 1000;
  const stages = [...stageClock.snapshot()].sort((a, b) => b[1] - a[1]);
  const claimed = stages.reduce((sum, [, ns]) => sum + ns, 0);
  const rows = [...stages, ['not in a stage', processNs - claimed] as const, ['process total', processNs] as const];
  const width = Math.max(...rows.map(([stage]) => stage.length));
  const line = (stage: string, ns: number) =>
    `  ${stage.padEnd(width)}  ${(ns / 1e9).toFixed(2).padStart(7)} s  ${(records > 0 ? ns / 1e3 / records : 0).toFixed(1).padStart(7)} µs/record  ${((100 * ns) / processNs).toFixed(1).padStart(5)}%`;
  console.log([`stage CPU (${stageClockKind()} time, on the thread that ran the stage)`, ...rows.map(([stage, ns]) => line(stage, ns))].join('\n'));
  const threads = threadCpu();
  if (threads.length > 0) console.log(`threads (CPU s): ${threads.map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`).join(', ')}`);
}

/** CPU seconds per thread name (Linux), heaviest first: where "not in a stage" went (the collector's helpers, the JIT). */
function threadCpu(): [string, number][] {
  const byName = new Map<string, number>();
  try {
    for (const task of readdirSync('/proc/self/task')) {
      const name = readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
    }
  } catch {
    return []; // not Linux
  }
  return [...byName].filter(([, seconds]) => seconds >= 0.01).sort((a, b) => b[1] - a[1]);
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

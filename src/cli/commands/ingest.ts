/** `lakehouse ingest`: NDJSON Kafka records through the pipeline, then a summary. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { invalidInput, notFound } from '../../core/errors.ts';
import type { KafkaRecord } from '../../cdc/index.ts';
import { Pipeline, addSummaries, emptySummary, type BatchSummary } from '../../pipeline/index.ts';
import { Progress } from '../progress.ts';
import { parseRoutes } from '../routing.ts';
import type { CommandContext } from './index.ts';

export async function run({ args, log, stopSignal }: CommandContext): Promise<number> {
  const file = args.positionals[0]!;
  const input = file === '-' ? process.stdin : openFile(file);
  const pipeline = await Pipeline.open({ dataDir: args.flags.data as string, log, routing: parseRoutes(args.flags.route as string[] | undefined) });
  const batchSize = args.flags.batch as number;
  const progress = new Progress((args.flags.progress as boolean | undefined) ?? process.stderr.isTTY === true);
  let total = emptySummary();
  let batch: KafkaRecord[] = [];
  let line = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    total = addSummaries(total, await pipeline.process(batch));
    batch = [];
    progress.update(`${total.records.toLocaleString()} records, ${total.applied.toLocaleString()} applied`);
  };
  try {
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      batch.push(parseRecord(text, file, line));
      if (batch.length >= batchSize) await flush();
      if (stopSignal.aborted) break;
    }
    await flush();
  } finally {
    progress.done();
    pipeline.close();
  }
  printSummary(total, stopSignal.aborted);
  return 0;
}

function openFile(path: string) {
  if (!existsSync(path) || !statSync(path).isFile()) throw notFound(`input file ${path} does not exist`, "pass an NDJSON file, or '-' for stdin");
  return createReadStream(path);
}

/** One line is one Kafka record; key and value are the raw bytes as text (null = tombstone). */
export function parseRecord(text: string, file: string, line: number): KafkaRecord {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text);
  } catch {
    throw invalidInput(`${file}:${line} is not JSON`, 'each line must be {"topic","partition","offset","timestamp","key","value"}');
  }
  const offset = r.offset;
  if (typeof r.topic !== 'string' || !Number.isInteger(r.partition) || !(typeof offset === 'string' || Number.isInteger(offset))) {
    throw invalidInput(`${file}:${line} is not a Kafka record: needs topic (string), partition (integer) and offset`, 'each line must be {"topic","partition","offset","timestamp","key","value"}');
  }
  const text_ = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));
  return {
    topic: r.topic,
    partition: r.partition as number,
    offset: String(offset),
    timestamp: typeof r.timestamp === 'number' || typeof r.timestamp === 'string' ? r.timestamp : Date.now(),
    key: text_(r.key),
    value: text_(r.value),
  };
}

function printSummary(s: BatchSummary, interrupted: boolean) {
  const lines = [
    interrupted ? 'ingest interrupted (everything committed so far is kept; run again to continue)' : 'ingest done',
    `  records             ${s.records}`,
    `  applied             ${s.applied}`,
    `  duplicates skipped  ${s.duplicates + s.redelivered}`,
    `  quarantined         ${s.quarantined}`,
    `  tombstones          ${s.tombstones}`,
    `  messages ignored    ${s.messages}`,
  ];
  console.log(lines.join('\n'));
}

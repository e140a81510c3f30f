/**
 * Writes a realistic voters-book change stream as NDJSON Kafka records (the `lakehouse ingest` input):
 * the fake-it workload on an embedded book, its Debezium outbox exported in order. Cached by arguments.
 * The book stays beside it (`OUT.book.db`): its tables are the source truth silver must equal.
 *   bun test/bench/voters-ndjson.ts OPS SEED OUT.ndjson
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { VotersBook, runFakeIt } from '../../fake-it/index.ts';

export const bookPathOf = (ndjson: string) => `${ndjson}.book.db`;

export async function votersNdjson(ops: number, seed: number, out: string): Promise<string> {
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const bookPath = bookPathOf(out);
  rmSync(bookPath, { force: true });
  await runFakeIt({ target: { kind: 'embedded', path: bookPath }, rate: 0, ops, seed, serverName: 'votersbook', replicaIdentity: 'full', tombstones: true });
  const book = VotersBook.open(bookPath, {});
  const writer = Bun.file(`${out}.tmp`).writer();
  for (let pos = 0; ; ) {
    const entries = book.readOutbox(pos, 10_000);
    if (entries.length === 0) break;
    for (const e of entries) writer.write(JSON.stringify(e.record) + '\n');
    pos = entries[entries.length - 1]!.position;
  }
  await writer.end();
  book.close();
  await Bun.write(out, Bun.file(`${out}.tmp`));
  rmSync(`${out}.tmp`);
  return out;
}

if (import.meta.main) {
  const [ops, seed, out] = Bun.argv.slice(2);
  console.log(await votersNdjson(Number(ops ?? 100_000), Number(seed ?? 1), out ?? '.cache/bench/voters.ndjson'));
}

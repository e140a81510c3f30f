/**
 * Decode throughput of Debezium records with schemas, one core. Figures only, never asserted.
 *   bun test/bench/cdc-decode.bench.ts [records]
 * Records are the voters book's own (PostgreSQL connector envelopes, JsonConverter with schemas), a mix
 * of voters/polls/ballots creates, updates and deletes; the JSON.parse line is the baseline a decoder
 * that parses whole records could not beat.
 */
import { ChangeDecoder, type KafkaRecord } from '../../src/cdc/index.ts';
import { VotersBook, Workload } from '../../fake-it/index.ts';

const count = Number(process.argv[2] ?? 50_000);
const book = VotersBook.open(':memory:', { seed: 1 });
const workload = new Workload(book.resumeState());
while (book.lastPosition() < count) book.apply(workload.next());
const records: KafkaRecord[] = book
  .readOutbox(0, count)
  .map((e) => e.record)
  .filter((r) => r.value !== null);
book.close();
const bytes = records.reduce((n, r) => n + r.value!.length + (r.key?.length ?? 0), 0);

/** Best of several rounds, variants interleaved so a noisy neighbour hurts them alike. */
function measureAll(variants: [string, () => void][], rounds = 8): void {
  const best = variants.map(() => Infinity);
  for (let round = 0; round <= rounds; round++) {
    variants.forEach(([, fn], i) => {
      const t0 = performance.now();
      fn();
      if (round > 0) best[i] = Math.min(best[i]!, performance.now() - t0); // round 0 warms up
    });
  }
  variants.forEach(([name], i) => {
    const ms = best[i]!;
    const perSec = Math.round((records.length / ms) * 1000).toLocaleString('en-US');
    console.log(`${name.padEnd(44)} ${perSec.padStart(10)} records/s  ${(((bytes / ms) * 1000) / 2 ** 20).toFixed(0).padStart(5)} MiB/s`);
  });
}

console.log(`${records.length} records, average ${Math.round(bytes / records.length)} bytes (key + value)`);
let sink = 0;
const decoder = new ChangeDecoder();
measureAll([
  [
    'JSON.parse(key) + JSON.parse(value)',
    () => {
      for (const r of records) sink += (JSON.parse(r.value!).payload ? 1 : 0) + (r.key && JSON.parse(r.key).payload ? 1 : 0);
    },
  ],
  [
    'ChangeDecoder.decode (schema cache warm)',
    () => {
      for (const r of records) sink += decoder.decode(r).kind === 'change' ? 1 : 0;
    },
  ],
  [
    'ChangeDecoder.decode (new decoder per round)',
    () => {
      const fresh = new ChangeDecoder();
      for (const r of records) sink += fresh.decode(r).kind === 'change' ? 1 : 0;
    },
  ],
]);
if (sink < 0) console.log(sink);

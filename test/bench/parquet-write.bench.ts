/**
 * Data file write throughput, one core: voter-like rows (as silver hands them to the writer, in the
 * canonical encoding) -> Arrow (rowsToArrow) -> snappy Parquet (writeParquet) -> stats (computeStats).
 * Figures only, never asserted.
 *   bun test/bench/parquet-write.bench.ts [rows]
 */
import { rowsToArrow } from '../../src/delta/arrow-schema.ts';
import { computeStats } from '../../src/delta/stats.ts';
import { field, struct } from '../../src/delta/schema.ts';
import { writeParquet } from '../../src/parquet/index.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const schema = struct([
  field('id', 'long', false),
  field('first_name', 'string'),
  field('last_name', 'string'),
  field('address', 'string'),
  field('city', 'string'),
  field('zip', 'integer'),
  field('birth_date', 'date'),
  field('registered_at', 'timestamp'),
  field('party', 'string'),
  field('active', 'boolean'),
  field('score', 'double'),
  field('balance', 'decimal(12,2)'),
]);

const firstNames = ['Ann', 'Bob', 'Chloé', 'Dmitri', 'Eve', 'Fatima', 'Gustav', 'Hiro'];
const lastNames = ['Smith', 'Nguyen', 'García', 'Olsen', 'Kowalski', 'Okafor'];
const cities = ['Springfield', 'Shelbyville', 'Ogdenville', 'North Haverbrook', 'Capital City'];
const parties = ['blue', 'red', 'green', null];
const pad2 = (n: number) => String(n).padStart(2, '0');
const rows = Array.from({ length: count }, (_, i) => ({
  id: String(i + 1),
  first_name: firstNames[i % firstNames.length],
  last_name: lastNames[(i * 7) % lastNames.length],
  address: `${(i % 9999) + 1} Evergreen Terrace`,
  city: cities[i % cities.length],
  zip: 10000 + (i % 89999),
  birth_date: `19${50 + (i % 50)}-${pad2(1 + (i % 12))}-${pad2(1 + (i % 28))}`,
  registered_at: `2024-${pad2(1 + (i % 12))}-${pad2(1 + (i % 28))}T${pad2(i % 24)}:${pad2(i % 60)}:${pad2((i * 7) % 60)}.${String(i % 1_000_000).padStart(6, '0')}`,
  party: parties[i % parties.length],
  active: i % 3 !== 0,
  score: (i % 1000) / 7,
  balance: `${i % 100000}.${pad2(i % 100)}`,
}));

/** Wall time and this process's CPU time: on a loaded machine the CPU figure is the steadier one. */
function time<T>(fn: () => T): [T, number, number] {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return [out, wall, (cpu.user + cpu.system) / 1000];
}

/**
 * The first write in a process pays for JIT compilation and for growing the WebAssembly heap; a running
 * pipeline writes batch after batch, so the steady state (the median of the next runs) is its figure.
 * Both are shown.
 */
const runs = Number(process.env.RUNS ?? 4);
const rate = (ms: number) => `${(((count / ms) * 1000) / 1e6).toFixed(2)} M rows/s`;
const line = (name: string, [wall, cpu]: number[]) =>
  console.log(
    `  ${name.padEnd(18)} wall ${wall.toFixed(0).padStart(6)} ms ${rate(wall).padStart(15)}   cpu ${cpu.toFixed(0).padStart(6)} ms ${rate(cpu).padStart(15)}`,
  );
const measured: { build: number[]; encode: number[]; stats: number[]; bytes: number }[] = [];
for (let run = 0; run < runs; run++) {
  // The previous run's garbage is collected before, not during, the timed work (as ingest collects
  // between batches).
  Bun.gc(true);
  const [table, ...build] = time(() => rowsToArrow(schema, rows));
  const [bytes, ...encode] = time(() => writeParquet(table, { compression: 'snappy' }));
  const [, ...stats] = time(() => computeStats(schema, table));
  measured.push({ build, encode, stats, bytes: bytes.length });
}
const report = (title: string, picked: typeof measured) => {
  const median = (f: (m: (typeof measured)[number]) => number[], k: number) => picked.map((m) => f(m)[k]).sort((a, b) => a - b)[picked.length >> 1];
  const figure = (f: (m: (typeof measured)[number]) => number[]) => [median(f, 0), median(f, 1)];
  console.log(title);
  line(
    'rows -> arrow',
    figure((m) => m.build),
  );
  line(
    'arrow -> parquet',
    figure((m) => m.encode),
  );
  line(
    'build + encode',
    figure((m) => [m.build[0] + m.encode[0], m.build[1] + m.encode[1]]),
  );
  line(
    'stats',
    figure((m) => m.stats),
  );
};
console.log(`parquet write, ${count.toLocaleString()} voter rows x ${schema.fields.length} columns -> ${(measured[0].bytes / 1e6).toFixed(1)} MB snappy`);
report('first write in the process', measured.slice(0, 1));
if (runs > 1) report(`steady state (median of the next ${runs - 1})`, measured.slice(1));

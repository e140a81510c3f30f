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

writeParquet(rowsToArrow(schema, rows.slice(0, 1000))); // warm up (wasm init, JIT)
const [table, ...build] = time(() => rowsToArrow(schema, rows));
const [bytes, ...encode] = time(() => writeParquet(table, { compression: 'snappy' }));
const [, ...stats] = time(() => computeStats(schema, table));
const total = [build[0] + encode[0] + stats[0], build[1] + encode[1] + stats[1]];
const rate = (ms: number) => `${((count / ms) * 1000 / 1e6).toFixed(2)} M rows/s`;
const line = (name: string, [wall, cpu]: number[]) =>
  console.log(`  ${name.padEnd(18)} wall ${wall.toFixed(0).padStart(6)} ms ${rate(wall).padStart(15)}   cpu ${cpu.toFixed(0).padStart(6)} ms ${rate(cpu).padStart(15)}`);
console.log(`parquet write, ${count.toLocaleString()} voter rows x ${schema.fields.length} columns -> ${(bytes.length / 1e6).toFixed(1)} MB snappy`);
line('rows -> arrow', build);
line('arrow -> parquet', encode);
line('stats', stats);
line('total', total);

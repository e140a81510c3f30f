/**
 * Scale of names (issue 12, item 7): one NDJSON stream of many distinct source tables, a few records
 * each, through `lakehouse ingest` (the compiled binary); reports tables/s, wall and CPU seconds, and
 * how long a SIGTERM sent mid-run took to stop it. Figures only; target >= 200 tables/s at 10,000.
 *   bun test/bench/many-tables.bench.ts [tables=10000] [binary=./lakehouse]
 * Build with `npm run build` first.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { manyTablesNdjson } from '../support/many-tables.ts';
import { timeReport } from './time-report.ts';

const root = resolve(import.meta.dir, '../..');
const tables = Number(Bun.argv[2] ?? 10_000);
const binary = Bun.argv[3] ?? resolve(root, 'lakehouse');
const dir = resolve(root, '.cache/bench/many-tables');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const input = resolve(dir, 'input.ndjson');
writeFileSync(input, manyTablesNdjson(tables));

async function ingest(data: string, stopAfterMs?: number): Promise<{ wall: number; cpu: number; out: string; code: number; stopMs?: number }> {
  const report = resolve(dir, 'time.txt');
  const started = performance.now();
  // The stopped run is signalled directly (/usr/bin/time would die of SIGTERM itself).
  const command = stopAfterMs === undefined ? ['/usr/bin/time', '-v', '-o', report, binary] : [binary];
  const proc = Bun.spawn([...command, 'ingest', '--data', data, input], { stdout: 'pipe', stderr: 'pipe' });
  let signalled: number | undefined;
  if (stopAfterMs !== undefined)
    setTimeout(() => {
      signalled = performance.now();
      proc.kill('SIGTERM');
    }, stopAfterMs);
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  const ended = performance.now();
  const text = stopAfterMs === undefined ? await Bun.file(report).text() : '';
  return {
    wall: (ended - started) / 1000,
    cpu: timeReport(text).cpu,
    out,
    code,
    ...(signalled !== undefined ? { stopMs: ended - signalled } : {}),
  };
}

const full = await ingest(resolve(dir, 'lake'));
if (full.code !== 0) throw new Error(`ingest failed (exit ${full.code}):\n${full.out}`);
console.log(
  `${tables.toLocaleString()} tables (${(tables * 3).toLocaleString()} records): wall ${full.wall.toFixed(1)} s, ` +
    `${Math.round(tables / full.wall)} tables/s; cpu ${full.cpu.toFixed(1)} s (${Math.round(tables / full.cpu)} tables per CPU-second)`,
);

// SIGTERM a quarter of the way in: how long until the process is gone.
const stopped = await ingest(resolve(dir, 'lake-stopped'), (full.wall * 1000) / 4);
console.log(`SIGTERM at ${((full.wall * 1000) / 4 / 1000).toFixed(1)} s: exited ${stopped.code} after ${(stopped.stopMs! / 1000).toFixed(2)} s`);

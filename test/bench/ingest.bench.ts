/**
 * `lakehouse ingest` of the voters workload (PostgreSQL envelopes with schemas, ~4 KB a record) from
 * NDJSON into committed silver: records/s, MB/s, CPU seconds and peak RSS of the compiled binary, from
 * /usr/bin/time -v (CPU time is what counts on a loaded machine; wall is shown too). Figures only.
 *   bun test/bench/ingest.bench.ts [records=100000] [--flattened] [binary=./lakehouse ...] [-- ingest flags]
 * `--flattened`: the same changes as schemaless ExtractNewRecordState records (see flattenedCopy).
 * Several binaries (e.g. a build from before a change) run on the same file in turn. Build with
 * `npm run build` first. The NDJSON is cached under .cache/bench/ (first run: ~15 s). `-- --timings`
 * adds ingest's CPU per stage and µs per record (core/stage-clock.ts).
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { votersNdjson } from './voters-ndjson.ts';
import { timeReport } from './time-report.ts';

const root = resolve(import.meta.dir, '../..');
const dash = Bun.argv.indexOf('--');
const args = dash < 0 ? Bun.argv.slice(2) : Bun.argv.slice(2, dash);
const extraFlags = dash < 0 ? [] : Bun.argv.slice(dash + 1);
const flattened = args.includes('--flattened');
const positional = args.filter((a) => a !== '--flattened');
const records = Number(positional[0] ?? 100_000);
const binaries = positional.length > 1 ? positional.slice(1) : [resolve(root, 'lakehouse')];

// n fake-it operations give ~1.2n Kafka records (deletes add tombstones); take the first `records`.
const ops = Math.max(100_000, Math.ceil(records / 1.1));
const source = await votersNdjson(ops, 3, resolve(root, `.cache/bench/voters-${ops}-ops.ndjson`));
const enveloped = resolve(root, `.cache/bench/voters-first-${records}.ndjson`);
try {
  statSync(enveloped);
} catch {
  const lines = (await Bun.file(source).text()).split('\n').filter((l) => l !== '');
  if (lines.length < records) throw new Error(`${source} has only ${lines.length} records`);
  writeFileSync(enveloped, lines.slice(0, records).join('\n') + '\n');
}
const input = flattened ? flattenedCopy(enveloped) : enveloped;
const megabytes = statSync(input).size / 1e6;
console.log(`input: ${records.toLocaleString()} records, ${megabytes.toFixed(0)} MB (${((megabytes * 1e6) / records / 1024).toFixed(1)} KiB a record)`);

for (const binary of binaries) {
  const data = resolve(root, '.cache/bench/ingest-lake');
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true });
  // time's report goes to a file: read through a pipe, it sometimes arrived cut short.
  const report = resolve(root, '.cache/bench/ingest-time.txt');
  const proc = Bun.spawn(['/usr/bin/time', '-v', '-o', report, binary, 'ingest', '--data', data, ...extraFlags, input], { stdout: 'pipe', stderr: 'pipe' });
  const [out, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (exitCode !== 0) throw new Error(`${binary} ingest failed (exit ${exitCode}):\n${out}\n${stderr}`);
  const err = await Bun.file(report).text();
  const { wall, cpu, rssMb } = timeReport(err);
  const applied = /applied\s+(\d+)/.exec(out)?.[1];
  console.log(
    `${binary} ${extraFlags.join(' ')}\n` +
      `  wall ${wall.toFixed(2)} s: ${Math.round(records / wall).toLocaleString()} records/s, ${(megabytes / wall).toFixed(1)} MB/s\n` +
      `  cpu  ${cpu.toFixed(2)} s (user+sys): ${Math.round(records / cpu).toLocaleString()} records per CPU-second\n` +
      `  peak RSS ${rssMb.toFixed(0)} MB; ${applied} changes applied`,
  );
  // With `-- --timings`, ingest's CPU per stage follows its summary.
  const timings = out.indexOf('stage CPU');
  if (timings >= 0) console.log(out.slice(timings).trimEnd());
}

/**
 * The same changes as Debezium writes them with ExtractNewRecordState (add.fields=op,table,lsn,
 * source.ts_ms; delete.handling.mode=rewrite) and JsonConverter schemas.enable=false: the row with
 * `__` metadata fields, deletes as the before image with __deleted "true", tombstones kept.
 */
function flattenedCopy(from: string): string {
  const out = from.replace(/\.ndjson$/, '-flattened.ndjson');
  try {
    statSync(out);
    return out;
  } catch {}
  const lines: string[] = [];
  for (const line of readFileSync(from, 'utf8').split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as { key: string | null; value: string | null };
    const key = record.key === null ? null : JSON.stringify((JSON.parse(record.key) as { payload: unknown }).payload);
    let value: string | null = null;
    if (record.value !== null) {
      const p = (JSON.parse(record.value) as { payload: Envelope }).payload;
      const deleted = p.op === 'd';
      const row = (deleted ? p.before : p.after) ?? {};
      value = JSON.stringify({ ...row, __op: p.op, __table: p.source.table, __lsn: p.source.lsn, __source_ts_ms: p.source.ts_ms, __deleted: String(deleted) });
    }
    lines.push(JSON.stringify({ ...record, key, value }));
  }
  writeFileSync(out, lines.join('\n') + '\n');
  return out;
}

interface Envelope {
  op: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: { table: string; lsn: number; ts_ms: number };
}

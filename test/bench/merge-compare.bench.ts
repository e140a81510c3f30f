/**
 * Side by side on the same events: lakehouse ingest (bronze + silver + gold, exactly once) against the
 * seed's approach, a MERGE per micro-batch keeping the latest event per key by ts_ms, in Spark
 * (pyspark + delta-spark) and in delta-rs (python `deltalake`). Same records, same batch size.
 * Figures only; the ratios are engine wall time over lakehouse's.
 *   bun test/bench/merge-compare.bench.ts [records=20000] [batch=5000] [engines=lakehouse,delta-rs,spark]
 * Needs `npm run build` and `bash test/setup/python-deps.sh spark`.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { votersNdjson } from './voters-ndjson.ts';
import { timeReport } from './time-report.ts';

const root = resolve(import.meta.dir, '../..');
const records = Number(Bun.argv[2] ?? 20_000);
const batch = Number(Bun.argv[3] ?? 5_000);
const engines = (Bun.argv[4] ?? 'lakehouse,delta-rs,spark').split(',');

const source = await votersNdjson(100_000, 3, resolve(root, '.cache/bench/voters-100000-ops.ndjson'));
const input = resolve(root, `.cache/bench/voters-first-${records}.ndjson`);
try {
  statSync(input);
} catch {
  const lines = (await Bun.file(source).text()).split('\n').filter((l) => l !== '');
  writeFileSync(input, lines.slice(0, records).join('\n') + '\n');
}
const megabytes = statSync(input).size / 1e6;

interface Run {
  engine: string;
  wall: number;
  cpu: number;
  rssMb: number;
  detail: string;
}

/** Runs a command under /usr/bin/time -v; CPU counts the processes it waited for (Spark's JVM included). */
async function timed(engine: string, cmd: string[]): Promise<Run & { stdout: string }> {
  const report = resolve(root, `.cache/bench/merge-${engine}-time.txt`);
  const proc = Bun.spawn(['/usr/bin/time', '-v', '-o', report, ...cmd], { cwd: resolve(root, 'test/bench'), stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  // A Python engine that printed its report line finished its work; an abort in teardown after it is noted, not fatal.
  const reported = stdout.trim().split('\n').at(-1)?.startsWith('{"engine"') === true;
  if (exitCode !== 0 && !reported) throw new Error(`${engine} failed (exit ${exitCode}):\n${stdout}\n${stderr.slice(-3000)}`);
  if (exitCode !== 0) console.log(`note: ${engine} exited ${exitCode} after reporting: ${stderr.trim().split('\n').at(-1)}`);
  const text = await Bun.file(report).text();
  return {
    engine,
    stdout,
    ...timeReport(text),
    detail: '',
  };
}

const runs: Run[] = [];
for (const engine of engines) {
  const out = resolve(root, `.cache/bench/merge-${engine}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  if (engine === 'lakehouse') {
    // bronze + silver + the demo's gold, against the engines' silver alone.
    const run = await timed(engine, [
      resolve(root, 'lakehouse'),
      'ingest',
      '--batch',
      String(batch),
      '--data',
      out,
      '--config',
      resolve(root, 'src/gold/voters-book.toml'),
      input,
    ]);
    run.detail = run.stdout
      .split('\n')
      .filter((l) => /applied|duplicates|tombstones/.test(l))
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .join(', ');
    runs.push(run);
  } else {
    const script = engine === 'spark' ? 'merge_spark.py' : 'merge_deltalake.py';
    const run = await timed(engine, ['python3', script, input, String(records), String(batch), out]);
    const figures = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      merge_s: number;
      events: number;
      rows: Record<string, number>;
      jvm: { cpu_s: number; peak_rss_mb: number } | null;
    };
    // Spark's JVM is a grandchild nobody waits for: the driver reads its CPU and peak RSS from /proc.
    if (figures.jvm) {
      run.cpu += figures.jvm.cpu_s;
      run.rssMb += figures.jvm.peak_rss_mb;
    }
    run.detail = `${figures.merge_s.toFixed(2)} s in MERGE, ${figures.events} deduplicated events merged, rows ${JSON.stringify(figures.rows)}${figures.jvm ? ' (cpu and RSS include the JVM)' : ''}`;
    runs.push(run);
  }
}

console.log(`${records.toLocaleString()} records (${megabytes.toFixed(0)} MB), micro-batches of ${batch.toLocaleString()}`);
const base = runs.find((r) => r.engine === 'lakehouse');
for (const r of runs) {
  const ratio = base ? ` = ${(r.wall / base.wall).toFixed(1)}x lakehouse's wall, ${(r.cpu / base.cpu).toFixed(1)}x its CPU` : '';
  console.log(
    `${r.engine.padEnd(10)} wall ${r.wall.toFixed(2)} s (${Math.round(records / r.wall).toLocaleString()} records/s), cpu ${r.cpu.toFixed(2)} s, peak RSS ${r.rssMb.toFixed(0)} MB${ratio}\n` +
      `           ${r.detail}`,
  );
}

/**
 * Disk growth of a long `serve`: the compiled binary on the embedded default at its default rate, for
 * N minutes, its data folder measured every 30 s. Reports MB/hour per layer (bronze, silver data,
 * silver _delta_log, gold, the change ledger and dead letters, lakehouse.db) over the whole run and
 * over its last third (past the five minutes replaced files and log are kept: retention.ts, the
 * steady state of a long serve), and the growth beyond the data itself: everything in the Delta folders but
 * their tables' live data files (logs, checkpoints, replaced files not yet vacuumed). The simulator's
 * own application database (embedded/) is the source, not lakehouse's, and is left out. Figures only.
 *   npm run build && nice npx bun test/bench/disk-growth.bench.ts [minutes, default 10]
 * LAKEHOUSE_BIN runs another binary (a copy, so a rebuild during the run does not touch it); serve's
 * log is kept beside the data folder (DATA.log), and KEEP_DATA=1 keeps the folder too.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { LOG_DIR, Snapshot } from '../../src/delta/index.ts';
import { binary } from '../support/binary.ts';

const minutes = Number(process.argv[2] ?? 10);
const SAMPLE_MS = 30_000;
const MB = 1024 * 1024;

/** Bytes under `path` (recursively), counting only files whose path `keep` accepts. */
function bytes(path: string, keep: (file: string) => boolean = () => true): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return keep(path) ? st.size : 0;
  let n = 0;
  for (const entry of readdirSync(path)) n += bytes(join(path, entry), keep);
  return n;
}

/** The Delta tables' folders under the data folder. */
function tables(data: string): string[] {
  const found: string[] = [];
  for (const top of ['bronze', 'dead_letters', 'change_ledger']) if (existsSync(join(data, top, LOG_DIR))) found.push(join(data, top));
  for (const layer of ['silver', 'gold']) {
    if (!existsSync(join(data, layer))) continue;
    for (const name of readdirSync(join(data, layer))) if (existsSync(join(data, layer, name, LOG_DIR))) found.push(join(data, layer, name));
  }
  return found;
}

/** Bytes of the live data files of the table at `dir` (deletion vector files count as beyond the data). */
async function liveBytes(dir: string): Promise<number> {
  const snapshot = await Snapshot.open(new LocalStorage(dir)).catch(() => undefined);
  return snapshot ? snapshot.files().reduce((n, add) => n + add.size, 0) : 0;
}

interface Sample {
  at: number;
  layers: Record<string, number>;
  beyondData: number;
}

async function sample(data: string): Promise<Sample> {
  const isLog = (f: string) => f.includes(`/${LOG_DIR}/`);
  const layers = {
    bronze: bytes(join(data, 'bronze')),
    'silver data': bytes(join(data, 'silver'), (f) => !isLog(f)),
    'silver _delta_log': bytes(join(data, 'silver'), isLog),
    gold: bytes(join(data, 'gold')),
    'change_ledger + dead_letters': bytes(join(data, 'change_ledger')) + bytes(join(data, 'dead_letters')),
    'lakehouse.db': bytes(data, (f) => /\/lakehouse\.db(-wal|-shm)?$/.test(f)),
  };
  let beyondData = 0;
  for (const dir of tables(data)) beyondData += bytes(dir) - (await liveBytes(dir));
  return { at: Date.now(), layers, beyondData };
}

const perHour = (from: number, to: number, ms: number) => ((to - from) / MB / (ms / 3_600_000)).toFixed(1);

const data = mkdtempSync(join(tmpdir(), 'bench-disk-growth-'));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const bin = process.env.LAKEHOUSE_BIN ?? binary;
// serve's log goes beside the data folder, for a run whose figures need explaining.
const serve = Bun.spawn([bin, 'serve', '--data', data, '--port', String(port)], { stdout: 'ignore', stderr: Bun.file(`${data}.log`) });
const samples: Sample[] = [];
try {
  const end = Date.now() + minutes * 60_000;
  samples.push(await sample(data));
  while (Date.now() < end) {
    await Bun.sleep(Math.min(SAMPLE_MS, end - Date.now()));
    samples.push(await sample(data));
    const s = samples[samples.length - 1]!;
    process.stderr.write(
      `  ${((s.at - samples[0]!.at) / 60_000).toFixed(1)} min: ${Object.entries(s.layers)
        .map(([k, v]) => `${k} ${(v / MB).toFixed(1)}`)
        .join(', ')}, beyond data ${(s.beyondData / MB).toFixed(1)} MB\n`,
    );
  }
  const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { versions: { bronze: number } };
  const first = samples[0]!;
  const mid = samples[Math.floor((samples.length * 2) / 3)]!;
  const last = samples[samples.length - 1]!;
  console.log(`serve, embedded default, default rate, ${minutes} min (bronze at version ${health.versions.bronze}); MB/hour`);
  console.log('layer                           whole run    last third   size at end (MB)');
  for (const layer of Object.keys(last.layers)) {
    const [a, m, z] = [first.layers[layer]!, mid.layers[layer]!, last.layers[layer]!];
    console.log(
      `${layer.padEnd(32)}${perHour(a, z, last.at - first.at).padStart(9)}   ${perHour(m, z, last.at - mid.at).padStart(11)}   ${(z / MB).toFixed(1).padStart(16)}`,
    );
  }
  console.log(
    `${'beyond the data (Delta folders)'.padEnd(32)}${perHour(first.beyondData, last.beyondData, last.at - first.at).padStart(9)}   ${perHour(mid.beyondData, last.beyondData, last.at - mid.at).padStart(11)}   ${(last.beyondData / MB).toFixed(1).padStart(16)}`,
  );
} finally {
  serve.kill('SIGINT');
  await serve.exited;
  if (!process.env.KEEP_DATA) rmSync(data, { recursive: true, force: true });
}

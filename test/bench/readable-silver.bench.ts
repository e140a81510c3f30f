/**
 * What `--write-mode voters=copy-on-write` (voters readable by readers limited to reader version 1,
 * such as delta-rs's pyarrow dataset) costs against the default merge-on-read, on the voters workload
 * ingested in serve-sized commits: CPU seconds and wall time of the whole ingest, and the bytes written
 * under silver/voters (every file, live or replaced: what the disk and an object store saw). Figures only.
 *   bun test/bench/readable-silver.bench.ts [records=50000] [batch=500]
 * Build with `npm run build` first; the NDJSON is the one ingest.bench.ts caches under .cache/bench/.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { votersNdjson } from './voters-ndjson.ts';

const root = resolve(import.meta.dir, '../..');
const records = Number(Bun.argv[2] ?? 50_000);
const batch = Number(Bun.argv[3] ?? 500);
const ops = Math.ceil(records / 1.1);
const input = await votersNdjson(ops, 3, resolve(root, `.cache/bench/voters-${ops}-ops.ndjson`));

function bytesUnder(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const s = statSync(join(dir, entry));
    if (s.isFile()) {
      files++;
      bytes += s.size;
    }
  }
  return { files, bytes };
}

for (const mode of ['merge-on-read', 'voters=copy-on-write']) {
  const data = resolve(root, `.cache/bench/readable-silver-${mode.replace('=', '-')}`);
  rmSync(data, { recursive: true, force: true });
  const run = Bun.spawnSync(
    ['/usr/bin/time', '-f', '%e %U %S %M', resolve(root, 'lakehouse'), 'ingest', '--data', data, '--batch', String(batch), '--write-mode', mode, input],
    { stdout: 'pipe', stderr: 'pipe' },
  );
  if (run.exitCode !== 0) throw new Error(`ingest failed: ${run.stderr.toString()}`);
  const [wall, user, sys, rssKb] = run.stderr.toString().trim().split('\n').pop()!.split(' ').map(Number);
  const voters = bytesUnder(join(data, 'silver', 'voters'));
  console.log(
    `${mode.padEnd(22)} ${(user! + sys!).toFixed(1)} CPU-s, ${wall!.toFixed(1)} s wall, peak RSS ${Math.round(rssKb! / 1024)} MB; ` +
      `silver/voters: ${(voters.bytes / 1e6).toFixed(1)} MB written in ${voters.files} files`,
  );
}

/**
 * What `lakehouse serve` on the embedded demo costs a laptop at its default rate: CPU (% of one core)
 * and RSS of the process, sampled from /proc once a minute, plus the records it took in. Figures only.
 *   bun test/bench/serve-footprint.bench.ts [minutes=30] [binary=./lakehouse] [-- serve flags]
 * Build with `npm run build` first. CPU is the process's own user+sys time, so other load on the
 * machine changes it little; RSS is the process's resident set.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../integration/real-stack-support.ts';

const root = resolve(import.meta.dir, '../..');
const dash = Bun.argv.indexOf('--');
const args = dash < 0 ? Bun.argv.slice(2) : Bun.argv.slice(2, dash);
const extraFlags = dash < 0 ? [] : Bun.argv.slice(dash + 1);
const minutes = Number(args[0] ?? 30);
const binary = args[1] ?? resolve(root, 'lakehouse');

const ticksPerSecond = 100; // USER_HZ on Linux
/** user+sys seconds of the process and all its threads, and its RSS in MB. */
function usage(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return { cpuSeconds, rssMb: rssKb / 1024 };
}

const data = mkdtempSync(join(tmpdir(), 'lh-serve-footprint-'));
const port = freePort();
const proc = Bun.spawn([binary, 'serve', '--data', data, '--port', String(port), ...extraFlags], { stdout: 'ignore', stderr: 'ignore', stdin: 'ignore' });
const health = async (): Promise<{ records?: number; [k: string]: unknown } | undefined> =>
  fetch(`http://127.0.0.1:${port}/health`)
    .then((r) => r.json() as Promise<{ records?: number }>)
    .catch(() => undefined);
try {
  const deadline = Date.now() + 60_000;
  while ((await health()) === undefined) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('serve did not answer /health within 60 s');
    await Bun.sleep(250);
  }
  // The first minute holds start-up (the demo's snapshot, JIT): the steady state is measured after it.
  await Bun.sleep(60_000);
  const first = usage(proc.pid);
  let previous = first;
  console.log(`serve ${extraFlags.join(' ')} on the embedded demo, pid ${proc.pid}; after the first minute: RSS ${first.rssMb.toFixed(0)} MB`);
  console.log('minute  CPU % of a core  RSS MB');
  for (let minute = 1; minute <= minutes; minute++) {
    await Bun.sleep(60_000);
    const now = usage(proc.pid);
    console.log(
      `${String(minute).padStart(6)}  ${((100 * (now.cpuSeconds - previous.cpuSeconds)) / 60).toFixed(1).padStart(15)}  ${now.rssMb.toFixed(0).padStart(6)}`,
    );
    previous = now;
  }
  const last = usage(proc.pid);
  const h = await health();
  console.log(
    `over ${minutes} min: CPU ${((100 * (last.cpuSeconds - first.cpuSeconds)) / (minutes * 60)).toFixed(1)}% of a core; RSS ${first.rssMb.toFixed(0)} -> ${last.rssMb.toFixed(0)} MB`,
  );
  console.log(`/health at the end: ${JSON.stringify(h)}`);
} finally {
  proc.kill('SIGTERM');
  await proc.exited;
  rmSync(data, { recursive: true, force: true });
}

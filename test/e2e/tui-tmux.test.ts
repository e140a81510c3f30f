/**
 * The compiled binary's TUI in a real terminal (tmux), against a real `lakehouse serve`: the screen
 * shows the header, live changes and the gold panel, survives the server going away, and quits on q.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dir, '../..');
const binary = join(root, 'lakehouse');
const work = mkdtempSync(join(tmpdir(), 'lh-tui-'));
const session = `lh-tui-${process.pid}`;
let server: ReturnType<typeof Bun.spawn> | undefined;
let port = 0;

const tmux = (...args: string[]) => Bun.spawnSync(['tmux', ...args], { stdout: 'pipe', stderr: 'pipe' });
const screen = () => tmux('capture-pane', '-t', session, '-p').stdout.toString();

async function waitForScreen(what: string, ok: (s: string) => boolean, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (ok(last)) return last;
    await Bun.sleep(250);
  }
  throw new Error(`the screen never showed ${what}; it shows:\n${last}`);
}

function startServer() {
  server = Bun.spawn([binary, 'serve', '--data', join(work, 'data'), '--port', String(port), '--rate', '30'], { stdout: 'ignore', stderr: 'ignore' });
}

beforeAll(async () => {
  if (!existsSync(binary)) throw new Error('./lakehouse is missing: run npm run build');
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  port = probe.port!;
  probe.stop(true);
  startServer();
  const deadline = Date.now() + 20_000;
  while (
    Date.now() < deadline &&
    !(await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    ))
  )
    await Bun.sleep(200);
  tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', `${binary} tui --url http://127.0.0.1:${port}`);
}, 60_000);

afterAll(() => {
  tmux('kill-session', '-t', session);
  server?.kill('SIGINT');
  rmSync(work, { recursive: true, force: true });
});

test('the live feed, the gold panel, a server outage and q', async () => {
  const first = await waitForScreen('the header and changes', (s) => s.includes('lakehouse') && /[+~-] (voters|polls|ballots) /.test(s));
  expect(first).toContain('status ok');
  expect(first).toContain('q quit');
  const lines = first.split('\n');
  expect(lines.every((l) => l.length <= 100)).toBe(true);

  tmux('send-keys', '-t', session, 'g');
  await waitForScreen('the gold panel', (s) => s.includes('voters_per_city') && s.includes('█'));

  server!.kill('SIGINT');
  await server!.exited;
  await waitForScreen('the outage message', (s) => s.includes('cannot reach'));
  startServer();
  await waitForScreen('the reconnected header', (s) => s.includes('status ok') && !s.includes('cannot reach'), 30_000);

  tmux('send-keys', '-t', session, 'q');
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && tmux('has-session', '-t', session).exitCode === 0) await Bun.sleep(100);
  expect(tmux('has-session', '-t', session).exitCode).not.toBe(0); // the TUI exited, closing the session
}, 120_000);

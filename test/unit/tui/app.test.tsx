import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { render } from 'ink-testing-library';
import { App } from '../../../tui/app.tsx';
import { startContractServer, type ContractServer } from './contract-server.ts';
import { contractData, SNAPSHOT } from './fixtures.ts';
import { waitForFrame } from './wait-for.ts';

beforeAll(() => {
  process.env.TZ = 'UTC';
});

let server: ContractServer | undefined;
let screen: ReturnType<typeof render> | undefined;

afterEach(async () => {
  screen?.unmount();
  screen = undefined;
  await server?.stop();
  server = undefined;
});

function start(retryMs = 2_000) {
  server = startContractServer(contractData());
  screen = render(<App url={server.url} retryMs={retryMs} />);
  return { server, screen };
}

const ARROW_LEFT = '\x1b[D';
// Each test waits for several screens in turn; on a loaded machine that takes longer than bun's default 5 s.
const SCREEN_TEST_TIMEOUT_MS = 20_000;

describe('App against a server speaking the API contract', () => {
  test(
    'shows the header and the changes, newest first',
    async () => {
      const { screen } = start();
      const frame = await waitForFrame(screen.lastFrame, (f) => f.includes('city: Oslo → Bergen') && f.includes('dead letters'));
      expect(frame).toContain('source embedded');
      expect(frame).toContain('status ok');
      expect(frame).toContain('1.2k');
      expect(frame).toContain('dead letters 2');
      expect(frame).toContain('silver voters v3 votes v5');
      const lines = frame.split('\n');
      const deleteLine = lines.findIndex((l) => l.includes('- votes        id=7  removed'));
      const updateLine = lines.findIndex((l) => l.includes('~ voters       id=42  city: Oslo → Bergen'));
      const insertLine = lines.findIndex((l) => l.includes('+ voters       id=42  name=Ann  city=Oslo'));
      expect(deleteLine).toBeGreaterThan(0);
      expect(updateLine).toBe(deleteLine + 1);
      expect(insertLine).toBe(updateLine + 1);
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    'the frame fits 80×24 exactly: no line wider, one row spare',
    async () => {
      const { screen } = start();
      const frame = await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
      // ink-testing-library reports 100 columns and no rows, so the app falls back to 24 rows.
      const lines = frame.split('\n');
      expect(lines.length).toBe(23);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    'new changes appear live',
    async () => {
      const { server, screen } = start();
      await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
      server.emit(SNAPSHOT);
      await waitForFrame(screen.lastFrame, (f) => f.includes('• voters       id=43  name=Bo'));
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    'after the stream drops it reconnects with Last-Event-ID and misses nothing',
    async () => {
      const { server, screen } = start(100);
      await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
      server.dropStreams();
      server.emit(SNAPSHOT);
      const frame = await waitForFrame(screen.lastFrame, (f) => f.includes('id=43'));
      expect(server.resumedFrom).toEqual([null, '3']);
      expect(frame.match(/id=42 {2}city: Oslo → Bergen/g)?.length).toBe(1);
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    'space pauses the feed and counts what arrives meanwhile',
    async () => {
      const { server, screen } = start();
      await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
      screen.stdin.write(' ');
      await waitForFrame(screen.lastFrame, (f) => f.includes('PAUSED · 0 new'));
      server.emit(SNAPSHOT);
      const paused = await waitForFrame(screen.lastFrame, (f) => f.includes('PAUSED · 1 new'));
      expect(paused).not.toContain('id=43');
      screen.stdin.write(' ');
      await waitForFrame(screen.lastFrame, (f) => f.includes('id=43') && !f.includes('PAUSED'));
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    't cycles the table filter and / searches keys',
    async () => {
      const { screen } = start();
      await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
      screen.stdin.write('t');
      let frame = await waitForFrame(screen.lastFrame, (f) => f.includes('table voters'));
      expect(frame).not.toContain('id=7');
      screen.stdin.write('t');
      frame = await waitForFrame(screen.lastFrame, (f) => f.includes('table votes'));
      expect(frame).not.toContain('id=42');
      screen.stdin.write('t');
      await waitForFrame(screen.lastFrame, (f) => f.includes('id=42') && f.includes('id=7'));
      screen.stdin.write('/');
      for (const ch of 'id=7') screen.stdin.write(ch);
      frame = await waitForFrame(screen.lastFrame, (f) => f.includes('search: id=7'));
      expect(frame).not.toContain('id=42');
      screen.stdin.write('\r');
      await waitForFrame(screen.lastFrame, (f) => f.includes('search "id=7"'));
      screen.stdin.write('\x1b');
      await waitForFrame(screen.lastFrame, (f) => f.includes('id=42') && !f.includes('search "'));
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    '? shows the help and any key closes it',
    async () => {
      const { screen } = start();
      await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
      screen.stdin.write('?');
      await waitForFrame(screen.lastFrame, (f) => f.includes('press any key to close') && !f.includes('Bergen'));
      screen.stdin.write('x');
      await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    'g shows the gold panel: every gold table the server lists',
    async () => {
      const { screen } = start();
      await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
      screen.stdin.write('g');
      const frame = await waitForFrame(screen.lastFrame, (f) => /pizza\s+█/.test(f) && /Bergen\s+█/.test(f));
      expect(frame).toMatch(/pizza\s+█+\s+30\s+75%/);
      expect(frame).toMatch(/Bergen\s+█+\s+3\s+75%/);
      expect(frame).toContain('voters_per_city');
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    'the table view shows schema and history, and ← travels to an older version',
    async () => {
      const { screen } = start();
      await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
      screen.stdin.write('v');
      let frame = await waitForFrame(screen.lastFrame, (f) => f.includes('rows 1–2 at v3'));
      expect(frame).toContain('schema  id long  name string?  city string?');
      expect(frame).toContain('v1    2026-11-25 09:00:01  WRITE  mode=Append');
      expect(frame).toMatch(/43\s+Bo\s+Oslo/);
      screen.stdin.write(ARROW_LEFT);
      screen.stdin.write(ARROW_LEFT);
      frame = await waitForFrame(screen.lastFrame, (f) => f.includes('rows 1–1 at v1'));
      expect(frame).toContain('time travel');
      expect(frame).toMatch(/42\s+Ann\s+Oslo/);
      expect(frame).not.toContain('Bo');
      screen.stdin.write('\x1b');
      await waitForFrame(screen.lastFrame, (f) => f.includes('city: Oslo → Bergen'));
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    'the table view keeps the chosen version across the feed and the help',
    async () => {
      const { screen } = start();
      await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
      screen.stdin.write('v');
      await waitForFrame(screen.lastFrame, (f) => f.includes('rows 1–2 at v3'));
      screen.stdin.write(ARROW_LEFT);
      await waitForFrame(screen.lastFrame, (f) => f.includes('rows 1–1 at v2'));
      screen.stdin.write('\x1b');
      await waitForFrame(screen.lastFrame, (f) => f.includes('city: Oslo → Bergen'));
      screen.stdin.write('v');
      await waitForFrame(screen.lastFrame, (f) => f.includes('rows 1–1 at v2'));
      screen.stdin.write('?');
      await waitForFrame(screen.lastFrame, (f) => f.includes('press any key to close'));
      screen.stdin.write(' ');
      await waitForFrame(screen.lastFrame, (f) => f.includes('rows 1–1 at v2') && !f.includes('press any key'));
    },
    SCREEN_TEST_TIMEOUT_MS,
  );
});

describe('App when the server is down', () => {
  test(
    'says it cannot reach the server and that it retries, with no stack trace',
    async () => {
      const probe = startContractServer(contractData());
      const url = probe.url;
      await probe.stop();
      screen = render(<App url={url} retryMs={2_000} />);
      const frame = await waitForFrame(screen.lastFrame, (f) => f.includes(`cannot reach ${url} — retrying in 2s`));
      expect(frame).toContain('status unreachable');
      expect(frame).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    'says so when the server goes away while running, keeping what it showed',
    async () => {
      const { server: running, screen } = start(100);
      await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen'));
      await running.stop();
      server = undefined;
      const frame = await waitForFrame(screen.lastFrame, (f) => f.includes(`cannot reach ${running.url} — retrying in 0.1s`));
      expect(frame).toContain('city: Oslo → Bergen');
    },
    SCREEN_TEST_TIMEOUT_MS,
  );

  test(
    'recovers on its own when the server comes back',
    async () => {
      const probe = startContractServer(contractData());
      const port = probe.port;
      await probe.stop();
      screen = render(<App url={`http://127.0.0.1:${port}`} retryMs={100} />);
      await waitForFrame(screen.lastFrame, (f) => f.includes('cannot reach'));
      server = startContractServer(contractData(), port);
      const frame = await waitForFrame(screen.lastFrame, (f) => f.includes('Bergen') && f.includes('status ok'));
      expect(frame).not.toContain('cannot reach');
    },
    SCREEN_TEST_TIMEOUT_MS,
  );
});

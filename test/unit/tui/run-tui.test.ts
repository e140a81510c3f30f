import { afterEach, describe, expect, test } from 'bun:test';
import { EventEmitter } from 'node:events';
import { runTui, TuiUnavailableError } from '../../../tui/index.tsx';
import { startContractServer, type ContractServer } from './contract-server.ts';
import { contractData } from './fixtures.ts';

/** A terminal as Ink sees it: a TTY stdout of a given size, and a stdin that the test types into. */
class FakeTerminal {
  readonly written: string[] = [];
  readonly stdout = Object.assign(new EventEmitter(), {
    isTTY: true,
    columns: 80,
    rows: 24,
    write: (chunk: string) => {
      this.written.push(chunk);
      return true;
    },
  });
  readonly stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    pending: [] as string[],
    setEncoding() {},
    setRawMode() {},
    resume() {},
    pause() {},
    ref() {},
    unref() {},
    read(): string | null {
      return this.pending.shift() ?? null;
    },
  });

  type(text: string): void {
    this.stdin.pending.push(text);
    this.stdin.emit('readable');
  }

  output(): string {
    return this.written.join('');
  }

  async waitFor(text: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!this.output().includes(text)) {
      if (Date.now() > deadline) throw new Error(`never wrote ${JSON.stringify(text)}`);
      await Bun.sleep(20);
    }
  }
}

let server: ContractServer | undefined;
afterEach(async () => {
  await server?.stop();
});

async function runUntilQuit(keys: string): Promise<FakeTerminal> {
  server = startContractServer(contractData());
  const terminal = new FakeTerminal();
  const done = runTui({
    url: server.url,
    stdout: terminal.stdout as unknown as NodeJS.WriteStream,
    stdin: terminal.stdin as unknown as NodeJS.ReadStream,
  });
  await terminal.waitFor('Bergen');
  terminal.type(keys);
  await done;
  return terminal;
}

describe('runTui', () => {
  test("q quits, and the terminal's own screen is restored", async () => {
    const terminal = await runUntilQuit('q');
    const output = terminal.output();
    expect(output.startsWith('\x1b[?1049h')).toBe(true);
    expect(output.endsWith('\x1b[?1049l')).toBe(true);
  });

  test('Ctrl-C quits too', async () => {
    await runUntilQuit('\x03');
  });

  test("without a terminal on stdin it refuses with a clear error instead of Ink's", async () => {
    const terminal = new FakeTerminal();
    terminal.stdin.isTTY = false;
    const error = await runTui({
      url: 'http://127.0.0.1:1',
      stdout: terminal.stdout as unknown as NodeJS.WriteStream,
      stdin: terminal.stdin as unknown as NodeJS.ReadStream,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TuiUnavailableError);
    expect((error as Error).message).toStartWith('the TUI needs an interactive terminal');
    expect(terminal.output()).toBe('');
  });
});

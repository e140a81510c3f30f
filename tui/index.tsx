import { render } from 'ink';
import { App } from './app.tsx';
import { resolveMonochrome } from './theme.ts';

export type TuiOptions = {
  /** Base URL of a running lakehouse server, e.g. http://localhost:8080. */
  url: string;
  /** Force monochrome output; by default colour is off when NO_COLOR is set. */
  noColor?: boolean;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
};

// Alternate screen buffer: the TUI gets a clean full screen and the shell's scrollback is restored on exit.
const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';

/** The TUI cannot run here (no interactive terminal); the message says what to do instead. */
export class TuiUnavailableError extends Error {
  readonly code = 'TUI_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'TuiUnavailableError';
  }
}

/**
 * Runs the terminal UI against the server at `url`; resolves when the user quits (q or Ctrl-C). Rejects with
 * TuiUnavailableError when stdin is not a terminal, since keys could not be read.
 */
export async function runTui(options: TuiOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  if (!stdin.isTTY) {
    throw new TuiUnavailableError('the TUI needs an interactive terminal, but stdin is not one; run it in a terminal (over SSH use ssh -t)');
  }
  const fullScreen = stdout.isTTY === true;
  if (fullScreen) stdout.write(ENTER_ALTERNATE_SCREEN);
  const instance = render(<App url={options.url} monochrome={resolveMonochrome(options.noColor, process.env)} />, {
    stdout,
    stdin,
    // Ctrl-C is handled by the app so that quitting always takes the same path and restores the terminal.
    exitOnCtrlC: false,
    patchConsole: true,
    // Not Ink's incremental mode: in ink 6.8 it draws a full-height frame one line too low after the first
    // render. The standard mode rewrites the frame in one write, inside a synchronized update where supported.
  });
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
    if (fullScreen) stdout.write(LEAVE_ALTERNATE_SCREEN);
  }
}

/** Starts the TUI for `tui` and `serve --tui`, turning "no terminal here" into a usage error. */
import { usageError } from '../core/errors.ts';

export async function startTui(url: string): Promise<void> {
  // Source runs (`bun src/cli/main.ts`) would otherwise get React's memory-hungry development build;
  // the compiled binary has this defined at build time.
  process.env.NODE_ENV ??= 'production';
  // Ink stops redrawing when CI is set; the TUI always runs on an interactive terminal (runTui checks).
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const { runTui, TuiUnavailableError } = await import('../../tui/index.tsx');
  try {
    await runTui({ url, noColor: 'NO_COLOR' in process.env });
  } catch (err) {
    if (err instanceof TuiUnavailableError) throw usageError(err.message);
    throw err;
  }
}

/** `lakehouse tui`: the terminal UI against a running server. */
import { startTui } from '../start-tui.ts';
import type { CommandContext } from '../command.ts';
import type { tuiSpec } from './specs.ts';

export async function run({ args }: CommandContext<typeof tuiSpec>): Promise<number> {
  await startTui(args.flags.url);
  return 0;
}

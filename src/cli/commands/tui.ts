/** `lakehouse tui`: the terminal UI against a running server. */
import { startTui } from '../start-tui.ts';
import type { CommandContext } from './index.ts';

export async function run({ args }: CommandContext): Promise<number> {
  await startTui(args.flags.url as string);
  return 0;
}

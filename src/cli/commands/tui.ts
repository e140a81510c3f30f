/** `lakehouse tui`: the terminal UI against a running server. */
import type { CommandContext } from './index.ts';

export async function run({ args }: CommandContext): Promise<number> {
  const { runTui } = await import('../../../tui/index.tsx');
  await runTui({ url: args.flags.url as string, noColor: 'NO_COLOR' in process.env });
  return 0;
}

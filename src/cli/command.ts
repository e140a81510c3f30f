/** What a command is: its spec and, loaded on demand, the implementation that receives its typed flags. */
import type { Logger } from '../core/log.ts';
import type { CommandSpec, Parsed } from './args.ts';

export interface CommandContext<S extends CommandSpec = CommandSpec> {
  args: Parsed<S>;
  log: Logger;
  /** Resolves when the user asks to stop (Ctrl-C / SIGTERM). */
  stopSignal: AbortSignal;
}

/** Runs the command; the exit code (0 when it returns nothing). */
type Run<S extends CommandSpec> = (ctx: CommandContext<S>) => Promise<number | undefined>;

export interface Command {
  spec: CommandSpec;
  load: () => Promise<{ run: Run<CommandSpec> }>;
}

/** Pairs a spec with its implementation, which must take the flags of that spec. */
export function command<S extends CommandSpec>(spec: S, load: () => Promise<{ run: Run<S> }>): Command {
  // parseArgs(spec) gives exactly Parsed<S>, so the implementation may be called with what it returns.
  return { spec, load: load as unknown as Command['load'] };
}

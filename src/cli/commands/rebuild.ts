/** `lakehouse rebuild TABLE`: silver recomputed from bronze alone. */
import { Pipeline } from '../../pipeline/index.ts';
import { parseRoutes } from '../routing.ts';
import { resolveLocations } from '../locations.ts';
import type { WriteMode } from '../../silver/index.ts';
import type { CommandContext } from './index.ts';

export async function run({ args, log }: CommandContext): Promise<number> {
  const name = args.positionals[0]!;
  const { tables, state } = resolveLocations(args.flags.data as string, args.flags.state as string | undefined);
  const pipeline = await Pipeline.open({ dataDir: state, tables, log, routing: parseRoutes(args.flags.route as string[] | undefined), history: args.flags.history as string[] | undefined });
  try {
    const started = performance.now();
    const result = await pipeline.rebuild(name, args.flags['write-mode'] as WriteMode | undefined);
    console.log(`rebuilt silver ${name} (${result.writeMode}) from bronze: ${result.rows} rows, now at version ${result.version} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    pipeline.close();
  }
  return 0;
}

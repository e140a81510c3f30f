/** `lakehouse rebuild TABLE`: silver recomputed from bronze alone. */
import { Pipeline } from '../../pipeline/index.ts';
import { pipelineOptions } from '../pipeline-options.ts';
import { resolveLocations } from '../locations.ts';
import type { CommandContext } from '../command.ts';
import type { rebuildSpec } from './specs.ts';

export async function run({ args, log }: CommandContext<typeof rebuildSpec>): Promise<number> {
  const name = args.positionals[0]!;
  const locations = resolveLocations(args.flags.data, args.flags.state);
  // The write mode is the rebuilt table's (below), not a setting for the tables left as they are.
  const pipeline = await Pipeline.open({ ...pipelineOptions(args.flags, locations, log), writeMode: undefined });
  try {
    const started = performance.now();
    const result = await pipeline.rebuild(name, args.flags['write-mode']);
    console.log(
      `rebuilt silver ${name} (${result.writeMode}) from bronze: ${result.rows} rows, now at version ${result.version} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  } finally {
    pipeline.close();
  }
  return 0;
}

/** `lakehouse rebuild TABLE`: silver recomputed from bronze alone. */
import { Pipeline } from '../../pipeline/index.ts';
import { lockHolder } from '../../pipeline/data-lock.ts';
import { handOver } from '../../pipeline/maintenance-requests.ts';
import type { WriteMode } from '../../silver/index.ts';
import { pipelineOptions } from '../pipeline-options.ts';
import { resolveLocations } from '../locations.ts';
import type { CommandContext } from '../command.ts';
import type { rebuildSpec } from './specs.ts';

type Rebuilt = { version: number; rows: number; writeMode: WriteMode };

export async function run({ args, log }: CommandContext<typeof rebuildSpec>): Promise<number> {
  const name = args.positionals[0]!;
  const locations = resolveLocations(args.flags.data, args.flags.state);
  const started = performance.now();
  const holder = lockHolder(locations.state);
  let result: Rebuilt;
  if (holder !== undefined) {
    // The running process rebuilds with its own settings (routes, keys, history, gold).
    log.info(`${locations.state} is in use by lakehouse process ${holder}: it runs the rebuild between two batches, with its own settings`);
    result = await handOver<Rebuilt>(locations.state, holder, { command: 'rebuild', table: name, writeMode: args.flags['write-mode'] });
  } else {
    // The write mode is the rebuilt table's (below), not a setting for the tables left as they are.
    const pipeline = await Pipeline.open({ ...pipelineOptions(args.flags, locations, log), writeMode: undefined });
    try {
      result = await pipeline.rebuild(name, args.flags['write-mode']);
    } finally {
      pipeline.close();
    }
  }
  console.log(
    `rebuilt silver ${name} (${result.writeMode}) from bronze: ${result.rows} rows, now at version ${result.version} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  return 0;
}

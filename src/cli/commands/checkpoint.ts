/** `lakehouse checkpoint`: writes a checkpoint of the latest version (and points _last_checkpoint at it). */
import { DeltaTable, writeCheckpoint, type CheckpointResult } from '../../delta/index.ts';
import { tableStorage } from '../table-ref.ts';
import { handOverTo, liveFolderOf } from '../live-folder.ts';
import type { CommandContext } from '../command.ts';
import type { checkpointSpec } from './specs.ts';

export async function run({ args, log }: CommandContext<typeof checkpointSpec>): Promise<number> {
  const storage = await tableStorage(args.positionals[0]!, args.flags.data);
  const live = await liveFolderOf(args.positionals[0]!, args.flags.data);
  const result = live
    ? await handOverTo<CheckpointResult>(live, { command: 'checkpoint' }, log)
    : await writeCheckpoint(storage, (await DeltaTable.open(storage, { logger: log })).snapshot());
  console.log(`checkpoint of ${storage.root} at version ${result.version}: ${result.path} (${result.actions} actions, ${result.sizeInBytes} bytes)`);
  return 0;
}

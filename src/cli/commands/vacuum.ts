/** `lakehouse vacuum`: deletes files the table no longer references, older than the retention. */
import { DeltaTable, vacuum, type VacuumResult } from '../../delta/index.ts';
import { tableStorage } from '../table-ref.ts';
import { handOverTo, liveFolderOf } from '../live-folder.ts';
import type { CommandContext } from '../command.ts';
import type { vacuumSpec } from './specs.ts';

export async function run({ args, log }: CommandContext<typeof vacuumSpec>): Promise<number> {
  const storage = await tableStorage(args.positionals[0]!, args.flags.data);
  const dryRun = args.flags['dry-run'] === true;
  const options = { retentionHours: args.flags['retention-hours'], dryRun, enforceRetention: args.flags.force !== true, retentionOverride: '--force' };
  const live = await liveFolderOf(args.positionals[0]!, args.flags.data);
  const result = live
    ? await handOverTo<VacuumResult>(live, { command: 'vacuum', ...options }, log)
    : await vacuum(await DeltaTable.open(storage, { logger: log }), options);
  const out = Bun.stdout.writer();
  for (const path of result.files) out.write(`${path}\n`);
  out.write(`${dryRun ? 'would delete' : 'deleted'} ${result.files.length} file${result.files.length === 1 ? '' : 's'} from ${storage.root}\n`);
  await out.flush();
  return 0;
}

/** `lakehouse optimize`: bin-packs small files (and files with deletion vectors) into bigger ones. */
import { DeltaTable, optimize } from '../../delta/index.ts';
import { tableStorage } from '../table-ref.ts';
import type { CommandContext } from './index.ts';

export async function run({ args, log }: CommandContext): Promise<number> {
  const storage = await tableStorage(args.positionals[0]!, args.flags.data as string);
  const table = await DeltaTable.open(storage, { logger: log });
  const result = await optimize(table, { targetFileSize: args.flags['target-size'] as number | undefined });
  console.log(
    result.version === undefined
      ? `nothing to optimize in ${storage.root} (version ${table.snapshot().version})`
      : `optimized ${storage.root}: ${result.filesRemoved} files rewritten into ${result.filesAdded}, version ${result.version}`,
  );
  return 0;
}

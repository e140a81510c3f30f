/** `lakehouse optimize`: bin-packs small files (and files with deletion vectors) into bigger ones. */
import { invalidInput } from '../../core/errors.ts';
import { DeltaTable, optimize } from '../../delta/index.ts';
import { fileVersions } from '../../bronze/index.ts';
import { tableStorage } from '../table-ref.ts';
import type { CommandContext } from '../command.ts';
import type { optimizeSpec } from './specs.ts';

export async function run({ args, log }: CommandContext<typeof optimizeSpec>): Promise<number> {
  const storage = await tableStorage(args.positionals[0]!, args.flags.data);
  const table = await DeltaTable.open(storage, { logger: log });
  // Bin-packing by size would mix bronze's files out of the order replays depend on (file-versions.ts).
  if (
    table
      .snapshot()
      .files()
      .some((add) => fileVersions(add) !== undefined)
  ) {
    throw invalidInput(
      `${storage.root} is lakehouse's bronze table, whose files must stay in stored order`,
      'the pipeline compacts bronze itself, in order, after each batch',
    );
  }
  const result = await optimize(table, { targetFileSize: args.flags['target-size'] });
  console.log(
    result.version === undefined
      ? `nothing to optimize in ${storage.root} (version ${table.snapshot().version})`
      : `optimized ${storage.root}: ${result.filesRemoved} files rewritten into ${result.filesAdded}, version ${result.version}`,
  );
  return 0;
}

/** `lakehouse optimize`: bin-packs small files (and files with deletion vectors) into bigger ones. */
import { ErrorCode, LakehouseError, invalidInput } from '../../core/errors.ts';
import { DeltaTable, optimize, type OptimizeResult } from '../../delta/index.ts';
import { fileVersions } from '../../bronze/index.ts';
import { tableStorage } from '../table-ref.ts';
import { handOverTo, liveFolderOf } from '../live-folder.ts';
import type { CommandContext } from '../command.ts';
import type { optimizeSpec } from './specs.ts';

/** Lost commit races retried (each re-plans from the newest version) before giving up. */
const ATTEMPTS = 5;

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
  const targetFileSize = args.flags['target-size'];
  const live = await liveFolderOf(args.positionals[0]!, args.flags.data);
  const result = live ? await handOverTo<OptimizeResult>(live, { command: 'optimize', targetFileSize }, log) : await optimizeRetrying(table, targetFileSize);
  console.log(
    result.version === undefined
      ? `nothing to optimize in ${storage.root} (version ${(await table.refresh()).version})`
      : `optimized ${storage.root}: ${result.filesRemoved} files rewritten into ${result.filesAdded}, version ${result.version}`,
  );
  return 0;
}

/** Another writer (not lakehouse's own) may remove a file this compaction rewrites: plan again on its version. */
async function optimizeRetrying(table: DeltaTable, targetFileSize: number | undefined): Promise<OptimizeResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await optimize(table, { targetFileSize });
    } catch (err) {
      if (!(err instanceof LakehouseError && err.code === ErrorCode.conflict && err.retryable)) throw err;
      if (attempt === ATTEMPTS) {
        throw new LakehouseError(ErrorCode.conflict, `optimize of ${table.storage.root} lost ${ATTEMPTS} commit races to another writer: ${err.message}`, {
          hint: 'run it while that writer is idle, or through the lakehouse process that writes the table',
        });
      }
    }
  }
}

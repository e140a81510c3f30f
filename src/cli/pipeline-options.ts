/** The pipeline settings shared by the commands that run it (serve, ingest, rebuild), from their flags. */
import type { Logger } from '../core/log.ts';
import type { PipelineOptions } from '../pipeline/index.ts';
import { goldFor } from './gold-config.ts';
import type { FlagValues } from './args.ts';
import type { goldFlag, historyFlag, keyFlag, routeFlag, tombstoneRetentionFlag } from './commands/specs.ts';
import type { Locations } from './locations.ts';
import { parseRoutes } from './routing.ts';
import { parseKeyColumns } from './key-columns.ts';
import { parseWriteModes } from './write-modes.ts';

/** The pipeline flags; `rebuild` has no --tombstone-retention. */
export type PipelineFlags = FlagValues<typeof routeFlag | typeof keyFlag | typeof historyFlag | typeof goldFlag> &
  Partial<FlagValues<typeof tombstoneRetentionFlag>> & { config?: string; 'write-mode'?: string | readonly string[] };

export function pipelineOptions(flags: PipelineFlags, { tables, state }: Locations, log: Logger): PipelineOptions {
  const retentionHours = flags['tombstone-retention'];
  return {
    dataDir: state,
    tables,
    log,
    routing: parseRoutes(flags.route),
    history: flags.history,
    writeMode: parseWriteModes(flags['write-mode']),
    keyColumns: parseKeyColumns(flags.key),
    tombstoneRetentionMs: retentionHours === undefined ? undefined : retentionHours * 3_600_000,
    gold: goldFor(flags, state),
  };
}

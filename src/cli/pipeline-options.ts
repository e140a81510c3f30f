/** The pipeline settings shared by the commands that run it (serve, ingest, rebuild), from their flags. */
import type { Logger } from '../core/log.ts';
import type { PipelineOptions } from '../pipeline/index.ts';
import type { Locations } from './locations.ts';
import { parseRoutes } from './routing.ts';
import { parseKeyColumns } from './key-columns.ts';
import { parseWriteModes } from './write-modes.ts';

export function pipelineOptions(flags: Record<string, unknown>, { tables, state }: Locations, log: Logger): PipelineOptions {
  const retentionHours = flags['tombstone-retention'] as number | undefined;
  return {
    dataDir: state,
    tables,
    log,
    routing: parseRoutes(flags.route as string[] | undefined),
    history: flags.history as string[] | undefined,
    writeMode: parseWriteModes(flags['write-mode'] as string | string[] | undefined),
    keyColumns: parseKeyColumns(flags.key as string[] | undefined),
    tombstoneRetentionMs: retentionHours === undefined ? undefined : retentionHours * 3_600_000,
  };
}

/**
 * Whether a maintenance command's table belongs to a data folder a running `serve` or `ingest` holds
 * (its lock), and then where: the job is handed to that process (pipeline/maintenance-requests.ts)
 * rather than committed beside its writer.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { lockHolder } from '../pipeline/data-lock.ts';
import { handOver, type MaintenanceJob, type MaintenanceRequest } from '../pipeline/maintenance-requests.ts';
import { TableCatalog } from '../catalog/index.ts';
import { openStorage } from '../storage/index.ts';
import type { Logger } from '../core/log.ts';
import { isRemote } from './table-ref.ts';
import { resolveLocations } from './locations.ts';

export interface LiveFolder {
  /** The folder holding the lock (and the mailbox). */
  stateDir: string;
  /** The holder's pid. */
  holder: number;
  /** The table's folder under the tables root, as the holder names it. */
  table: string;
}

/** A table folder sits at most this deep under its data folder (silver/<name>). */
const MAX_DEPTH = 2;

/** The live data folder `table` (a path or a name in `data`) belongs to, or undefined. */
export async function liveFolderOf(table: string, data: string): Promise<LiveFolder | undefined> {
  if (isRemote(table)) return undefined;
  if (existsSync(join(table, '_delta_log'))) {
    const path = resolve(table);
    let dir = path;
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      dir = dirname(dir);
      const holder = lockHolder(dir);
      if (holder !== undefined) return { stateDir: dir, holder, table: relative(dir, path).split(sep).join('/') };
    }
    return undefined;
  }
  const { tables, state } = resolveLocations(data);
  const holder = lockHolder(state);
  if (holder === undefined) return undefined;
  const entry = await new TableCatalog(await openStorage(tables)).resolve(table);
  return entry && { stateDir: state, holder, table: entry.path };
}

/** Runs the job in the process holding the folder, saying so first (it waits for a batch to finish). */
export function handOverTo<T>(live: LiveFolder, request: MaintenanceJob, log: Logger): Promise<T> {
  log.info(`${live.stateDir} is in use by lakehouse process ${live.holder}: it runs the ${request.command} between two batches`);
  return handOver<T>(live.stateDir, live.holder, { ...request, table: live.table } as MaintenanceRequest);
}

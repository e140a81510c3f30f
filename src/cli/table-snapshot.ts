/**
 * Opening a table for the CLI's read commands. A table inside the data folder is opened through the
 * data folder's log index (`<data>/log-index.db`, created on first use): one more derived cache, in a
 * file of its own so the CLI never takes a write lock on a running pipeline's lakehouse.db. Any other
 * table is opened by log replay.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { LocalStorage, type Storage } from '../storage/index.ts';
import { LogIndex, Snapshot } from '../delta/index.ts';
import { isRemote, tableStorage } from './table-ref.ts';

export const INDEX_FILE = 'log-index.db';

export interface OpenedTable {
  storage: Storage;
  snapshot: Snapshot;
  /** Whether the snapshot came through the log index. */
  indexed: boolean;
}

/** The latest snapshot of a TABLE argument (see tableStorage). */
export async function openTableSnapshot(table: string, dataDir: string): Promise<OpenedTable> {
  const storage = await tableStorage(table, dataDir);
  if (isRemote(table) || isRemote(dataDir) || !(storage instanceof LocalStorage)) {
    return { storage, snapshot: await Snapshot.open(storage), indexed: false };
  }
  const indexPath = join(dataDir, INDEX_FILE);
  const inside = relative(resolve(dataDir), storage.root);
  if (!existsSync(dataDir) || inside.startsWith('..') || isAbsolute(inside)) {
    return { storage, snapshot: await Snapshot.open(storage), indexed: false };
  }
  const index = LogIndex.open(indexPath);
  try {
    return { storage, snapshot: await index.snapshot(storage), indexed: true };
  } finally {
    index.close();
  }
}

/** Resolves a TABLE argument: an s3:// URL, a path to any Delta table, or a table name inside the data folder. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { notFound } from '../core/errors.ts';
import { LocalStorage, openStorage, type Storage } from '../storage/index.ts';
import { Snapshot } from '../delta/index.ts';

export const isRemote = (table: string) => /^s3a?:\/\//.test(table);

export function resolveTablePath(table: string, dataDir: string): string {
  if (existsSync(join(table, '_delta_log'))) return table;
  const candidates = [join(dataDir, 'silver', table), join(dataDir, 'gold', table), join(dataDir, table)];
  const found = candidates.find((c) => existsSync(join(c, '_delta_log')));
  if (found) return found;
  throw notFound(
    `no Delta table '${table}': not a table path, and not a table in ${dataDir}`,
    `pass a path to a Delta table (or s3://bucket/path), or a name such as voters, gold/poll_results or bronze with --data DIR`,
  );
}

/** The storage rooted at the table the argument names; with s3:// data, names are looked up there. */
export async function tableStorage(table: string, dataDir: string): Promise<Storage> {
  if (isRemote(table)) return openStorage(table);
  if (!isRemote(dataDir)) return new LocalStorage(resolveTablePath(table, dataDir));
  const root = await openStorage(dataDir);
  for (const candidate of [`silver/${table}`, `gold/${table}`, table]) {
    const storage = root.at(candidate);
    if ((await Snapshot.latestVersion(storage)) !== undefined) return storage;
  }
  throw notFound(`no Delta table '${table}' in ${dataDir}`, 'pass a table name such as voters, gold/poll_results or bronze, or a full s3:// path');
}

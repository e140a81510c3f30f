/** Resolves a TABLE argument: an s3:// URL, a path to any Delta table, or a table name inside the data folder. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { notFound } from '../core/errors.ts';
import { LocalStorage, openStorage, type Storage } from '../storage/index.ts';
import { TableCatalog } from '../catalog/index.ts';

export const isRemote = (table: string) => /^s3a?:\/\//.test(table);

/** The storage rooted at the table the argument names; names are looked up in the data folder's catalog. */
export async function tableStorage(table: string, dataDir: string): Promise<Storage> {
  if (isRemote(table)) return openStorage(table);
  if (existsSync(join(table, '_delta_log'))) return new LocalStorage(table);
  const entry = await new TableCatalog(await openStorage(dataDir)).resolve(table);
  if (entry) return (await openStorage(dataDir)).at(entry.path);
  throw notFound(
    `no Delta table '${table}': not a table path, and not a table in ${dataDir}`,
    `pass a path to a Delta table (or s3://bucket/path), or a name such as voters, gold/poll_results or bronze with --data DIR`,
  );
}

/** Resolves a TABLE argument: a path to any Delta table, or a table name inside the data folder. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { notFound } from '../core/errors.ts';

export function resolveTablePath(table: string, dataDir: string): string {
  if (existsSync(join(table, '_delta_log'))) return table;
  const candidates = [join(dataDir, 'silver', table), join(dataDir, 'gold', table), join(dataDir, table)];
  const found = candidates.find((c) => existsSync(join(c, '_delta_log')));
  if (found) return found;
  throw notFound(
    `no Delta table '${table}': not a table path, and not a table in ${dataDir}`,
    `pass a path to a Delta table, or a name such as voters, gold/poll_results or bronze with --data DIR`,
  );
}

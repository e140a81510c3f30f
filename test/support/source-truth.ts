/**
 * Compares silver with the application's own tables. The voters book stores app values (int64 as
 * numbers, timestamptz with a trailing Z); silver holds the canonical encoding. Both are brought to the
 * canonical encoding here, with metadata columns (`__*`) left out.
 */
import { join } from 'node:path';
import { TABLE_BY_NAME, type AppRow, type TableName } from '../../fake-it/index.ts';
import { LocalStorage } from '../../src/storage/index.ts';
import { Snapshot, scan } from '../../src/delta/index.ts';

export function canonicalSourceRow(table: TableName, row: AppRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of TABLE_BY_NAME[table].columns) {
    const v = row[c.name] ?? null;
    if (v === null) out[c.name] = null;
    else if (c.kind === 'int64') out[c.name] = String(v);
    else if (c.kind === 'timestamptz') out[c.name] = String(v).replace(/Z$/, '');
    else out[c.name] = v;
  }
  return out;
}

export async function silverRows(dataDir: string, table: string): Promise<Record<string, unknown>[]> {
  const storage = new LocalStorage(join(dataDir, 'silver', table));
  const rows: Record<string, unknown>[] = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) {
    rows.push(Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('__'))));
  }
  return rows;
}

/** Rows as sorted JSON lines: equal lists mean equal multisets. */
export const asSortedLines = (rows: readonly Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

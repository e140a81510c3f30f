/** The rows of a data folder's Delta table (`silver/voters`, `dead_letters`) as lakehouse's reader gives them; none while it does not exist. */
import { join } from 'node:path';
import { Snapshot, scan } from '../../src/delta/index.ts';
import { LocalStorage } from '../../src/storage/index.ts';

export async function deltaRows(dataDir: string, table: string): Promise<Record<string, unknown>[]> {
  const storage = new LocalStorage(join(dataDir, table));
  if ((await Snapshot.latestVersion(storage)) === undefined) return [];
  const out: Record<string, unknown>[] = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) out.push(r);
  return out;
}

/** The reasons of a data folder's dead letters, sorted. */
export const deadLetterReasons = async (dataDir: string): Promise<string[]> => (await deltaRows(dataDir, 'dead_letters')).map((r) => String(r.reason)).sort();

import type { ApiClient } from './api-client.ts';
import type { GoldRows } from './gold-format.ts';

/** Rows read per gold table: a panel shows far fewer. */
const GOLD_ROWS_LIMIT = 200;

/**
 * Every gold table the server lists, with its rows. Asked for as `gold.NAME`, so a silver table of the
 * same name is never read in its place.
 */
export async function loadGold(client: ApiClient, signal?: AbortSignal): Promise<GoldRows[]> {
  const gold = (await client.tables(signal)).filter((t) => t.layer === 'gold');
  return Promise.all(gold.map(async (t) => ({ name: t.name, rows: (await client.rows(`gold.${t.name}`, { limit: GOLD_ROWS_LIMIT }, signal)).rows })));
}

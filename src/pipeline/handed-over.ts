/**
 * Maintenance another process handed over (maintenance-requests.ts), run by the pipeline between two
 * batches on its own table handles: silver's optimize moves its key index with the rows
 * (IndexedTable.optimize), every other job is the Delta operation the CLI would run itself.
 */
import { DEFAULT_TARGET_FILE_SIZE, optimize, vacuum, writeCheckpoint, type DeltaTable } from '../delta/index.ts';
import { invalidInput, notFound } from '../core/errors.ts';
import { HISTORY_SUFFIX, type Silver, type WriteMode } from '../silver/index.ts';
import type { Bronze } from '../bronze/index.ts';
import type { GoldTable, LedgerTable } from '../gold/index.ts';
import { LAYOUT } from '../catalog/index.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { MaintenanceRequest } from './maintenance-requests.ts';

/** What a handed-over job reaches: the pipeline's tables, and its rebuild. */
export interface MaintainedTables {
  bronze: Bronze;
  silver: Silver;
  gold: readonly GoldTable[];
  deadLetters: DeadLetters;
  ledgerTable: LedgerTable;
  tablesLocation: string;
  rebuild(name: string, writeMode?: WriteMode): Promise<unknown>;
}

/** Runs one job; its result is what the CLI prints. */
export async function runHandedOver(p: MaintainedTables, request: MaintenanceRequest): Promise<unknown> {
  if (request.command === 'rebuild') return p.rebuild(request.table, request.writeMode as WriteMode | undefined);
  const { delta, indexed } = tableAt(p, request.table);
  switch (request.command) {
    case 'optimize':
      // Bin-packing by size would mix bronze's files out of the order replays depend on.
      if (delta === p.bronze.delta) throw invalidInput(`${delta.storage.root} is lakehouse's bronze table, whose files must stay in stored order`);
      return indexed ? indexed.optimize(request.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE) : optimize(delta, { targetFileSize: request.targetFileSize });
    case 'vacuum':
      return vacuum(delta, request);
    case 'checkpoint':
      return writeCheckpoint(delta.storage, await delta.refresh());
  }
}

/** The pipeline's handle of the table in folder `path` under the tables root. */
function tableAt(p: MaintainedTables, path: string): { delta: DeltaTable; indexed?: { optimize(targetFileSize: number): Promise<unknown> } } {
  const [layer, name] = path.split('/');
  if (path === LAYOUT.bronze) return { delta: p.bronze.delta };
  if (path === LAYOUT.deadLetters) return { delta: p.deadLetters.delta };
  if (path === LAYOUT.changeLedger) return { delta: p.ledgerTable.delta };
  if (layer === LAYOUT.silver && name) {
    const table = name.endsWith(HISTORY_SUFFIX) ? p.silver.history(name.slice(0, -HISTORY_SUFFIX.length)) : p.silver.get(name);
    if (table) return { delta: table.delta, indexed: table };
  }
  const gold = layer === LAYOUT.gold ? p.gold.find((g) => g.name === name)?.table : undefined;
  if (gold) return { delta: gold };
  throw notFound(`no table ${path} in the data folder ${p.tablesLocation}`);
}

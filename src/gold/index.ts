export { GoldTable, openGold, refreshGold, publishGold, readGoldRows, goldTableName, type GoldBatch } from './gold.ts';
export { votersBookGold } from './voters-book.ts';
export { ChangeLedger, CHANGE_LEDGER } from './change-ledger.ts';
export { LedgerTable } from './ledger-table.ts';
export { GoldPlan, type Strategy, type RelationSchemas } from './derive.ts';
export { goldFromToml, goldFromSqlFile, orderGold } from './config.ts';
export type { GoldDefinition } from './definition.ts';

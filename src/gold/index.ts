export { GoldTable, openGold, refreshGold, publishGold, readGoldRows, type GoldBatch } from './gold.ts';
export { goldDefinitions } from './definitions.ts';
export { ChangeLedger, CHANGE_LEDGER } from './change-ledger.ts';
export type { GoldDefinition } from './definition.ts';

export { Silver, applyToTable, type RoutingRule, type SilverBatchResult } from './silver.ts';
export { SilverTable, SILVER_APP_ID, KEY_PROPERTY, metadataFields, silverPosition, type AppliedChange, type ApplyResult, type Quarantined } from './silver-table.ts';
export { ServingStore, type KeyEntry } from './serving-store.ts';
export { mergeSchemas, canHold, silverFieldsFor } from './schema-evolution.ts';
export { HistoryTable, HISTORY_APP_ID, HISTORY_SUFFIX, historyFields } from './history-table.ts';
export { WRITE_MODES, WRITE_MODE_PROPERTY, DEFAULT_WRITE_MODE, writeModeOf, chosenWriteMode, type WriteMode, type WriteModeChoice } from './write-mode.ts';
export { TopicSources } from './topic-sources.ts';

export { Silver, type DecodedVersion, type RoutingRule, type SilverBatchResult } from './silver.ts';
export { SilverTable, SILVER_APP_ID, type AppliedChange, type ApplyResult, type Quarantined } from './silver-table.ts';
export { KEY_PROPERTY } from './keys.ts';
export { metadataFields, silverPosition } from './metadata-columns.ts';
export { ServingStore, type KeyEntry } from './serving-store.ts';
export { mergeSchemas, canHold, silverFieldsFor } from './schema-evolution.ts';
export { Scd2Table, HISTORY_APP_ID, HISTORY_SUFFIX, historyFields } from './scd2-table.ts';
export { WRITE_MODES, WRITE_MODE_PROPERTY, DEFAULT_WRITE_MODE, writeModeOf, type WriteMode } from './write-mode.ts';
export { TopicSources } from './topic-sources.ts';

export { StateStore, STATE_FILE } from './state-store.ts';
export { STATE_TABLES, migrate } from './schema.ts';
export { INTERNAL_PREFIX, internal, isInternal, quote } from './names.ts';

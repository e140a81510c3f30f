export { StateStore, STATE_FILE } from './state-store.ts';
export { STATE_TABLES, migrate } from './schema.ts';
export { INTERNAL_PREFIX, internal, isInternal, quote } from './names.ts';
export { SERVED_LAYERS, publishView, publishedTables, publishedViewName, unpublishView, type PublishedTable, type ServedLayer } from './published-views.ts';

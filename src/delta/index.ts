/** The Delta protocol, usable on its own: actions, schema, log replay, scans, change data feed. */
export * from './actions.ts';
export * from './schema.ts';
export * from './features.ts';
export * from './log-segment.ts';
export * from './snapshot.ts';
export * from './log-index.ts';
export * from './deletion-vector.ts';
export * from './column-mapping.ts';
export * from './values.ts';
export * from './scan.ts';
export * from './cdf.ts';
export * from './history.ts';
export * from './commit.ts';
export * from './writer.ts';
export * from './arrow-schema.ts';
export * from './stats.ts';

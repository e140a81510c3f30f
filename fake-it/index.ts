/**
 * fake-it: the voters-book application simulator. A deterministic workload of inserts, updates and
 * deletes on three tables (voters, polls, ballots), applied to an embedded SQLite book with a Debezium
 * outbox, to a real PostgreSQL, or produced straight to Kafka.
 */
export { runFakeIt, createTarget, fakeItOptionsFromFlags, DEFAULT_BOOK_PATH, type FakeItOptions, type FakeItSummary, type FakeItTarget } from './run.ts';
export { VotersBook, type OutboxEntry, type ReplicaIdentity, type VotersBookOptions } from './voters-book.ts';
export { Workload, initialState, DEFAULT_START_MS, type Change, type FakeOp, type LiveKeys, type OpKind, type WorkloadState } from './workload.ts';
export type { SourceDatabase } from './source-database.ts';
export { EmbeddedTarget } from './embedded-target.ts';
export { PostgresTarget } from './postgres-target.ts';
export { MysqlTarget } from './mysql-target.ts';
export { KafkaTarget } from './kafka-target.ts';
export { PostgresEnvelopes, DEBEZIUM_VERSION, decimalBase64, type SourceInfo } from './debezium-envelope.ts';
export {
  TABLES,
  TABLE_BY_NAME,
  VOTERS,
  POLLS,
  BALLOTS,
  type AppRow,
  type AppValue,
  type ColumnDef,
  type ColumnKind,
  type TableDef,
  type TableName,
} from './tables.ts';
export { Prng } from './prng.ts';

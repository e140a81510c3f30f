/**
 * What the serving side (HTTP API, TUI via the API, CLI) may ask of a running lakehouse. The pipeline
 * implements it; the API depends on this interface only, so it can be tested with any implementation.
 * The types the API sends as JSON are the HTTP contract: the OpenAPI document (api/openapi.ts) takes
 * its enumerations from here, and the tests check it and the TUI's copy (tui/api-types.ts) against them.
 */
export const LAYERS = ['bronze', 'silver', 'gold'] as const;
export type Layer = (typeof LAYERS)[number];
export type Row = Record<string, unknown>;

export const SOURCE_KINDS = ['embedded', 'kafka', 'file'] as const;

export interface SourceInfo {
  kind: (typeof SOURCE_KINDS)[number];
  brokers?: string;
  topics?: string;
}

export const RUN_STATES = ['starting', 'ok', 'degraded', 'stopping'] as const;

export interface HealthStatus {
  status: (typeof RUN_STATES)[number];
  source: SourceInfo;
  uptimeSeconds: number;
  eventsPerSecond: number;
  lag: number;
  lastCommitMs: number | null;
  deadLetters: number;
  versions: { bronze: number | null; silver: Record<string, number>; gold: Record<string, number> };
  /** Gold tables whose last refresh failed, with the reason (they keep their last rows and retry). */
  degradedGold?: Record<string, string>;
  message?: string;
}

export const KEY_MODES = ['keyed', 'keyless'] as const;

/**
 * How a silver table identifies its rows: by primary-key columns, or keyless (its source table has no
 * primary key: each insert is appended as a row; updates and deletes are matched by their full before
 * image, REPLICA IDENTITY FULL). `columns` is empty when keyless.
 */
export interface TableKey {
  mode: (typeof KEY_MODES)[number];
  columns: string[];
}

export interface TableSummary {
  name: string;
  layer: Layer;
  /** The name SQL reads it by (`POST /api/query`): `silver.voters`, `gold.poll_results`, `bronze`. */
  sqlName: string;
  version: number;
  rows: number;
  lastCommit: string | null;
  /** Silver tables, once their first row arrived. */
  key?: TableKey;
}

export interface TableDetail extends TableSummary {
  schema: { fields: { name: string; type: unknown; nullable: boolean }[] };
  protocol: { minReaderVersion: number; minWriterVersion: number; readerFeatures?: string[]; writerFeatures?: string[] };
  partitionColumns: string[];
  configuration: Record<string, string>;
  files: number;
  sizeBytes: number;
}

export interface HistoryEntry {
  version: number;
  timestamp: string;
  operation: string | null;
  operationParameters: Record<string, unknown>;
}

export interface RowsQuery {
  limit: number;
  offset: number;
  version?: number;
  timestamp?: number;
}

/** Debezium's operations: create, update, delete, read (snapshot), truncate. */
export const CHANGE_OPS = ['c', 'u', 'd', 'r', 't'] as const;

/** One applied silver change, as the change feed publishes it. `id` is a monotonically increasing cursor. */
export interface ChangeRecord {
  id: number;
  table: string;
  op: (typeof CHANGE_OPS)[number];
  key: Row;
  before: Row | null;
  after: Row | null;
  version: number;
  position: string;
  ts: string;
}

export interface LakehouseView {
  /** The data folder; SQL queries read its SQLite serving copy (lakehouse.db) read-only. */
  readonly dataDir: string;
  /** The run status alone (cheap, checked on every request). */
  status(): HealthStatus['status'];
  health(): HealthStatus;
  tables(): Promise<TableSummary[]>;
  table(name: string): Promise<TableDetail>;
  history(name: string): Promise<HistoryEntry[]>;
  rows(name: string, query: RowsQuery): Promise<{ version: number; rows: Row[] }>;
  /** Changes after `afterId` (exclusive), oldest first, at most `limit`. */
  changesSince(afterId: number, limit: number, table?: string): ChangeRecord[];
  /** Called for each new change; returns the unsubscribe function. */
  onChange(listener: (change: ChangeRecord) => void): () => void;
  metrics(): string;
}

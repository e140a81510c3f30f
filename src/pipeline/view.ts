/**
 * What the serving side (HTTP API, TUI via the API, CLI) may ask of a running lakehouse. The pipeline
 * implements it; the API depends on this interface only, so it can be tested with any implementation.
 */
export type Layer = 'bronze' | 'silver' | 'gold';
export type Row = Record<string, unknown>;

export interface SourceInfo {
  kind: 'embedded' | 'kafka' | 'file';
  brokers?: string;
  topics?: string;
}

export interface HealthStatus {
  status: 'starting' | 'ok' | 'degraded' | 'stopping';
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

export interface TableSummary {
  name: string;
  layer: Layer;
  version: number;
  rows: number;
  lastCommit: string | null;
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

/** One applied silver change, as the change feed publishes it. `id` is a monotonically increasing cursor. */
export interface ChangeRecord {
  id: number;
  table: string;
  op: 'c' | 'u' | 'd' | 'r' | 't';
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

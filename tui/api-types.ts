// The HTTP API contract as the TUI sees it. Kept here rather than imported from src/ so the TUI
// depends on the wire format only, never on server internals; test/unit/tui/api-contract.test.ts fails
// when it drifts from the server's types (src/pipeline/lakehouse-view.ts).

export type HealthStatus = 'starting' | 'ok' | 'degraded' | 'stopping';

export type Health = {
  status: HealthStatus;
  source: { kind: 'embedded' | 'kafka' | 'file'; brokers?: string; topics?: string };
  uptimeSeconds: number;
  eventsPerSecond: number;
  lag: number;
  lastCommitMs: number | null;
  deadLetters: number;
  versions: {
    bronze: number | null;
    silver: Record<string, number>;
    gold: Record<string, number>;
  };
  degradedGold?: Record<string, string>;
};

export type TableLayer = 'bronze' | 'silver' | 'gold';

export type TableSummary = {
  name: string;
  layer: TableLayer;
  sqlName: string;
  version: number;
  rows: number;
  lastCommit: string | null;
};

export type SchemaField = { name: string; type: unknown; nullable: boolean };

export type TableDetail = {
  name: string;
  layer: TableLayer;
  version: number;
  schema: { fields: SchemaField[] };
  protocol: Record<string, unknown>;
  partitionColumns: string[];
  files: number;
  sizeBytes: number;
};

export type HistoryEntry = {
  version: number;
  timestamp: number | string;
  operation: string | null;
  operationParameters?: Record<string, unknown>;
};

/** A row in canonical JSON encoding: int64 as strings, timestamps as ISO strings. */
export type Row = Record<string, unknown>;

export type RowsPage = { rows: Row[]; version: number };

/** Debezium-style operation: create, update, delete, read (snapshot), truncate. */
export type ChangeOp = 'c' | 'u' | 'd' | 'r' | 't';

export type Change = {
  id: number;
  table: string;
  op: ChangeOp;
  key: Row;
  before: Row | null;
  after: Row | null;
  version: number;
  position: string;
  ts: string;
};

export type ApiErrorBody = { error: { code: string; message: string } };

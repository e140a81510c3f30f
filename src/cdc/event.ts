/** What decoding one Kafka record yields. Failures are values (`invalid`), never exceptions. */
import type { ColumnSpec } from './connect-schema.ts';
import type { SourcePosition } from './position.ts';
import type { RecordRef } from './record.ts';
import type { Row } from './values.ts';

/** c = create, u = update, d = delete, r = read (snapshot), t = truncate (no key, no rows). */
export type ChangeOp = 'c' | 'u' | 'd' | 'r' | 't';

export interface SourceIdentity {
  connector: string;
  /** The logical server name, which is also the topic prefix. */
  name: string;
  db: string;
  schema?: string;
  table: string;
}

export interface ChangeEvent {
  kind: 'change';
  op: ChangeOp;
  table: string;
  source: SourceIdentity;
  /** Primary-key fields in canonical form; empty for a truncate. */
  key: Row;
  keyColumns: readonly string[];
  /** Partial with REPLICA IDENTITY DEFAULT: null for updates, only the key for deletes. */
  before: Row | null;
  after: Row | null;
  position: SourcePosition;
  /** When the change was made in the source database (source ts_ms), else when it was captured. */
  tsMs: number;
  /** Compiled from the schema (shared by all events of one schema version), or inferred. */
  columns: readonly ColumnSpec[];
  /**
   * Columns whose value the connector did not send (unchanged TOASTed values): null in the row, to be
   * taken from the previous version of the row. Usually the shared empty set.
   */
  unavailable: ReadonlySet<string>;
  snapshot: boolean;
  /** The record was flattened by ExtractNewRecordState (a row with `__` metadata fields, no envelope). */
  flattened: boolean;
  /**
   * The record had no Kafka key and no --key names the table's key columns: its table has no primary
   * key (key and keyColumns are empty). Silver appends such rows, and matches an update or delete by
   * its full before image (REPLICA IDENTITY FULL).
   */
  keyless?: true;
  /**
   * A flattened record without `__op` (ExtractNewRecordState's default): an insert or an update, no
   * one can tell; `op` says 'u'. Keyed, it is an upsert either way; keyless, it is appended.
   */
  opUnknown?: true;
  /** No JsonConverter schema described the row (its columns were inferred from the values). */
  schemaless?: true;
  /**
   * A delete that a tombstone stands for (flattened topics with delete.handling.mode=drop send deletes
   * only so). It has no source position of its own: `position` holds the Kafka coordinates, and silver
   * orders it right after the key's previous record (src/silver/topic-sources.ts).
   */
  fromTombstone?: true;
  record: RecordRef;
}

/** A null value: Kafka compaction's delete marker. After a Debezium delete it repeats the delete. */
export interface TombstoneEvent {
  kind: 'tombstone';
  table: string;
  key: Row;
  keyColumns: readonly string[];
  /** The Kafka record's timestamp. */
  tsMs: number;
  record: RecordRef;
}

/** A logical decoding message (op 'm'): carried no row, nothing to apply. */
export interface MessageEvent {
  kind: 'message';
  prefix: string | null;
  /** The content as the connector encoded it (base64 bytes by default). */
  content: string | null;
  source: SourceIdentity;
  position: SourcePosition;
  tsMs: number;
  record: RecordRef;
}

export interface HeartbeatEvent {
  kind: 'heartbeat';
  tsMs: number;
  record: RecordRef;
}

export interface SchemaChangeEvent {
  kind: 'schema-change';
  ddl: string | null;
  record: RecordRef;
}

/** A record of the connector's transaction metadata topic (provide.transaction.metadata=true). */
export interface TransactionEvent {
  kind: 'transaction';
  status: 'BEGIN' | 'END';
  id: string;
  eventCount: number | null;
  record: RecordRef;
}

export interface InvalidRecord {
  kind: 'invalid';
  reason: string;
  record: RecordRef;
}

export type DecodedRecord = ChangeEvent | TombstoneEvent | MessageEvent | HeartbeatEvent | SchemaChangeEvent | TransactionEvent | InvalidRecord;

export type DecodedKind = DecodedRecord['kind'];

/** The `__` columns every silver and history row carries: where its change came from, and its order. */
import { field, type StructField } from '../delta/index.ts';
import type { ChangeEvent, SourcePosition } from '../cdc/index.ts';
import { encodePosition } from '../cdc/index.ts';
import type { Row } from './index-store.ts';

export const metadataFields: StructField[] = [
  field('__source_connector', 'string'),
  field('__source_name', 'string'),
  field('__source_db', 'string'),
  field('__source_schema', 'string'),
  field('__source_table', 'string'),
  field('__op', 'string'),
  field('__source_ts_ms', 'long'),
  field('__source_position', 'string'),
];

export function metadataOf(ev: ChangeEvent, position: string): Row {
  return {
    __source_connector: ev.source.connector ?? null,
    __source_name: ev.source.name ?? null,
    __source_db: ev.source.db ?? null,
    __source_schema: ev.source.schema ?? null,
    __source_table: ev.source.table ?? null,
    __op: ev.op,
    __source_ts_ms: String(ev.tsMs), // long, in the canonical encoding
    __source_position: position,
  };
}

/**
 * The order silver applies by. A redelivered event carries the same source position at a later Kafka
 * offset; for log-based connectors (PostgreSQL LSN, MySQL binlog) the source part alone decides, so a
 * redelivery is a no-op. Connectors ordered only by ts_ms keep the Kafka coordinates as tie-breakers.
 */
export function silverPosition(p: SourcePosition): string {
  return encodePosition(p.kind === 'generic' ? p : { kind: p.kind, parts: p.parts.slice(0, 3), justAfter: p.justAfter });
}

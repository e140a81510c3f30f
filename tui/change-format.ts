import type { Change, ChangeOp, Row } from './api-types.ts';
import { fit, formatClock, formatKey, formatValue } from './format.ts';
import type { Segment, Style } from './segments.ts';

export type OpInfo = { symbol: string; label: string; style: Style };

export const OPS: Record<ChangeOp, OpInfo> = {
  c: { symbol: '+', label: 'insert', style: 'insert' },
  u: { symbol: '~', label: 'update', style: 'update' },
  d: { symbol: '-', label: 'delete', style: 'delete' },
  r: { symbol: '•', label: 'snapshot', style: 'snapshot' },
  t: { symbol: '×', label: 'truncate', style: 'truncate' },
};

const TABLE_COLUMN_WIDTH = 12;

/**
 * Columns the pipeline adds to every row (`__op`, `__source_ts_ms`, `__source_position`, …). They differ on
 * every event, so listing them would bury what the source actually changed.
 */
const METADATA_PREFIX = '__';

function isMetadata(field: string): boolean {
  return field.startsWith(METADATA_PREFIX);
}

export type FieldChange = { field: string; before: unknown; after: unknown };

/** Data fields whose value differs between the two images, in the order of the after image. */
export function changedFields(before: Row, after: Row): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field in after) {
    if (isMetadata(field) || sameValue(before[field], after[field])) continue;
    changes.push({ field, before: before[field], after: after[field] });
  }
  for (const field in before) {
    if (!(field in after) && !isMetadata(field)) changes.push({ field, before: before[field], after: undefined });
  }
  return changes;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** One feed line: time, op symbol, table, key, then what changed. */
export function changeSegments(change: Change): Segment[] {
  const op = OPS[change.op] ?? { symbol: '?', label: change.op, style: 'dim' };
  const segments: Segment[] = [
    { text: `${formatClock(change.ts)} `, style: 'dim' },
    { text: `${op.symbol} `, style: op.style },
    { text: `${fit(change.table, TABLE_COLUMN_WIDTH)} `, style: 'label' },
    { text: formatKey(change.key), style: 'key' },
  ];
  appendDetail(segments, change);
  return segments;
}

function appendDetail(segments: Segment[], change: Change): void {
  switch (change.op) {
    case 'u':
      if (change.before && change.after) {
        const fields = changedFields(change.before, change.after);
        if (fields.length === 0) segments.push({ text: '  (no field changed)', style: 'dim' });
        for (const { field, before, after } of fields) {
          segments.push(
            { text: `  ${field}: ` },
            { text: formatValue(before), style: 'old' },
            { text: ' → ' },
            { text: after === undefined ? '(removed)' : formatValue(after), style: 'new' },
          );
        }
      } else if (change.after) {
        // No before image (e.g. the source table lacks full replica identity): show the new values only.
        appendFields(segments, change.after, change.key, 'new');
      }
      return;
    case 'd':
      segments.push({ text: '  removed', style: 'delete' });
      if (change.before) appendFields(segments, change.before, change.key, 'old');
      return;
    case 'c':
      if (change.after) appendFields(segments, change.after, change.key);
      return;
    case 'r':
      if (change.after) appendFields(segments, change.after, change.key, 'dim');
      return;
    case 't':
      segments.push({ text: '  table truncated', style: 'truncate' });
      return;
  }
}

/** Appends "field=value" for every data field not in the key (the key is already on the line). */
function appendFields(segments: Segment[], row: Row, key: Row, style?: Style): void {
  for (const field in row) {
    if (field in key || isMetadata(field)) continue;
    segments.push({ text: `  ${field}=` }, { text: formatValue(row[field]), style });
  }
}

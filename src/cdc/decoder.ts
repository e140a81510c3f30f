/**
 * Decodes Debezium records (JsonConverter, with or without schemas, full envelopes or flattened by
 * ExtractNewRecordState) into change events. Pure: no I/O; state is only the schema caches.
 *
 * Flattened records: every field whose name starts with `__` is metadata added by the SMT
 * (`__op`, `__deleted`, `__table`, `__lsn`, `__source_ts_ms`, ...) and is not a row column. Without
 * `__op` an upsert counts as 'u'. `__deleted: "true"` (delete.handling.mode=rewrite) is a delete whose
 * row is the before image. With delete.handling.mode=drop, deletes arrive only as tombstones, so a
 * consumer of flattened topics must treat a tombstone as a delete of its key (silver does:
 * src/silver/topic-sources.ts); events say whether their record was flattened.
 */
import { compileRow, convertRow, type ColumnSpec, type CompiledRow, type ConnectSchema } from './connect-schema.ts';
import { ConnectJsonReader } from './connect-json.ts';
import type { ChangeEvent, ChangeOp, DecodedKind, DecodedRecord, SourceIdentity } from './event.ts';
import { InferredColumnLists, inferRow } from './infer.ts';
import { positionOf, type PositionFields } from './position.ts';
import { recordRef, type KafkaRecord } from './record.ts';
import { unavailableForms, type UnavailableForms } from './unavailable-value.ts';
import { InvalidValue, type Row } from './values.ts';
import { escapeColumns, escapeRow, silverColumnName } from './source-names.ts';

export const DEFAULT_UNAVAILABLE_PLACEHOLDER = '__debezium_unavailable_value';

export interface DecoderOptions {
  /** Debezium's unavailable.value.placeholder. */
  unavailablePlaceholder?: string;
  /** Key columns per source table without a primary key, whose records arrive without a Kafka key. */
  keyColumns?: Readonly<Record<string, readonly string[]>>;
}

interface CompiledValueSchema {
  shape: 'envelope' | 'flat' | 'other';
  row: CompiledRow | null;
}

type Obj = Record<string, unknown>;

const NO_COLUMNS: readonly ColumnSpec[] = Object.freeze([]);
const KEYLESS: { row: Row; columns: readonly string[] } = Object.freeze({ row: Object.freeze({}), columns: Object.freeze([]) });
const NONE_UNAVAILABLE: ReadonlySet<string> = new Set<string>();
const ROW_OPS = new Set(['c', 'u', 'd', 'r']);
/** Distinct source identities remembered (databases x tables); past it the memory starts over. */
const MAX_IDENTITIES = 10_000;

class Invalid extends Error {}
function fail(reason: string): never {
  throw new Invalid(reason);
}

const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The table part of a Debezium topic name `<prefix>.<schema>.<table>` or `<prefix>.<db>.<table>`. */
export const tableFromTopic = (topic: string): string => topic.slice(topic.lastIndexOf('.') + 1);

export class ChangeDecoder {
  /** How many records decoded to each kind. */
  readonly stats: Record<DecodedKind, number> = {
    change: 0,
    tombstone: 0,
    message: 0,
    heartbeat: 0,
    'schema-change': 0,
    transaction: 0,
    invalid: 0,
  };
  private readonly unavailableValue: UnavailableForms;
  private readonly keyColumns: Readonly<Record<string, readonly string[]>>;
  private readonly valueReader: ConnectJsonReader<CompiledValueSchema>;
  private readonly keyReader: ConnectJsonReader<CompiledRow>;
  private readonly learnedKeyColumns = new Map<string, readonly string[]>();
  /**
   * One object per source identity: events of one source share it, so a batch posted to another thread
   * carries it once, and silver spells its key prefix once per identity (silver/keys.ts).
   */
  private readonly identities = new Map<string, SourceIdentity>();
  private readonly inferredColumns = new InferredColumnLists();

  constructor(options: DecoderOptions = {}) {
    this.unavailableValue = unavailableForms(options.unavailablePlaceholder ?? DEFAULT_UNAVAILABLE_PLACEHOLDER);
    this.keyColumns = options.keyColumns ?? {};
    this.valueReader = new ConnectJsonReader((schema) => compileValueSchema(schema, this.unavailableValue));
    this.keyReader = new ConnectJsonReader((schema) => compileRow(schema, this.unavailableValue));
  }

  decode(record: KafkaRecord): DecodedRecord {
    let decoded: DecodedRecord;
    try {
      decoded = this.decodeOrFail(record);
    } catch (err) {
      const reason =
        err instanceof Invalid || err instanceof InvalidValue
          ? err.message
          : err instanceof SyntaxError
            ? `not valid JSON (${err.message})`
            : `unexpected record shape (${err instanceof Error ? err.message : String(err)})`;
      decoded = { kind: 'invalid', reason, record: recordRef(record) };
    }
    this.stats[decoded.kind]++;
    return decoded;
  }

  private decodeOrFail(record: KafkaRecord): DecodedRecord {
    if (record.value === null) return this.tombstone(record);
    const { payload, compiled } = this.valueReader.read(record.value, record.topic);
    // A null value that kept its schema, as JsonConverter writes it: {"schema":{...},"payload":null}, or
    // null without schemas. ExtractNewRecordState turns deletes into these (Debezium 3's default).
    if (payload === null && (compiled !== null || record.value === 'null')) return this.tombstone(record);
    if (!isObject(payload)) fail(payload === null || payload === undefined ? 'no payload' : 'payload is not a JSON object');
    const p = payload as Obj;
    if (record.topic.startsWith('__debezium-heartbeat')) {
      return { kind: 'heartbeat', tsMs: num(p.ts_ms) ?? recordTimestamp(record), record: recordRef(record) };
    }
    const shape = compiled?.shape ?? inferShape(p);
    if (shape === 'envelope') return this.decodeEnvelope(record, p, compiled?.row ?? null);
    if ((p.status === 'BEGIN' || p.status === 'END') && typeof p.id === 'string') {
      return { kind: 'transaction', status: p.status, id: p.id, eventCount: num(p.event_count) ?? null, record: recordRef(record) };
    }
    if ('tableChanges' in p || 'ddl' in p) return { kind: 'schema-change', ddl: str(p.ddl) ?? null, record: recordRef(record) };
    return this.decodeFlattened(record, p, compiled?.row ?? null);
  }

  private tombstone(record: KafkaRecord): DecodedRecord {
    if (record.key === null) fail('tombstone without a key');
    const key = this.decodeKey(record);
    return {
      kind: 'tombstone',
      table: tableFromTopic(record.topic),
      key: escapeRow(key.row),
      keyColumns: key.columns.map(silverColumnName),
      tsMs: recordTimestamp(record),
      record: recordRef(record),
    };
  }

  private decodeEnvelope(record: KafkaRecord, p: Obj, rowSchema: CompiledRow | null): DecodedRecord {
    const op = p.op;
    if (typeof op !== 'string') fail('envelope without an op');
    if (!isObject(p.source)) fail('envelope without a source block');
    const src = p.source as Obj;
    const identity: SourceIdentity = {
      connector: str(src.connector) ?? 'unknown',
      name: str(src.name) ?? record.topic.slice(0, record.topic.indexOf('.')),
      db: str(src.db) ?? '',
      table: str(src.table) || tableFromTopic(record.topic),
    };
    if (typeof src.schema === 'string') identity.schema = src.schema;
    const source = this.shared(identity);
    const tsMs = num(src.ts_ms) ?? num(p.ts_ms) ?? recordTimestamp(record);
    const position = positionOf(src as PositionFields, record.partition, BigInt(record.offset), tsMs);
    if (op === 'm') {
      const message = isObject(p.message) ? p.message : {};
      return {
        kind: 'message',
        prefix: str(message.prefix) ?? null,
        content: str(message.content) ?? null,
        source,
        position,
        tsMs,
        record: recordRef(record),
      };
    }
    const snapshot = src.snapshot === true || (typeof src.snapshot === 'string' && src.snapshot !== 'false');
    if (op === 't') {
      return {
        kind: 'change',
        op,
        table: source.table,
        source,
        key: {},
        keyColumns: [],
        before: null,
        after: null,
        position,
        tsMs,
        columns: rowSchema?.columns ?? NO_COLUMNS,
        unavailable: NONE_UNAVAILABLE,
        snapshot,
        flattened: false,
        record: recordRef(record),
      };
    }
    if (!ROW_OPS.has(op)) fail(`unknown op '${op.slice(0, 20)}'`);
    const before = optionalRow(p.before, 'before');
    const after = optionalRow(p.after, 'after');
    if (op === 'd' ? after !== null : after === null) fail(op === 'd' ? "delete with an 'after' row" : `op '${op}' without an 'after' row`);
    return this.changeEvent(record, op as ChangeOp, source, before, after, rowSchema, position, tsMs, snapshot, null);
  }

  private decodeFlattened(record: KafkaRecord, p: Obj, rowSchema: CompiledRow | null): DecodedRecord {
    const row: Obj = {};
    const meta: Obj = {};
    for (const name in p) {
      if (name.startsWith('__')) meta[name.slice(2)] = p[name];
      else row[name] = p[name];
    }
    const deleted = meta.deleted === 'true' || meta.deleted === true;
    const declaredOp = str(meta.op);
    if (declaredOp !== undefined && !ROW_OPS.has(declaredOp)) fail(`unknown op '${declaredOp.slice(0, 20)}'`);
    const op = (deleted ? 'd' : (declaredOp ?? 'u')) as ChangeOp;
    const fields: PositionFields = {
      connector: meta.source_connector,
      lsn: meta.lsn ?? meta.source_lsn,
      sequence: meta.source_sequence ?? meta.sequence,
      file: meta.source_file ?? meta.file,
      pos: meta.source_pos ?? meta.pos,
      row: meta.source_row,
      ts_ms: meta.source_ts_ms ?? meta.ts_ms,
    };
    const connector = str(fields.connector) ?? (fields.lsn != null ? 'postgresql' : typeof fields.file === 'string' ? 'mysql' : 'unknown');
    const identity: SourceIdentity = {
      connector,
      name: str(meta.source_name) ?? record.topic.slice(0, Math.max(0, record.topic.indexOf('.'))),
      db: str(meta.source_db) ?? str(meta.db) ?? '',
      table: str(meta.table) || str(meta.source_table) || tableFromTopic(record.topic),
    };
    const schema = str(meta.source_schema) ?? str(meta.schema);
    if (schema !== undefined) identity.schema = schema;
    const source = this.shared(identity);
    const tsMs = num(fields.ts_ms) ?? recordTimestamp(record);
    const position = positionOf({ ...fields, connector }, record.partition, BigInt(record.offset), tsMs);
    const snapshot = meta.source_snapshot === true || (typeof meta.source_snapshot === 'string' && meta.source_snapshot !== 'false');
    if (op === 'd') return this.changeEvent(record, op, source, row, null, rowSchema, position, tsMs, snapshot, p);
    const event = this.changeEvent(record, op, source, null, row, rowSchema, position, tsMs, snapshot, p);
    if (declaredOp === undefined) event.opUnknown = true;
    return event;
  }

  private shared(identity: SourceIdentity): SourceIdentity {
    const id = `${identity.connector}\u0000${identity.name}\u0000${identity.db}\u0000${identity.schema ?? '\u0001'}\u0000${identity.table}`;
    const known = this.identities.get(id);
    if (known) return known;
    if (this.identities.size >= MAX_IDENTITIES) this.identities.clear();
    this.identities.set(id, identity);
    return identity;
  }

  private changeEvent(
    record: KafkaRecord,
    op: ChangeOp,
    source: SourceIdentity,
    before: Obj | null,
    after: Obj | null,
    rowSchema: CompiledRow | null,
    position: ChangeEvent['position'],
    tsMs: number,
    snapshot: boolean,
    /** The flattened record the row was copied from (what parseJson gave), or null for an envelope. */
    flattenedFrom: Obj | null,
  ): ChangeEvent {
    let unavailable: Set<string> | null = null;
    let columns: readonly ColumnSpec[];
    if (rowSchema) {
      if (before) unavailable = convertRow(rowSchema, before, unavailable);
      if (after) unavailable = convertRow(rowSchema, after, unavailable);
      columns = rowSchema.columns;
    } else {
      // Infer from the fullest image; the other one is converted the same way.
      const main = after ?? before!;
      const inferred = inferRow(main, this.unavailableValue, null, flattenedFrom ?? main);
      columns = this.inferredColumns.shared(inferred.columns);
      unavailable = inferred.unavailable;
      if (after && before) unavailable = inferRow(before, this.unavailableValue, unavailable).unavailable;
    }
    const key = this.keyOf(record, source.table, before, after);
    checkKey(key, before, after);
    // Source columns named like metadata are renamed here, once, for everything downstream.
    const escaped = escapeColumns(columns);
    if (escaped !== columns) {
      const rename = (names: Iterable<string>) => [...names].map(silverColumnName);
      return {
        kind: 'change',
        op,
        table: source.table,
        source,
        key: escapeRow(key.row),
        keyColumns: rename(key.columns),
        before: escapeRow(before as Row | null),
        after: escapeRow(after as Row | null),
        position,
        tsMs,
        columns: escaped,
        unavailable: unavailable ? new Set(rename(unavailable)) : NONE_UNAVAILABLE,
        snapshot,
        flattened: flattenedFrom !== null,
        ...(rowSchema ? {} : { schemaless: true as const }),
        ...(key === KEYLESS ? { keyless: true as const } : {}),
        record: recordRef(record),
      };
    }
    return {
      kind: 'change',
      op,
      table: source.table,
      source,
      key: key.row,
      keyColumns: key.columns,
      before: before as Row | null,
      after: after as Row | null,
      position,
      tsMs,
      columns,
      unavailable: unavailable ?? NONE_UNAVAILABLE,
      snapshot,
      flattened: flattenedFrom !== null,
      ...(rowSchema ? {} : { schemaless: true as const }),
      ...(key === KEYLESS ? { keyless: true as const } : {}),
      record: recordRef(record),
    };
  }

  private keyOf(record: KafkaRecord, table: string, before: Obj | null, after: Obj | null): { row: Row; columns: readonly string[] } {
    if (record.key !== null) return this.decodeKey(record);
    const image = after ?? before;
    if (!image) fail('record has neither a key nor a row image to take the key from');
    const columns = this.keyColumns[table];
    if (!columns) {
      // Debezium keys every record of a table with a primary key: one without, on a topic of keyed
      // records, is damaged, and taking its key from the row would apply a change nobody can vouch for.
      const keyed = this.learnedKeyColumns.get(record.topic);
      if (keyed) fail(`record has no key, but the records of topic ${record.topic} are keyed by (${keyed.join(', ')})`);
      // Otherwise the table has no primary key: silver appends its rows (see ChangeEvent.keyless).
      return KEYLESS;
    }
    const row: Row = {};
    for (const name of columns!) {
      const v = image![name];
      if (v === undefined || v === null) fail(`record has no key and its row lacks key column '${name}'`);
      row[name] = v as Row[string];
    }
    return { row, columns: columns! };
  }

  private decodeKey(record: KafkaRecord): { row: Row; columns: readonly string[] } {
    const { payload, compiled } = this.keyReader.read(record.key!, record.topic);
    if (!isObject(payload)) fail('key is not a JSON object');
    const row = payload as Obj;
    let columns: readonly string[];
    if (compiled) {
      if (convertRow(compiled, row, null)) fail('key holds the unavailable-value placeholder');
      columns = compiled.names;
    } else {
      if (inferRow(row, this.unavailableValue, null).unavailable) fail('key holds the unavailable-value placeholder');
      columns = this.learnedKeyColumns.get(record.topic) ?? Object.keys(row);
      if (columns.length !== Object.keys(row).length || columns.some((c) => !(c in row))) columns = Object.keys(row);
    }
    if (this.learnedKeyColumns.get(record.topic) !== columns) this.learnedKeyColumns.set(record.topic, columns);
    if (columns.length === 0) fail('key has no columns');
    for (const c of columns) if (row[c] === null || row[c] === undefined) fail(`key column '${c}' is null`);
    return { row: row as Row, columns };
  }
}

/**
 * The gate every row change passes before silver: each image the record carries holds every key
 * column, non-null and equal to the key (a primary-key change arrives as a delete and a create, so no
 * image of one record can name another key). A value that is not the table's row (a stray object, a
 * row without its key) is refused here rather than stored under a key it does not have.
 */
function checkKey(key: { row: Row; columns: readonly string[] }, before: Obj | null, after: Obj | null): void {
  for (const [which, image] of [
    ['after', after],
    ['before', before],
  ] as const) {
    if (!image) continue;
    for (const c of key.columns) {
      const v = image[c];
      if (v === undefined) fail(`the '${which}' row has no key column '${c}' (the key names it): not a row of this table`);
      if (v === null) fail(`the '${which}' row's key column '${c}' is null`);
      if (!sameKeyValue(v, key.row[c])) fail(`the '${which}' row's key column '${c}' is ${shortText(v)} but the record's key says ${shortText(key.row[c])}`);
    }
  }
}

/** Key values in canonical form compare by their text (a key schema and a row schema may spell a number differently). */
const sameKeyValue = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === 'object' || typeof b === 'object' ? JSON.stringify(a) === JSON.stringify(b) : String(a) === String(b));

const shortText = (v: unknown): string => {
  const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return text.length > 40 ? text.slice(0, 40) + '…' : text;
};

function compileValueSchema(schema: ConnectSchema, unavailableValue: UnavailableForms): CompiledValueSchema {
  if (schema.type !== 'struct' || !Array.isArray(schema.fields)) return { shape: 'other', row: null };
  const byName = new Map(schema.fields.map((f) => [f.field, f]));
  if (byName.get('op')?.type === 'string' && byName.get('source')?.type === 'struct') {
    const image = byName.get('after') ?? byName.get('before');
    return { shape: 'envelope', row: image?.type === 'struct' ? compileRow(image, unavailableValue) : null };
  }
  if (byName.has('status') && byName.has('id') && !byName.has('op')) return { shape: 'other', row: null };
  const rowFields = schema.fields.filter((f) => !(f.field ?? '').startsWith('__'));
  return { shape: 'flat', row: compileRow({ ...schema, fields: rowFields }, unavailableValue) };
}

function inferShape(p: Obj): CompiledValueSchema['shape'] {
  return typeof p.op === 'string' && ('after' in p || 'before' in p || isObject(p.source)) ? 'envelope' : 'flat';
}

function optionalRow(v: unknown, which: string): Obj | null {
  if (v === null || v === undefined) return null;
  if (!isObject(v)) fail(`'${which}' is not a row object`);
  return v as Obj;
}

function recordTimestamp(record: KafkaRecord): number {
  return Number.isFinite(record.timestamp) ? record.timestamp : 0;
}

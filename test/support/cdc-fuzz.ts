/**
 * Generated Debezium streams for property tests of the boundary: tables of generated names (reserved,
 * internal-looking and non-ASCII ones included) and keys (composite, text or integer), an initial
 * snapshot (op r, all at the snapshot's LSN, source.snapshot first/true/last), then changes in source
 * order with TOAST placeholders and truncates (op t, envelopes only: the flattening SMT has no row for
 * them), rendered as Debezium PostgreSQL records (envelopes or ExtractNewRecordState rows, with or
 * without JsonConverter schemas), mixed with malformed records of every kind the gate refuses and poison
 * records (which only applying them reveals), and delivered as Kafka does (key-hashed partitions
 * interleaved, the same offsets redelivered, a connector re-sending older events). Beside the records
 * it keeps the model: the rows silver must hold, and how many records must be dead letters.
 */
import fc from 'fast-check';
import type { KafkaRecord } from '../../src/cdc/index.ts';

export const PLACEHOLDER = '__debezium_unavailable_value';

export type ColumnType = 'int' | 'text';
export interface FuzzColumn {
  name: string;
  type: ColumnType;
}
export interface FuzzTable {
  name: string;
  key: FuzzColumn[];
  columns: FuzzColumn[];
}
export type Shape = 'envelope' | 'flattened';

export interface FuzzScenario {
  tables: FuzzTable[];
  shape: Shape;
  schemas: boolean;
  partitions: number;
  /** Per step: which table, what to do, and the values to use. */
  steps: {
    table: number;
    action: 'insert' | 'update' | 'delete' | 'truncate' | 'malformed';
    pick: number;
    values: (string | number)[];
    toast: boolean[];
    malformed: number;
  }[];
  /** Rows the tables hold before the stream starts, read by the connector's initial snapshot. */
  snapshot: { table: number; values: (string | number)[] }[];
  /** Delivery: a shuffle seed, redeliveries, batch sizes. */
  deliverySeed: number;
  redeliver: number;
  batch: number;
}

export interface FuzzStream {
  records: KafkaRecord[];
  /** Silver table -> key text -> the row (source column names, canonical text values). */
  expected: Map<string, Map<string, Record<string, string | null>>>;
  malformed: number;
}

const TABLE_NAMES = [
  'orders',
  'accounts',
  'pipeline_state',
  'change_batches',
  'gold_state',
  'silver_state',
  'silver_topics',
  'poll_results',
  'line_items',
  'T2',
  'x',
];
const COLUMN_NAMES = ['id', 'name', 'amount', 'note', '__op', '__key', '__deleted', '__source_db', '___x', 'prénom', '数量', 'order_date', 'Status', 'v2'];

const column = fc.record({ name: fc.constantFrom(...COLUMN_NAMES), type: fc.constantFrom<ColumnType>('int', 'text') });

/** Columns unique by their lowercase name (a case-only collision is its own, deterministic test). */
const uniqueColumns = (min: number, max: number) => fc.uniqueArray(column, { minLength: min, maxLength: max, selector: (c) => c.name.toLowerCase() });

const table = fc.tuple(fc.constantFrom(...TABLE_NAMES), uniqueColumns(2, 5), fc.integer({ min: 1, max: 2 })).map(
  ([name, columns, keys]): FuzzTable => ({
    name,
    key: columns.slice(0, Math.min(keys, columns.length - 1)),
    columns: columns.slice(Math.min(keys, columns.length - 1)),
  }),
);

const values = fc.array(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.string({ maxLength: 8 })), { minLength: 8, maxLength: 8 });

export const scenario: fc.Arbitrary<FuzzScenario> = fc
  .record({
    tables: fc.uniqueArray(table, { minLength: 1, maxLength: 3, selector: (t) => t.name.toLowerCase() }),
    shape: fc.constantFrom<Shape>('envelope', 'flattened'),
    schemas: fc.boolean(),
    partitions: fc.integer({ min: 1, max: 3 }),
    steps: fc.array(
      fc.record({
        table: fc.nat(),
        action: fc.oneof(
          {
            weight: 12,
            arbitrary: fc.constantFrom<'insert' | 'update' | 'delete' | 'malformed'>('insert', 'insert', 'update', 'update', 'delete', 'malformed'),
          },
          { weight: 1, arbitrary: fc.constant<'truncate'>('truncate') },
        ),
        pick: fc.nat(),
        values,
        toast: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        malformed: fc.nat({ max: 6 }),
      }),
      // FUZZ_MAX_STEPS makes longer streams (the long run uses them: the pipeline's open and reopen are
      // most of a short scenario's time).
      process.env.FUZZ_MAX_STEPS ? { minLength: 1, maxLength: Number(process.env.FUZZ_MAX_STEPS), size: 'max' } : { minLength: 1, maxLength: 60 },
    ),
    snapshot: fc.array(fc.record({ table: fc.nat(), values: values }), { maxLength: 8 }),
    deliverySeed: fc.nat(),
    redeliver: fc.nat({ max: 5 }),
    batch: fc.integer({ min: 1, max: 40 }),
  })
  .map((s) => ({
    ...s,
    steps: s.steps.map((step) => ({ ...step, table: step.table % s.tables.length })),
    snapshot: s.snapshot.map((row) => ({ ...row, table: row.table % s.tables.length })),
  }));

/** A deterministic PRNG (mulberry32) for delivery order. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type SourceRow = Record<string, string | number | null>;

// Text values start with a letter: a schemaless column whose first value is exactly 'NaN' or 'Infinity'
// is typed double (a known limit of inference without schemas, see README).
const valueFor = (c: FuzzColumn, v: string | number): string | number => (c.type === 'int' ? (typeof v === 'number' ? v : v.length * 7 - 3) : `s${v}`);
const canonical = (v: string | number | null): string | null => (v === null ? null : String(v));
const connectType = (c: FuzzColumn) => (c.type === 'int' ? 'int64' : 'string');

/** Renders the scenario's stream and its model. */
export function render(s: FuzzScenario): FuzzStream {
  const expected = new Map<string, Map<string, Record<string, string | null>>>();
  const live = s.tables.map(() => new Map<string, SourceRow>());
  const nextKey = s.tables.map(() => 1);
  const events: { table: number; key: SourceRow | null; value: string | null; malformed: boolean }[] = [];
  let lsn = 1000;
  let malformed = 0;

  const schemaOf = (t: FuzzTable, optionalKey = false) => ({
    type: 'struct',
    optional: true,
    fields: [...t.key, ...t.columns].map((c) => ({ field: c.name, type: connectType(c), optional: optionalKey || !t.key.includes(c) })),
  });
  const keySchema = (t: FuzzTable) => ({ type: 'struct', fields: t.key.map((c) => ({ field: c.name, type: connectType(c), optional: false })) });
  const wrap = (schema: unknown, payload: unknown) => (s.schemas ? { schema, payload } : payload);
  const keyText = (t: FuzzTable, key: SourceRow) => JSON.stringify(wrap(keySchema(t), key));
  /** `source.snapshot` of the record being rendered: 'false' once streaming. */
  let snapshotFlag = 'false';
  const source = (t: FuzzTable, at: number) => ({
    version: '3.3.2.Final',
    connector: 'postgresql',
    name: 'fz',
    ts_ms: 1_767_600_000_000 + at,
    snapshot: snapshotFlag,
    db: 'db',
    schema: 'public',
    table: t.name,
    lsn: at,
  });

  const envelopeSchema = (t: FuzzTable, at: number) => {
    const row = schemaOf(t);
    return {
      type: 'struct',
      fields: [
        { ...row, field: 'before' },
        { ...row, field: 'after' },
        {
          type: 'struct',
          optional: false,
          field: 'source',
          fields: Object.keys(source(t, at)).map((f) => ({ field: f, type: f === 'ts_ms' || f === 'lsn' ? 'int64' : 'string', optional: true })),
        },
        { type: 'string', optional: false, field: 'op' },
        { type: 'int64', optional: true, field: 'ts_ms' },
      ],
    };
  };
  const envelope = (t: FuzzTable, op: string, before: SourceRow | null, after: SourceRow | null, at: number) => {
    if (s.shape === 'envelope') return JSON.stringify(wrap(envelopeSchema(t, at), { before, after, source: source(t, at), op, ts_ms: 1_767_600_000_000 + at }));
    const image = op === 'd' ? before! : after!;
    const meta = {
      __op: op,
      __table: t.name,
      __lsn: at,
      __source_ts_ms: 1_767_600_000_000 + at,
      __source_snapshot: snapshotFlag,
      __deleted: op === 'd' ? 'true' : 'false',
    };
    const metaFields = [
      { field: '__op', type: 'string', optional: true },
      { field: '__table', type: 'string', optional: true },
      { field: '__lsn', type: 'int64', optional: true },
      { field: '__source_ts_ms', type: 'int64', optional: true },
      { field: '__source_snapshot', type: 'string', optional: true },
      { field: '__deleted', type: 'string', optional: true },
    ];
    // A flattened record cannot carry a source column whose name starts with __: the SMT's metadata
    // takes that prefix, so such tables are rendered as envelopes only (scenario filters them).
    return JSON.stringify(wrap({ type: 'struct', fields: [...schemaOf(t).fields, ...metaFields] }, { ...image, ...meta }));
  };

  const newKey = (table: number): SourceRow => {
    const key: SourceRow = {};
    for (const c of s.tables[table]!.key) key[c.name] = c.type === 'int' ? nextKey[table]! : `k${nextKey[table]}`;
    nextKey[table]!++;
    return key;
  };
  const rowOf = (t: FuzzTable, key: SourceRow, values: readonly (string | number)[]): SourceRow => {
    const row: SourceRow = { ...key };
    for (const [i, c] of t.columns.entries()) row[c.name] = values[i + 2] === undefined ? null : valueFor(c, values[i + 2]!);
    return row;
  };

  // The initial snapshot: every row read at the snapshot's one LSN, before any change.
  for (const [i, read] of s.snapshot.entries()) {
    const t = s.tables[read.table]!;
    const key = newKey(read.table);
    const row = rowOf(t, key, read.values);
    live[read.table]!.set(JSON.stringify(key), row);
    snapshotFlag = i === 0 ? 'first' : i === s.snapshot.length - 1 ? 'last' : 'true';
    events.push({ table: read.table, key, value: envelope(t, 'r', null, row, lsn), malformed: false });
  }
  snapshotFlag = 'false';

  const truncatedAfter = (index: number, table: number) =>
    s.shape === 'envelope' && s.steps.some((later, i) => i > index && later.table === table && later.action === 'truncate');

  for (const [stepIndex, step] of s.steps.entries()) {
    const t = s.tables[step.table]!;
    const rows = live[step.table]!;
    const keys = [...rows.keys()];
    const at = (lsn += 10);
    if (step.action === 'malformed') {
      const key = { [t.key[0]!.name]: valueFor(t.key[0]!, step.values[0]!) } as SourceRow;
      for (const c of t.key.slice(1)) key[c.name] = valueFor(c, step.values[1]!);
      const kinds = [
        () => 'not json {',
        () => JSON.stringify({ hello: 'world' }),
        () => envelope(t, 'c', null, { ...key, ...Object.fromEntries(t.key.map((c) => [c.name, c.type === 'int' ? 999_999 : 'other key'])) }, at),
        () => envelope(t, 'c', null, Object.fromEntries(t.columns.map((c) => [c.name, valueFor(c, step.values[2]!)])), at),
        () =>
          `{"op":"c","before":null,"after":${JSON.stringify(key).slice(0, -1)},"${t.columns[0]!.name}":${'9'.repeat(45)}},"source":${JSON.stringify(source(t, at))}}`,
        () => envelope(t, 'x', null, key, at),
        // A poison record: a column name SQLite's serving copy cannot take, found by isolation (src/silver/poison.ts).
        () => envelope(t, 'c', null, { ...key, 'bad\u0000column': 1 }, at),
      ];
      // The schemaless forms (a huge integer, a column no schema declares) have no meaning under schemas;
      // there, send an unknown op instead. So too for a poison record a later truncate of its table
      // supersedes: only applying reveals poison, and a superseded record may never be applied (when the
      // truncate, on another partition, arrives first), so it is not certain to be a dead letter.
      const superseded = step.malformed === 6 && truncatedAfter(stepIndex, step.table);
      const kind = (s.schemas && (step.malformed === 4 || step.malformed === 6)) || superseded ? 5 : step.malformed;
      events.push({ table: step.table, key, value: kinds[kind]!(), malformed: true });
      malformed++;
      continue;
    }
    if (step.action === 'truncate') {
      // TRUNCATE: every row of the table goes; the record has no key (partition 0, like any null key).
      if (s.shape !== 'envelope') continue;
      rows.clear();
      const value = JSON.stringify(wrap(envelopeSchema(t, at), { before: null, after: null, source: source(t, at), op: 't', ts_ms: 1_767_600_000_000 + at }));
      events.push({ table: step.table, key: null, value, malformed: false });
      continue;
    }
    if (step.action === 'insert' || keys.length === 0) {
      const key = newKey(step.table);
      const row = rowOf(t, key, step.values);
      rows.set(JSON.stringify(key), row);
      events.push({ table: step.table, key, value: envelope(t, 'c', null, row, at), malformed: false });
      continue;
    }
    const id = keys[step.pick % keys.length]!;
    const old = rows.get(id)!;
    const key = Object.fromEntries(t.key.map((c) => [c.name, old[c.name]!])) as SourceRow;
    if (step.action === 'delete') {
      rows.delete(id);
      events.push({ table: step.table, key, value: envelope(t, 'd', old, null, at), malformed: false });
      events.push({ table: step.table, key, value: null, malformed: false }); // the tombstone after it
      continue;
    }
    const row: SourceRow = { ...old };
    const sent: SourceRow = { ...old };
    t.columns.forEach((c, i) => {
      if (step.toast[i] && c.type === 'text')
        sent[c.name] = PLACEHOLDER; // unchanged TOASTed value: row keeps the old
      else row[c.name] = sent[c.name] = valueFor(c, step.values[(i + 3) % 8]!);
    });
    rows.set(id, row);
    events.push({ table: step.table, key, value: envelope(t, 'u', null, sent, at), malformed: false });
  }

  for (const [i, t] of s.tables.entries()) {
    if (live[i]!.size === 0) continue;
    const out = new Map<string, Record<string, string | null>>();
    for (const row of live[i]!.values()) {
      const key = t.key.map((c) => canonical(row[c.name]!)).join('\u0000');
      out.set(key, Object.fromEntries(Object.entries(row).map(([k, v]) => [k, canonical(v)])));
    }
    expected.set(t.name, out);
  }

  // Kafka: a partition per key hash, offsets in order; partitions read interleaved; some records
  // delivered twice at the same offset (a consumer re-read) and some older change events re-sent at
  // new offsets (a connector restarted from an older position).
  const random = prng(s.deliverySeed);
  const partitions: KafkaRecord[][] = Array.from({ length: s.partitions }, () => []);
  const nextOffset = Array.from({ length: s.partitions }, () => 0);
  const topic = (t: FuzzTable) => `fz.public.${t.name}`;
  const place = (e: (typeof events)[number]) => {
    const t = s.tables[e.table]!;
    const keyJson = e.key ? keyText(t, e.key) : null;
    let h = 0;
    for (const ch of keyJson ?? '') h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    const p = h % s.partitions;
    partitions[p]!.push({ topic: topic(t), partition: p, offset: String(nextOffset[p]!++), timestamp: 1_767_600_000_000, key: keyJson, value: e.value });
  };
  events.forEach(place);
  const changes = events.filter((e) => !e.malformed && e.value !== null);
  for (let i = 0; i < s.redeliver && changes.length > 0; i++) place(changes[Math.floor(random() * changes.length)]!);
  const records: KafkaRecord[] = [];
  const cursors = partitions.map(() => 0);
  while (cursors.some((c, p) => c < partitions[p]!.length)) {
    const open = cursors.map((c, p) => (c < partitions[p]!.length ? p : -1)).filter((p) => p >= 0);
    const p = open[Math.floor(random() * open.length)]!;
    const r = partitions[p]![cursors[p]!]!;
    records.push(r);
    if (random() < 0.05) records.push({ ...r }); // read twice
    cursors[p]!++;
  }
  return { records, expected, malformed };
}

/** Scenarios a flattened topic can carry: no source column may start with __ (the SMT's metadata prefix). */
export const renderable = (s: FuzzScenario) => s.shape === 'envelope' || s.tables.every((t) => [...t.key, ...t.columns].every((c) => !c.name.startsWith('__')));

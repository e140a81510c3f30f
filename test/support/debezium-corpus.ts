/**
 * Corpora of Debezium change streams, as `lakehouse ingest` reads them (NDJSON Kafka records), with
 * the source truth beside them. Deterministic for a seed.
 *
 * The generator SIMULATES the source databases: each holds its tables' current rows and schema, and
 * every operation (snapshot read, insert, update, delete, primary-key change, truncate, logical message,
 * ADD COLUMN, int -> bigint) changes that model first. The connector then renders the operation as
 * Debezium would (PostgreSQL or MySQL source block and positions, JsonConverter with or without
 * schemas, or flattened by ExtractNewRecordState), and "Kafka" delivers it: key-hashed partitions,
 * tombstones after deletes, connector restarts that replay the last events at new offsets, exact
 * duplicate lines, partitions and topics interleaved as a consumer would read them. Malformed
 * records are mixed in, each on a key the truth never holds, so applying one shows in the rows.
 *
 * The truth is the model's final rows (per table, every source database), in the canonical encoding
 * `lakehouse cat --format ndjson` prints, without `__*` columns. Nothing here reads lakehouse code.
 */
import { Prng } from '../../fake-it/prng.ts';
import { decimalBase64 } from '../../fake-it/debezium-envelope.ts';

export type Connector = 'postgresql' | 'mysql';
/** envelope: full Debezium envelopes; flat: ExtractNewRecordState with add.fields=op,table,lsn,source.ts_ms. */
export type Shape = 'envelope' | 'flat';

/**
 * How ExtractNewRecordState passes deletes on: rewrite (delete.handling.mode=rewrite: the before
 * image with `__deleted: "true"`, tombstones dropped), rewrite+tombstone (drop.tombstones=false: and
 * the tombstone after it), tombstone (Debezium 3's default delete.tombstone.handling.mode=tombstone: only
 * a tombstone, the delete turned into a null value, which JsonConverter writes as `"payload":null` under
 * the value's schema, or `null`).
 */
export type FlatDeletes = 'rewrite' | 'rewrite+tombstone' | 'tombstone';

export interface CorpusSource {
  server: string;
  db: string;
  /** PostgreSQL REPLICA IDENTITY: 'default' sends no before image on update, only the key on delete, and TOAST placeholders. */
  replicaIdentity?: 'default' | 'full';
}

export interface CorpusSpec {
  name: string;
  seed: number;
  connector: Connector;
  shape: Shape;
  /** Flattened topics only; default rewrite. */
  flatDeletes?: FlatDeletes;
  /** JsonConverter schemas.enable. */
  schemas: boolean;
  sources: CorpusSource[];
  /** Transactions per source after its snapshot. */
  transactions: number;
  partitions: number;
  /** ADD COLUMN and int -> bigint on the first source, part way through. */
  schemaChanges: boolean;
  truncates: boolean;
  malformed: boolean;
  /**
   * The records around the changes: transaction BEGIN/END (provide.transaction.metadata=true),
   * heartbeats, and with MySQL the schema change topic.
   */
  metadata?: boolean;
}

export interface KafkaLine {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
}

type Canonical = string | number | boolean | null;
export type TruthRow = Record<string, Canonical>;

export interface Corpus {
  lines: string[];
  /** Silver table -> its rows, `__*` columns left out. */
  truth: Map<string, TruthRow[]>;
  /** Malformed records that must end in dead_letters. */
  deadLetters: number;
}

// ---------------------------------------------------------------------------------------------
// Tables

type Kind = 'int16' | 'int32' | 'int64' | 'text' | 'bool' | 'float64' | 'decimal' | 'date' | 'micros' | 'zoned' | 'json' | 'uuid' | 'enum';

interface Column {
  name: string;
  kind: Kind;
  nullable: boolean;
  scale?: number;
  precision?: number;
  /** Large text PostgreSQL stores out of line (TOAST): unchanged, it is not sent under REPLICA IDENTITY DEFAULT. */
  toast?: boolean;
}

interface TableDef {
  name: string;
  key: string[];
  columns: Column[];
}

const TIERS = ['bronze', 'silver', 'gold'];

function tablesFor(connector: Connector): TableDef[] {
  const pg = connector === 'postgresql';
  return [
    {
      name: 'customers',
      key: ['id'],
      columns: [
        { name: 'id', kind: 'int32', nullable: false },
        { name: 'name', kind: 'text', nullable: false },
        { name: 'email', kind: 'text', nullable: true },
        { name: 'balance', kind: 'decimal', nullable: false, precision: 12, scale: 2 },
        { name: 'birth_date', kind: 'date', nullable: true },
        { name: 'created_at', kind: 'zoned', nullable: false },
        { name: 'updated_at', kind: 'micros', nullable: false },
        // MySQL BOOLEAN is TINYINT(1): int16 on the wire.
        { name: 'active', kind: pg ? 'bool' : 'int16', nullable: false },
        { name: 'score', kind: 'float64', nullable: true },
        { name: 'tier', kind: 'enum', nullable: false },
        { name: 'prefs', kind: 'json', nullable: true },
        { name: 'external_id', kind: pg ? 'uuid' : 'text', nullable: false },
        { name: 'visits', kind: 'int32', nullable: false },
        { name: 'notes', kind: 'text', nullable: true, toast: true },
      ],
    },
    {
      name: 'order_lines',
      key: ['order_id', 'line_no'],
      columns: [
        { name: 'order_id', kind: 'int64', nullable: false },
        { name: 'line_no', kind: 'int32', nullable: false },
        { name: 'sku', kind: 'text', nullable: false },
        { name: 'qty', kind: 'int32', nullable: false },
        { name: 'unit_price', kind: 'decimal', nullable: false, precision: 10, scale: 3 },
        { name: 'shipped_on', kind: 'date', nullable: true },
      ],
    },
  ];
}

const ADDED_COLUMN: Column = { name: 'nickname', kind: 'text', nullable: true };
const WIDENED_COLUMN = 'visits';
const WIDENED_DECIMAL = 'unit_price';

/** Source-side values: what the database holds (int64 and decimals as exact text, times as epoch micros). */
type Value = string | number | boolean | null | { json: string };
type Row = Record<string, Value>;

// ---------------------------------------------------------------------------------------------
// The simulated databases

interface SourceTable {
  def: TableDef;
  /** The table's columns now (schema changes replace the array). */
  columns: Column[];
  rows: Map<string, Row>;
}

interface SourceDb {
  spec: CorpusSource;
  index: number;
  tables: Map<string, SourceTable>;
  nextId: number;
  nextOrder: number;
  /** Positions. PostgreSQL: lsn, last commit lsn, txId. MySQL: binlog file number and pos. */
  lsn: number;
  lastCommitLsn: number | null;
  txId: number;
  binlogFile: number;
  binlogPos: number;
  tsMs: number;
}

/** What the connector reads: one row change (or a truncate, or a message) with its source position. */
interface SourceEvent {
  db: SourceDb;
  table: string;
  /** Row changes, truncate, logical message; or a transaction boundary, heartbeat or DDL (metadata). */
  op: 'r' | 'c' | 'u' | 'd' | 't' | 'm' | 'begin' | 'end' | 'heartbeat' | 'ddl';
  /** END: the transaction's change events. */
  eventCount?: number;
  ddl?: string;
  before: Row | null;
  after: Row | null;
  /** Columns whose value is not sent (unchanged TOAST). */
  unavailable: Set<string>;
  columns: Column[];
  snapshot: 'first' | 'first_in_data_collection' | 'true' | 'last_in_data_collection' | 'last' | 'false';
  lsn: number;
  lastCommitLsn: number | null;
  txId: number;
  file: number;
  pos: number;
  row: number;
  tsMs: number;
}

const keyOf = (def: TableDef, row: Row) => JSON.stringify(def.key.map((k) => row[k]));

// ---------------------------------------------------------------------------------------------
// Values

const EPOCH_2026_MS = Date.UTC(2026, 0, 5, 8, 0, 0);
/** Around now, sometimes before 1970 (negative epoch values). */
const instantMs = (prng: Prng) => (prng.chance(0.05) ? Date.UTC(1965, 2, 1, 10, 0, 0) : EPOCH_2026_MS);
// Text that JSON escapes and UTF-8 multibyte sequences put to the test, beside plain words.
const WORDS = [
  'amber',
  'birch',
  'cedar',
  'delta',
  'ember',
  'fjord',
  'grove',
  'harbor',
  'iris',
  'juniper',
  'Zoë',
  'naïve "quoted"',
  'back\\slash',
  'two\nlines',
  '東京',
  '🙂 ok',
];

function randomValue(prng: Prng, c: Column): Value {
  if (c.nullable && prng.chance(0.15)) return null;
  switch (c.kind) {
    case 'int16':
      return prng.int(0, 1);
    case 'int32':
      return prng.int(-1000, 100_000);
    case 'int64':
      return String(prng.int(1, 2 ** 31) * 1000 + prng.int(0, 999));
    case 'text':
      if (prng.chance(0.04)) return '';
      return c.toast && prng.chance(0.6)
        ? `${prng.pick(WORDS)} ${'long note '.repeat(prng.int(40, 80))}${prng.int(0, 1e6)}` // TOASTed: > 2 kB
        : `${prng.pick(WORDS)} ${prng.pick(WORDS)} ${prng.int(0, 9999)}`;
    case 'bool':
      return prng.chance(0.5);
    // Whole values too: JsonConverter writes them 2.0, which without a schema must still read as a double.
    case 'float64':
      if (prng.chance(0.05)) return prng.pick([NaN, Infinity, -Infinity]);
      if (prng.chance(0.1)) return prng.pick([0, 2, -7, 1e10]);
      return Math.round(prng.next() * 1e6) / 100 + 0.005;
    case 'decimal': {
      const digits = (c.precision ?? 10) - (c.scale ?? 0);
      const whole = prng.int(0, 10 ** Math.min(digits, 10) - 1);
      const frac = String(prng.int(0, 10 ** (c.scale ?? 0) - 1)).padStart(c.scale ?? 0, '0');
      const zero = whole === 0 && /^0*$/.test(frac);
      return `${!zero && prng.chance(0.1) ? '-' : ''}${whole}${c.scale ? '.' + frac : ''}`;
    }
    case 'date':
      return prng.int(-3000, 20_000); // days since epoch, some before 1970
    case 'micros':
      return (instantMs(prng) + prng.int(-1e9, 1e9)) * 1000 + prng.int(0, 999);
    case 'zoned':
      return (instantMs(prng) + prng.int(-1e9, 1e9)) * 1000 + (prng.chance(0.3) ? 0 : prng.int(0, 999_999));
    case 'json':
      return { json: JSON.stringify({ theme: prng.pick(WORDS), n: prng.int(0, 9), tags: [prng.pick(WORDS)] }) };
    case 'uuid': {
      const hex = () => prng.int(0, 0xffff).toString(16).padStart(4, '0');
      return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-a${hex().slice(1)}-${hex()}${hex()}${hex()}`;
    }
    case 'enum':
      return prng.pick(TIERS);
  }
}

/** ISO text as Debezium renders a ZonedTimestamp: UTC, 'Z', fraction as few digits as needed or padded to the column's 6. */
function zonedText(micros: number, padded: boolean): string {
  const ms = Math.floor(micros / 1000);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = String(micros - Math.floor(micros / 1_000_000) * 1_000_000).padStart(6, '0');
  if (padded) return `${base}.${frac}Z`;
  const trimmed = frac.replace(/0+$/, '');
  return trimmed === '' ? `${base}Z` : `${base}.${trimmed}Z`;
}

/**
 * Numbers go on the wire as Jackson writes them: int64 with every digit, past 2^53 too (snowflake ids),
 * doubles as Java prints them (2.0, 1.0E10). wireValue marks them, connectJson writes them as bare numbers.
 */
const RAW_NUMBER = '\u0000number:';
const connectJson = (v: unknown) => JSON.stringify(v).replace(/"\\u0000number:(-?[\d.E-]+)"/g, '$1');

/** A finite double as Java's Double.toString writes it: always a fraction or an exponent. */
function javaDouble(v: number): string {
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa, exponent] = v.toExponential().split('e');
    return `${mantissa!.includes('.') ? mantissa : mantissa + '.0'}E${Number(exponent)}`;
  }
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/** The JSON value the connector puts on the wire for a column. */
function wireValue(c: Column, v: Value, padZoned: boolean): unknown {
  if (v === null) return null;
  switch (c.kind) {
    case 'int64':
      return RAW_NUMBER + (v as string);
    case 'float64':
      return Number.isFinite(v) ? RAW_NUMBER + javaDouble(v as number) : String(v);
    case 'decimal':
      return decimalBase64(v as string, c.scale ?? 0);
    case 'zoned':
      return zonedText(v as number, padZoned);
    case 'json':
      return (v as { json: string }).json;
    default:
      return v;
  }
}

function microsText(micros: number): string {
  const ms = Math.floor(micros / 1000);
  return new Date(ms).toISOString().slice(0, 23) + String(micros - ms * 1000).padStart(3, '0');
}

function daysText(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** The canonical encoding of a value in a silver column of `kind` (with schemas). */
function canonical(kind: Kind, c: Column, v: Value): Canonical {
  if (v === null) return null;
  switch (kind) {
    case 'int64':
      return String(v);
    case 'decimal': {
      const [whole, frac = ''] = String(v).split('.');
      const scale = c.scale ?? 0;
      return scale ? `${whole}.${frac.padEnd(scale, '0')}` : whole!;
    }
    case 'date':
      return daysText(v as number);
    case 'micros':
    case 'zoned':
      return microsText(v as number);
    case 'json':
      return (v as { json: string }).json;
    case 'float64':
      return Number.isFinite(v) ? (v as number) : String(v);
    default:
      return v as Canonical;
  }
}

/** Without schemas a consumer sees only JSON: integers read as long (text), everything else as sent. */
function canonicalSchemaless(c: Column, v: Value, padZoned: boolean): Canonical {
  if (c.kind === 'float64') return canonical(c.kind, c, v);
  const wire = wireValue(c, v, padZoned);
  if (wire === null) return null;
  if (typeof wire === 'string' && wire.startsWith(RAW_NUMBER)) return wire.slice(RAW_NUMBER.length);
  if (typeof wire === 'number' && Number.isInteger(wire)) return String(wire);
  return wire as Canonical;
}

// ---------------------------------------------------------------------------------------------
// Connect schemas

const field = (f: string, type: string, optional: boolean, extra: Record<string, unknown> = {}) => ({ type, optional, ...extra, field: f });

function columnSchema(c: Column): Record<string, unknown> {
  const o = c.nullable;
  switch (c.kind) {
    case 'int16':
    case 'int32':
    case 'int64':
      return field(c.name, c.kind, o);
    case 'float64':
      return field(c.name, 'double', o); // JsonConverter's name for Connect's float64
    case 'text':
      return field(c.name, 'string', o);
    case 'bool':
      return field(c.name, 'boolean', o);
    case 'decimal':
      return field(c.name, 'bytes', o, {
        name: 'org.apache.kafka.connect.data.Decimal',
        version: 1,
        parameters: { scale: String(c.scale ?? 0), 'connect.decimal.precision': String(c.precision ?? 10) },
      });
    case 'date':
      return field(c.name, 'int32', o, { name: 'io.debezium.time.Date', version: 1 });
    case 'micros':
      return field(c.name, 'int64', o, { name: 'io.debezium.time.MicroTimestamp', version: 1 });
    case 'zoned':
      return field(c.name, 'string', o, { name: 'io.debezium.time.ZonedTimestamp', version: 1 });
    case 'json':
      return field(c.name, 'string', o, { name: 'io.debezium.data.Json', version: 1 });
    case 'uuid':
      return field(c.name, 'string', o, { name: 'io.debezium.data.Uuid', version: 1 });
    case 'enum':
      return field(c.name, 'string', o, { name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: TIERS.join(',') } });
  }
}

const DEBEZIUM_VERSION = '3.0.8.Final';

/** What Debezium's converters send for a required column without a value (JdbcValueConverters' fallbacks). */
const FALLBACK: Record<Kind, unknown> = {
  int16: 0,
  int32: 0,
  int64: 0,
  text: '',
  bool: false,
  float64: 0,
  decimal: 'AA==',
  date: 0,
  micros: 0,
  zoned: '1970-01-01T00:00:00Z',
  json: '{}',
  uuid: '',
  enum: '',
};
const snapshotEnum = {
  name: 'io.debezium.data.Enum',
  version: 1,
  parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' },
  default: 'false',
};

function sourceSchema(connector: Connector) {
  const common = [
    field('version', 'string', false),
    field('connector', 'string', false),
    field('name', 'string', false),
    field('ts_ms', 'int64', false),
    field('snapshot', 'string', true, snapshotEnum),
    field('db', 'string', false),
    field('sequence', 'string', true),
    field('ts_us', 'int64', true),
    field('ts_ns', 'int64', true),
  ];
  const specific =
    connector === 'postgresql'
      ? [
          field('schema', 'string', false),
          field('table', 'string', false),
          field('txId', 'int64', true),
          field('lsn', 'int64', true),
          field('xmin', 'int64', true),
        ]
      : [
          field('table', 'string', true),
          field('server_id', 'int64', false),
          field('gtid', 'string', true),
          field('file', 'string', false),
          field('pos', 'int64', false),
          field('row', 'int32', false),
          field('thread', 'int64', true),
          field('query', 'string', true),
        ];
  const name = connector === 'postgresql' ? 'io.debezium.connector.postgresql.Source' : 'io.debezium.connector.mysql.Source';
  return { type: 'struct', fields: [...common, ...specific], optional: false, name, field: 'source' };
}

// ---------------------------------------------------------------------------------------------
// The generator

export function generateCorpus(spec: CorpusSpec): Corpus {
  const prng = new Prng(spec.seed);
  const pg = spec.connector === 'postgresql';
  const defs = tablesFor(spec.connector);
  const dbs: SourceDb[] = spec.sources.map((s, index) => ({
    spec: s,
    index,
    tables: new Map(defs.map((d) => [d.name, { def: d, columns: [...d.columns], rows: new Map() }])),
    nextId: 1,
    nextOrder: 1_000_000,
    lsn: 20_000_000 + index * 7_000_000,
    lastCommitLsn: null,
    txId: 700 + index * 100,
    binlogFile: 3,
    binlogPos: 4,
    tsMs: EPOCH_2026_MS + index * 1000,
  }));
  const emitted: SourceEvent[] = [];
  /** The silver view of columns: per table, every column any row event carried, widest kind. */
  const silverColumns = new Map<string, Map<string, Column>>();
  const admit = (table: string, columns: Column[]) => {
    let m = silverColumns.get(table);
    if (!m) silverColumns.set(table, (m = new Map()));
    for (const c of columns) {
      const had = m.get(c.name);
      if (!had || (had.kind === 'int32' && c.kind === 'int64') || (c.precision ?? 0) > (had.precision ?? 0)) m.set(c.name, c);
    }
  };

  const newRow = (db: SourceDb, t: SourceTable): Row => {
    const row: Row = {};
    for (const c of t.columns) row[c.name] = randomValue(prng, c);
    if (t.def.name === 'customers') row.id = db.nextId++;
    else {
      // Sequence ids, and snowflake ids past 2^53 that a JSON number holds exactly only as text.
      row.order_id = prng.chance(0.7) ? String(db.nextOrder + prng.int(0, 40)) : `18540${String(prng.int(0, 40)).padStart(14, '0')}`;
      row.line_no = prng.int(1, 6);
    }
    return row;
  };

  // PostgreSQL: every change has its own LSN; the transaction's commit LSN becomes the next one's lastCommitLsn.
  // MySQL: every row event has its own binlog pos (each statement here changes one row, so `row` is 0).
  const emit = (db: SourceDb, table: string, op: SourceEvent['op'], before: Row | null, after: Row | null, extra: Partial<SourceEvent> = {}) => {
    const t = db.tables.get(table);
    const ev: SourceEvent = {
      db,
      table,
      op,
      before,
      after,
      unavailable: new Set(),
      columns: t ? t.columns : [],
      snapshot: 'false',
      lsn: db.lsn,
      lastCommitLsn: db.lastCommitLsn,
      txId: db.txId,
      file: db.binlogFile,
      pos: db.binlogPos,
      row: 0,
      tsMs: db.tsMs,
      ...extra,
    };
    emitted.push(ev);
    if (op === 'r' || op === 'c' || op === 'u' || op === 'd') admit(table, ev.columns);
    return ev;
  };
  const advance = (db: SourceDb) => {
    db.lsn += prng.int(40, 400);
    db.binlogPos += prng.int(150, 900);
  };
  const commit = (db: SourceDb) => {
    db.lsn += prng.int(20, 60);
    db.lastCommitLsn = db.lsn;
    db.txId++;
    db.binlogPos += 31; // the XID event
    if (prng.chance(0.02)) {
      db.binlogFile++; // log rotation: pos starts over in the next file
      db.binlogPos = 4;
    }
    db.tsMs += prng.int(1, 120);
  };

  // 1. Rows that exist before the connector starts, read by its snapshot.
  for (const db of dbs) {
    for (const t of db.tables.values()) {
      for (let i = 0; i < (t.def.name === 'customers' ? 30 : 40); i++) {
        const row = newRow(db, t);
        t.rows.set(keyOf(t.def, row), row);
      }
    }
    const reads = [...db.tables.values()].flatMap((t) =>
      [...t.rows.values()].map((row, i, all) => ({ t, row, edge: i === 0 ? 'first' : i === all.length - 1 ? 'last' : '' })),
    );
    reads.forEach(({ t, row, edge }, i) => {
      const snapshot = i === 0 ? 'first' : i === reads.length - 1 ? 'last' : edge ? `${edge}_in_data_collection` : 'true';
      emit(db, t.def.name, 'r', null, { ...row }, { snapshot: snapshot as SourceEvent['snapshot'], lastCommitLsn: null });
    });
    commit(db);
  }

  // 2. Streaming: transactions of one to three statements, interleaved across source databases.
  const changeAt = new Map<SourceDb, number>(dbs.map((db) => [db, Math.floor(spec.transactions * (0.3 + 0.3 * prng.next()))]));
  const widenAt = new Map<SourceDb, number>(dbs.map((db) => [db, Math.floor(spec.transactions * (0.5 + 0.3 * prng.next()))]));
  const deletedKeys = new Map<SourceDb, Row[]>(dbs.map((db) => [db, []]));
  let truncated = 0;
  const steps = dbs.flatMap((db) => Array.from({ length: spec.transactions }, () => db));
  for (let i = steps.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [steps[i], steps[j]] = [steps[j]!, steps[i]!];
  }
  const done = new Map<SourceDb, number>();
  for (const db of steps) {
    const n = (done.get(db) ?? 0) + 1;
    done.set(db, n);
    const first = db.index === 0;
    const ddl = (text: string) => {
      if (spec.metadata && !pg) emit(db, 'customers', 'ddl', null, null, { ddl: text });
    };
    if (spec.schemaChanges && first && n === changeAt.get(db)) {
      const t = db.tables.get('customers')!;
      t.columns = [...t.columns, ADDED_COLUMN]; // existing rows read null
      for (const row of t.rows.values()) row[ADDED_COLUMN.name] = null;
      ddl(`ALTER TABLE customers ADD COLUMN ${ADDED_COLUMN.name} VARCHAR(255) NULL`);
    }
    if (spec.schemaChanges && first && n === widenAt.get(db)) {
      const t = db.tables.get('customers')!;
      t.columns = t.columns.map((c) => (c.name === WIDENED_COLUMN ? { ...c, kind: 'int64' as const } : c));
      ddl(`ALTER TABLE customers MODIFY ${WIDENED_COLUMN} BIGINT NOT NULL`);
      // And more digits for a decimal: numeric(10,3) -> numeric(14,3).
      const lines = db.tables.get('order_lines')!;
      lines.columns = lines.columns.map((c) => (c.name === WIDENED_DECIMAL ? { ...c, precision: 14 } : c));
    }
    const before = emitted.length;
    if (spec.metadata) emit(db, '', 'begin', null, null);
    const statements = prng.int(1, 3);
    for (let s = 0; s < statements; s++) statement(db);
    if (spec.metadata) emit(db, '', 'end', null, null, { eventCount: emitted.slice(before).filter((e) => e.op !== 'begin' && e.op !== 'm').length });
    commit(db);
    if (spec.metadata && prng.chance(0.05)) emit(db, '', 'heartbeat', null, null);
  }

  function statement(db: SourceDb) {
    const roll = prng.next();
    const table = prng.chance(0.55) ? 'customers' : 'order_lines';
    const t = db.tables.get(table)!;
    advance(db);
    if (pg && spec.shape === 'envelope' && roll < 0.02) {
      emit(db, table, 'm', null, null);
      return;
    }
    if (spec.truncates && pg && table === 'order_lines' && roll < 0.035 && truncated < 2 * dbs.length) {
      truncated++;
      t.rows.clear();
      emit(db, table, 't', null, null);
      return;
    }
    if (t.rows.size < 5 || roll < 0.35) {
      const reuse = deletedKeys.get(db)!;
      const row = newRow(db, t);
      // Sometimes a key that was deleted comes back.
      if (table === 'customers' && reuse.length > 0 && prng.chance(0.3)) row.id = reuse.splice(prng.int(0, reuse.length - 1), 1)[0]!.id!;
      const key = keyOf(t.def, row);
      if (t.rows.has(key)) return;
      t.rows.set(key, row);
      emit(db, table, 'c', null, { ...row });
      return;
    }
    const keys = [...t.rows.keys()];
    const key = prng.pick(keys);
    const old = t.rows.get(key)!;
    if (roll < 0.5) {
      t.rows.delete(key);
      if (table === 'customers') deletedKeys.get(db)!.push(old);
      emit(db, table, 'd', { ...old }, null);
      return;
    }
    if (table === 'customers' && roll < 0.53) {
      // A primary-key change: Debezium sends a delete of the old key and a create of the new one, same position.
      const row = { ...old, id: db.nextId++ };
      t.rows.delete(key);
      t.rows.set(keyOf(t.def, row), row);
      emit(db, table, 'd', { ...old }, null);
      emit(db, table, 'c', null, { ...row });
      return;
    }
    // An update of one to four non-key columns.
    const row = { ...old };
    const changeable = t.columns.filter((c) => !t.def.key.includes(c.name));
    for (let k = prng.int(1, 4); k > 0; k--) {
      const c = prng.pick(changeable);
      row[c.name] = randomValue(prng, c);
    }
    if (table === 'customers' && prng.chance(0.5))
      row.visits = t.columns.find((c) => c.name === WIDENED_COLUMN)!.kind === 'int64' ? 3_000_000_000 + prng.int(0, 1e6) : prng.int(0, 100_000);
    t.rows.set(key, row);
    const unavailable = new Set<string>();
    if (pg && db.spec.replicaIdentity === 'default') {
      for (const c of t.columns)
        if (c.toast && row[c.name] === old[c.name] && typeof row[c.name] === 'string' && (row[c.name] as string).length > 2000) unavailable.add(c.name);
    }
    const ev = emit(db, table, 'u', { ...old }, { ...row });
    ev.unavailable = unavailable;
  }

  return deliver(spec, prng, emitted, silverColumns, dbs);
}

// ---------------------------------------------------------------------------------------------
// Rendering and delivery

function topicOf(spec: CorpusSpec, db: SourceDb, table: string): string {
  return spec.connector === 'postgresql' ? `${db.spec.server}.public.${table}` : `${db.spec.server}.${db.spec.db}.${table}`;
}

/** FNV-1a of the key text: the partitioner's stand-in (a key always lands in the same partition). */
function partitionOf(key: string | null, partitions: number, prng: Prng): number {
  if (key === null) return prng.int(0, partitions - 1);
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % partitions;
}

class Renderer {
  private readonly valueSchemas = new Map<string, string>();

  constructor(private readonly spec: CorpusSpec) {}

  private get pg() {
    return this.spec.connector === 'postgresql';
  }

  rowJson(columns: Column[], row: Row, unavailable: Set<string>, padZoned: boolean, only?: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of columns) {
      if (only && !only.includes(c.name)) continue;
      out[c.name] = unavailable.has(c.name) ? '__debezium_unavailable_value' : wireValue(c, row[c.name] ?? null, padZoned);
    }
    return out;
  }

  keyText(ev: SourceEvent, def: TableDef, row: Row): string {
    const keyColumns = def.key.map((k) => ev.columns.find((c) => c.name === k)!);
    const payload = this.rowJson(keyColumns, row, new Set(), false);
    if (!this.spec.schemas) return connectJson(payload);
    const schema = { type: 'struct', fields: keyColumns.map(columnSchema), optional: false, name: `${this.qualified(ev)}.Key` };
    return `{"schema":${JSON.stringify(schema)},"payload":${connectJson(payload)}}`;
  }

  private qualified(ev: SourceEvent) {
    return this.pg ? `${ev.db.spec.server}.public.${ev.table}` : `${ev.db.spec.server}.${ev.db.spec.db}.${ev.table}`;
  }

  source(ev: SourceEvent): Record<string, unknown> {
    const s = ev.db.spec;
    const common = {
      version: DEBEZIUM_VERSION,
      connector: this.spec.connector,
      name: s.server,
      ts_ms: ev.tsMs,
      snapshot: ev.snapshot,
      db: s.db,
    };
    if (this.pg) {
      return {
        ...common,
        sequence: JSON.stringify([ev.lastCommitLsn === null ? null : String(ev.lastCommitLsn), String(ev.lsn)]),
        ts_us: ev.tsMs * 1000,
        ts_ns: ev.tsMs * 1_000_000,
        schema: 'public',
        table: ev.table,
        txId: ev.txId,
        lsn: ev.lsn,
        xmin: null,
      };
    }
    return {
      ...common,
      sequence: null,
      ts_us: ev.tsMs * 1000,
      ts_ns: ev.tsMs * 1_000_000,
      table: ev.table,
      server_id: 223344 + ev.db.index,
      gtid: null,
      file: `mysql-bin.${String(ev.file).padStart(6, '0')}`,
      pos: ev.pos,
      row: ev.row,
      thread: ev.snapshot === 'false' ? 17 : null,
      query: null,
    };
  }

  /** The envelope's value schema for the table's current columns (cached by schema version). */
  private envelopeSchema(ev: SourceEvent): Record<string, unknown> {
    const rowFields = ev.columns.map(columnSchema);
    const image = (f: string) => ({ type: 'struct', fields: rowFields, optional: true, name: `${this.qualified(ev)}.Value`, field: f });
    return {
      type: 'struct',
      fields: [
        image('before'),
        image('after'),
        sourceSchema(this.spec.connector),
        {
          type: 'struct',
          optional: true,
          name: 'event.block',
          version: 1,
          field: 'transaction',
          fields: [field('id', 'string', false), field('total_order', 'int64', false), field('data_collection_order', 'int64', false)],
        },
        field('op', 'string', false),
        field('ts_ms', 'int64', true),
        field('ts_us', 'int64', true),
        field('ts_ns', 'int64', true),
      ],
      optional: false,
      name: `${this.qualified(ev)}.Envelope`,
      version: 2,
    };
  }

  private flatSchema(ev: SourceEvent): Record<string, unknown> {
    return {
      type: 'struct',
      fields: [
        ...ev.columns.map(columnSchema),
        field('__op', 'string', true),
        field('__table', 'string', true),
        field('__lsn', 'int64', true),
        field('__source_ts_ms', 'int64', true),
        field('__deleted', 'string', true),
      ],
      optional: false,
      name: `${this.qualified(ev)}.Value`,
    };
  }

  private withSchema(ev: SourceEvent, payload: unknown, flat: boolean): string {
    if (!this.spec.schemas) return connectJson(payload);
    const cacheKey = `${flat}|${this.qualified(ev)}|${JSON.stringify(ev.columns)}`;
    let schema = this.valueSchemas.get(cacheKey);
    if (!schema) this.valueSchemas.set(cacheKey, (schema = JSON.stringify(flat ? this.flatSchema(ev) : this.envelopeSchema(ev))));
    return `{"schema":${schema},"payload":${connectJson(payload)}}`;
  }

  /** The value text of a row change (or truncate) event. */
  valueText(ev: SourceEvent, def: TableDef | undefined, padZoned: boolean, opOverride?: string): string {
    const defaultIdentity = this.pg && ev.db.spec.replicaIdentity === 'default';
    let before: Record<string, unknown> | null = null;
    if (ev.before && def && ev.op !== 'c' && ev.op !== 'r') {
      if (!defaultIdentity) before = this.rowJson(ev.columns, ev.before, new Set(), padZoned);
      else if (ev.op === 'd') before = this.keyOnlyImage(ev.columns, def, ev.before);
    }
    const after = ev.after ? this.rowJson(ev.columns, ev.after, ev.unavailable, padZoned) : null;
    if (this.spec.shape === 'flat') {
      const row = ev.op === 'd' ? (before ?? this.keyOnlyImage(ev.columns, def!, ev.before!)) : after!;
      return this.withSchema(
        ev,
        { ...row, __op: opOverride ?? ev.op, __table: ev.table, __lsn: ev.lsn, __source_ts_ms: ev.tsMs, __deleted: ev.op === 'd' ? 'true' : 'false' },
        true,
      );
    }
    const ms = ev.tsMs + 3;
    return this.withSchema(
      ev,
      { before, after, source: this.source(ev), transaction: null, op: opOverride ?? ev.op, ts_ms: ms, ts_us: ms * 1000, ts_ns: ms * 1_000_000 },
      false,
    );
  }

  /**
   * REPLICA IDENTITY DEFAULT: the old tuple holds only the key. Debezium's value converters give a
   * required column they got no value for their fallback (FALLBACK), an optional one null.
   */
  private keyOnlyImage(columns: Column[], def: TableDef, before: Row): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of columns) {
      if (def.key.includes(c.name)) out[c.name] = wireValue(c, before[c.name] ?? null, false);
      else if (c.nullable) out[c.name] = null;
      else out[c.name] = FALLBACK[c.kind];
    }
    return out;
  }

  /** A transaction boundary, heartbeat or MySQL schema change record. */
  metadataRecord(ev: SourceEvent): { topic: string; key: string; value: string } {
    const s = ev.db.spec;
    const string = (f: string, optional = false) => field(f, 'string', optional);
    const doc = (name: string, fields: Record<string, unknown>[], payload: unknown) =>
      this.spec.schemas
        ? `{"schema":${JSON.stringify({ type: 'struct', fields, optional: false, name })},"payload":${JSON.stringify(payload)}}`
        : JSON.stringify(payload);
    if (ev.op === 'heartbeat') {
      return {
        topic: `__debezium-heartbeat.${s.server}`,
        key: doc('io.debezium.connector.common.ServerNameKey', [string('serverName')], { serverName: s.server }),
        value: doc('io.debezium.connector.common.Heartbeat', [field('ts_ms', 'int64', false)], { ts_ms: ev.tsMs }),
      };
    }
    if (ev.op === 'ddl') {
      return {
        topic: s.server,
        key: doc('io.debezium.connector.mysql.SchemaChangeKey', [string('databaseName')], { databaseName: s.db }),
        value: doc(
          'io.debezium.connector.mysql.SchemaChangeValue',
          [
            sourceSchema('mysql'),
            field('ts_ms', 'int64', false),
            string('databaseName', true),
            string('schemaName', true),
            string('ddl', true),
            { type: 'array', items: { type: 'struct', fields: [string('type'), string('id')], optional: false }, optional: false, field: 'tableChanges' },
          ],
          {
            source: this.source(ev),
            ts_ms: ev.tsMs,
            databaseName: s.db,
            schemaName: null,
            ddl: ev.ddl,
            tableChanges: [{ type: 'ALTER', id: `"${s.db}"."customers"` }],
          },
        ),
      };
    }
    const id = this.pg ? `${ev.txId}:${ev.lsn}` : `${s.server}-gtid:${ev.txId}`;
    const dataCollections = {
      type: 'array',
      items: { type: 'struct', fields: [string('data_collection'), field('event_count', 'int64', false)], optional: false },
      optional: true,
      field: 'data_collections',
    };
    return {
      topic: `${s.server}.transaction`,
      key: doc('io.debezium.connector.common.TransactionMetadataKey', [string('id')], { id }),
      value: doc(
        'io.debezium.connector.common.TransactionMetadataValue',
        [string('status'), string('id'), field('event_count', 'int64', true), dataCollections, field('ts_ms', 'int64', false)],
        ev.op === 'begin'
          ? { status: 'BEGIN', id, event_count: null, data_collections: null, ts_ms: ev.tsMs }
          : { status: 'END', id, event_count: ev.eventCount, data_collections: [], ts_ms: ev.tsMs },
      ),
    };
  }

  messageText(ev: SourceEvent): { key: string; value: string } {
    const payload = {
      op: 'm',
      ts_ms: ev.tsMs + 3,
      source: { ...this.source(ev), table: '', schema: '' },
      message: { prefix: 'audit', content: Buffer.from(`checkpoint ${ev.lsn}`).toString('base64') },
    };
    if (!this.spec.schemas) return { key: JSON.stringify({ prefix: 'audit' }), value: JSON.stringify(payload) };
    const keySchema = { type: 'struct', fields: [field('prefix', 'string', true)], optional: false, name: 'io.debezium.connector.postgresql.MessageKey' };
    const valueSchema = {
      type: 'struct',
      optional: false,
      name: 'io.debezium.connector.postgresql.MessageValue',
      fields: [
        field('op', 'string', false),
        field('ts_ms', 'int64', true),
        sourceSchema('postgresql'),
        {
          type: 'struct',
          optional: true,
          field: 'message',
          name: 'io.debezium.connector.postgresql.Message',
          fields: [field('prefix', 'string', true), field('content', 'bytes', true)],
        },
      ],
    };
    return {
      key: `{"schema":${JSON.stringify(keySchema)},"payload":{"prefix":"audit"}}`,
      value: `{"schema":${JSON.stringify(valueSchema)},"payload":${JSON.stringify(payload)}}`,
    };
  }
}

interface Pending {
  topic: string;
  partition: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

function deliver(spec: CorpusSpec, prng: Prng, events: SourceEvent[], silverColumns: Map<string, Map<string, Column>>, dbs: SourceDb[]): Corpus {
  const renderer = new Renderer(spec);
  const defs = new Map(tablesFor(spec.connector).map((d) => [d.name, d]));
  const queues = new Map<string, KafkaLine[]>();
  const nextOffset = new Map<string, number>();
  const append = (r: Pending) => {
    const q = `${r.topic}#${r.partition}`;
    let list = queues.get(q);
    if (!list) queues.set(q, (list = []));
    const offset = nextOffset.get(q) ?? prng.int(0, 3) * 1000; // a topic's first offset need not be 0 (retention)
    nextOffset.set(q, offset + 1);
    list.push({ topic: r.topic, partition: r.partition, offset, timestamp: r.timestamp, key: r.key, value: r.value });
  };

  // The records each connector produced, in its order: a restart replays the last ones of them.
  const produced = new Map<SourceDb, Pending[][]>(dbs.map((db) => [db, []]));
  for (const ev of events) {
    const def = defs.get(ev.table);
    const timestamp = ev.tsMs + 5;
    const padZoned = ev.db.index % 2 === 0;
    const group: Pending[] = [];
    if (ev.op === 'm') {
      const { key, value } = renderer.messageText(ev);
      group.push({ topic: `${ev.db.spec.server}.message`, partition: partitionOf(key, spec.partitions, prng), key, value, timestamp });
    } else if (ev.op === 'begin' || ev.op === 'end' || ev.op === 'heartbeat' || ev.op === 'ddl') {
      const { topic, key, value } = renderer.metadataRecord(ev);
      group.push({ topic, partition: ev.op === 'heartbeat' || ev.op === 'ddl' ? 0 : partitionOf(key, spec.partitions, prng), key, value, timestamp });
    } else if (ev.op === 't') {
      const topic = topicOf(spec, ev.db, ev.table);
      group.push({ topic, partition: partitionOf(null, spec.partitions, prng), key: null, value: renderer.valueText(ev, def, padZoned), timestamp });
    } else {
      const topic = topicOf(spec, ev.db, ev.table);
      const key = renderer.keyText(ev, def!, (ev.after ?? ev.before)!);
      const partition = partitionOf(key, spec.partitions, prng);
      const flatDeletes = spec.flatDeletes ?? 'rewrite';
      if (!(ev.op === 'd' && spec.shape === 'flat' && flatDeletes === 'tombstone'))
        group.push({ topic, partition, key, value: renderer.valueText(ev, def, padZoned), timestamp });
      // A delete is followed by a tombstone, unless ExtractNewRecordState drops it (its default). The SMT's
      // own tombstones are null values that kept their schema, which JsonConverter writes as such.
      if (ev.op === 'd' && (spec.shape === 'envelope' || flatDeletes === 'rewrite+tombstone')) group.push({ topic, partition, key, value: null, timestamp });
      if (ev.op === 'd' && spec.shape === 'flat' && flatDeletes === 'tombstone') {
        const value = spec.schemas ? `{"schema":${JSON.stringify(JSON.parse(renderer.valueText(ev, def, padZoned)).schema)},"payload":null}` : 'null';
        group.push({ topic, partition, key, value, timestamp });
      }
    }
    produced.get(ev.db)!.push(group);
  }

  // Kafka Connect restarts: a connector resumes from its last committed offset, so it sends its last
  // few records again, at new offsets, with the same source positions.
  for (const [, groups] of produced) {
    const out: Pending[][] = [];
    groups.forEach((g, i) => {
      out.push(g);
      if (i > 10 && prng.chance(0.012)) out.push(...groups.slice(i - prng.int(1, 8), i + 1));
    });
    for (const g of out) for (const r of g) append(r);
  }

  // Malformed records, each on a fresh key the truth never holds.
  let deadLetters = 0;
  if (spec.malformed) {
    for (const db of dbs) {
      const customers = db.tables.get('customers')!;
      const topic = topicOf(spec, db, 'customers');
      let badId = 900_000 + db.index * 1000;
      const badEvent = (op: SourceEvent['op'] = 'c'): SourceEvent => {
        const row: Row = {};
        for (const c of customers.columns) row[c.name] = randomValue(prng, c);
        row.id = badId++;
        return {
          db,
          table: 'customers',
          op,
          before: null,
          after: row,
          unavailable: new Set(),
          columns: customers.columns,
          snapshot: 'false',
          lsn: db.lsn + 10_000_000,
          lastCommitLsn: db.lastCommitLsn,
          txId: db.txId + 1000,
          file: db.binlogFile,
          pos: db.binlogPos + 10_000_000,
          row: 0,
          tsMs: db.tsMs,
        };
      };
      const keyed = (ev: SourceEvent, value: string | null, key: string | null = renderer.keyText(ev, customers.def, ev.after!)) => ({
        topic,
        partition: partitionOf(key ?? '', spec.partitions, prng),
        key,
        value,
        timestamp: db.tsMs,
      });
      const bad: Pending[] = [];
      let ev = badEvent();
      bad.push(keyed(ev, `{"schema":{"type":"struct","fields":[`)); // cut short: not JSON
      ev = badEvent();
      bad.push(
        keyed(ev, spec.schemas ? JSON.stringify({ schema: JSON.parse(renderer.valueText(ev, customers.def, true)).schema }) : '{"schema":null,"payload":null}'),
      );
      ev = badEvent();
      bad.push(keyed(ev, renderer.valueText(ev, customers.def, true, 'x'))); // unknown op
      ev = badEvent();
      bad.push(keyed(ev, renderer.valueText(ev, customers.def, true), null)); // a keyed table's record without its key
      if (spec.schemas) {
        ev = badEvent();
        const doc = JSON.parse(renderer.valueText(ev, customers.def, true));
        (spec.shape === 'flat' ? doc.payload : doc.payload.after).id = `id-${badId}`; // int32 column holding a string
        bad.push(keyed(ev, JSON.stringify(doc)));
        ev = badEvent();
        ev.after!.balance = '123456789012.34'; // 14 digits in a decimal(12,2)
        bad.push(keyed(ev, renderer.valueText(ev, customers.def, true)));
      }
      for (const r of bad) append(r);
      deadLetters += bad.length;
    }
  }

  // A consumer reads partitions at their own pace: take a few records from one partition, then another.
  // Now and then a record comes twice, and a rebalance makes it read a partition again from an older
  // committed offset: the same records, same offsets, later in the stream.
  const lines: string[] = [];
  const cursors = [...queues.values()].map((list) => ({ list, at: 0 }));
  const open = () => cursors.filter((c) => c.at < c.list.length);
  for (let live = open(); live.length > 0; live = open()) {
    const c = prng.pick(live);
    if (c.at > 20 && prng.chance(0.01)) c.at -= prng.int(5, 20);
    for (let n = prng.int(1, 12); n > 0 && c.at < c.list.length; n--) {
      // Offsets and timestamps as kafkajs hands them over (and a dump of them writes): decimal strings.
      const r = c.list[c.at++]!;
      const line = JSON.stringify({ ...r, offset: String(r.offset), timestamp: String(r.timestamp) });
      lines.push(line);
      if (prng.chance(0.01)) lines.push(line); // an exact duplicate
    }
  }

  return { lines, truth: truthOf(spec, dbs, silverColumns), deadLetters };
}

function truthOf(spec: CorpusSpec, dbs: SourceDb[], silverColumns: Map<string, Map<string, Column>>): Map<string, TruthRow[]> {
  const truth = new Map<string, TruthRow[]>();
  for (const [table, columns] of silverColumns) {
    const rows: TruthRow[] = [];
    for (const db of dbs) {
      const padZoned = db.index % 2 === 0;
      for (const row of db.tables.get(table)!.rows.values()) {
        const out: TruthRow = {};
        for (const c of columns.values()) {
          const v = row[c.name] ?? null;
          out[c.name] = spec.schemas ? canonical(c.kind, c, v) : canonicalSchemaless(c, v, padZoned);
        }
        rows.push(out);
      }
    }
    truth.set(table, rows);
  }
  return truth;
}

/** Rows as sorted JSON lines with sorted keys: equal lists mean equal multisets. */
export function normalizedRows(rows: readonly Record<string, unknown>[]): string[] {
  return rows
    .map((r) =>
      JSON.stringify(
        Object.fromEntries(
          Object.entries(r)
            .filter(([k]) => !k.startsWith('__'))
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        ),
      ),
    )
    .sort();
}

/**
 * What silver must hold for the rows MariaDB holds, column by column, in the canonical encoding of
 * `lakehouse cat --format ndjson` (as postgres-types-expected.ts says; read it first). MariaDB's
 * values are read in a UTC session, so TIMESTAMP columns read as the UTC instants Debezium sends.
 *
 * With schemas each Debezium type has its Delta type; Bits are the value's little-endian bytes, one
 * byte per started 8 bits; a point or any geometry is its WKB. Without schemas silver holds what
 * Debezium sent, typed by its JSON (a geometry as the JSON text of Debezium's struct).
 */
import type { SQL } from 'bun';
import {
  beforeTruncateTable,
  truncatedColumns,
  truncatedKey,
  truncatedTable,
  typeColumns,
  typeKey,
  typesTable,
  type SourceColumn,
  type ValueKind,
} from './mariadb-types-support.ts';

type Row = Record<string, unknown>;

/** Reads each kind from MariaDB as text (or a number) that the converters below finish. */
function selectExpression(column: string, kind: ValueKind): string {
  const c = `\`${column}\``;
  switch (kind) {
    case 'int':
    case 'year':
      return `CAST(${c} AS SIGNED)`;
    case 'boolean':
      return `${c} + 0`;
    case 'bits':
      return `BIN(${c} + 0)`;
    case 'binary':
      return `LOWER(HEX(${c}))`;
    case 'point': // Debezium's Point: x, y and the WKB; MariaDB's own SRID 0 arrives as null
      return `CAST(IF(${c} IS NULL, NULL, JSON_ARRAY(ST_X(${c}), ST_Y(${c}), LOWER(HEX(ST_AsBinary(${c}))))) AS CHAR)`;
    case 'geometry':
      return `LOWER(HEX(ST_AsBinary(${c})))`;
    case 'date':
      return `DATE_FORMAT(${c}, '%Y-%m-%d')`;
    case 'micro-time': // a duration, as MariaDB prints it: may be negative or past 24 hours
      return `CAST(CAST(${c} AS TIME(6)) AS CHAR)`;
    case 'milli-timestamp':
    case 'micro-timestamp':
    case 'zoned-timestamp':
      return `DATE_FORMAT(${c}, '%Y-%m-%dT%H:%i:%s.%f')`;
    case 'float':
    case 'double':
      return `CAST(${c} AS DOUBLE)`;
    case 'bigint':
    case 'unsigned-bigint':
    case 'decimal':
    case 'text':
    case 'json':
      return `CAST(${c} AS CHAR)`;
  }
}

/** A bit string as Debezium's Bits for a bit(n) column: little-endian bytes, ceil(n / 8) of them. */
function bitsBytes(bits: string, width: number): Buffer {
  let n = BigInt('0b' + bits);
  const bytes: number[] = [];
  for (let i = 0; i < Math.ceil(width / 8); i++, n >>= 8n) bytes.push(Number(n & 0xffn));
  return Buffer.from(bytes);
}

/** The unscaled value of a decimal's text as big-endian two's complement bytes (Connect's Decimal), base64. */
function unscaledBase64(decimal: string): string {
  let n = BigInt(decimal.replace('.', ''));
  const bytes: number[] = [];
  for (;;) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
    if ((n === 0n && (bytes[0]! & 0x80) === 0) || (n === -1n && (bytes[0]! & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes).toString('base64');
}

/** The shortest decimal text that reads back as the float32 `f` (what the JSON of a FLOAT32 holds). */
function float32Text(f: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const n = Number(f.toPrecision(digits));
    if (Math.fround(n) === f) return n;
  }
  return f;
}

/** '[-]H:MM:SS.ffffff' -> its microseconds (Debezium's MicroTime of a MariaDB TIME). */
function durationMicros(t: string): bigint {
  const [, sign, h, m, sec, frac] = /^(-?)(\d+):(\d\d):(\d\d)\.(\d{6})$/.exec(t)!;
  const micros = ((BigInt(h!) * 60n + BigInt(m!)) * 60n + BigInt(sec!)) * 1_000_000n + BigInt(frac!);
  return sign === '-' ? -micros : micros;
}

const timestampMicros = (t: string) => BigInt(Date.parse(t.slice(0, 23) + 'Z')) * 1000n + BigInt(t.slice(23, 26));

/** The canonical silver value with schemas, from what selectExpression read. */
function withSchema(column: SourceColumn, v: unknown): unknown {
  if (v === null) return null;
  switch (column.kind) {
    case 'float':
      return Math.fround(Number(v));
    case 'double':
      return Number(v);
    case 'boolean':
      return Number(v) === 1;
    case 'bits':
      return bitsBytes(String(v), Number(/\((\d+)\)/.exec(column.type)![1])).toString('hex');
    case 'int':
    case 'year':
      return Number(v);
    case 'milli-timestamp': // Debezium's Timestamp: milliseconds
      return String(v).slice(0, 23) + '000';
    case 'point': // silver holds the WKB
      return (JSON.parse(String(v)) as [number, number, string])[2];
    default:
      return String(v);
  }
}

/** The silver value without schemas: Debezium's JSON value for the column, typed by its JSON. */
function withoutSchema(kind: ValueKind, canonical: unknown, source: unknown): unknown {
  if (canonical === null) return null;
  const text = String(canonical);
  switch (kind) {
    case 'int':
    case 'year':
      return text;
    case 'micro-time':
      return String(durationMicros(text));
    case 'float':
      return float32Text(canonical as number);
    case 'decimal':
    case 'unsigned-bigint':
      return unscaledBase64(text);
    case 'binary':
    case 'bits':
      return Buffer.from(text, 'hex').toString('base64');
    case 'date':
      return String(Date.parse(text + 'T00:00:00Z') / 86_400_000);
    case 'milli-timestamp':
      return String(timestampMicros(text) / 1000n);
    case 'micro-timestamp':
      return String(timestampMicros(text));
    case 'zoned-timestamp':
      return text + 'Z';
    case 'point': {
      const [x, y] = JSON.parse(String(source)) as [number, number, string];
      return JSON.stringify({ x, y, wkb: Buffer.from(text, 'hex').toString('base64'), srid: null });
    }
    case 'geometry':
      return JSON.stringify({ wkb: Buffer.from(text, 'hex').toString('base64'), srid: null });
    default:
      return source === null ? null : canonical;
  }
}

const tables: Record<string, { key: readonly SourceColumn[]; columns: readonly SourceColumn[] }> = {
  [typesTable]: { key: typeKey, columns: typeColumns },
  [truncatedTable]: { key: truncatedKey, columns: truncatedColumns },
};

/**
 * The rows silver must hold for `table`, and its primary key. With `withTruncated`, the rows of the
 * truncated table that only the truncate removed too: silver keeps them when its topics carry no
 * truncate (flattened). `sql` must be a UTC session.
 */
export async function expectedRows(sql: SQL, table: string, schemas: boolean, withTruncated = false): Promise<{ key: string[]; rows: Row[] }> {
  const spec = tables[table];
  if (!spec) throw new Error(`no expectations for table ${table}`);
  const columns = [...spec.key, ...spec.columns];
  const select = columns.map((c) => `${selectExpression(c.name, c.kind)} AS \`${c.name}\``).join(', ');
  const from = withTruncated && table === truncatedTable ? `(SELECT * FROM ${truncatedTable} UNION ALL SELECT * FROM ${beforeTruncateTable}) s` : table;
  const read = (await sql.unsafe(`SELECT ${select} FROM ${from}`)) as Row[];
  const rows = read.map((source) => {
    const row: Row = {};
    for (const c of columns) {
      const canonical = withSchema(c, source[c.name]);
      row[c.name] = schemas ? canonical : withoutSchema(c.kind, canonical, source[c.name]);
    }
    return row;
  });
  return { key: spec.key.map((c) => c.name), rows };
}

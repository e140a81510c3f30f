/**
 * What silver must hold for the rows PostgreSQL holds, column by column, in the canonical encoding of
 * `lakehouse cat --format ndjson` (int64 and decimals as strings, binary as hex, dates 'YYYY-MM-DD',
 * timestamps 'YYYY-MM-DDTHH:MM:SS.ffffff' UTC, NaN and infinities as strings).
 *
 * With schemas, each Debezium logical type has its Delta type (src/cdc/connect-schema.ts); a type Delta
 * has no equivalent for is Debezium's documented representation: ZonedTime as UTC text, MicroDuration
 * as microseconds at 365.25/12 days a month, Bits as its little-endian bytes, a point as its WKB.
 *
 * Without schemas nothing says what a JSON value stands for, so silver holds what Debezium sent, typed
 * by its JSON: integers as long, numbers written with a fraction or exponent as double, strings as
 * they are (decimals as base64 of the unscaled value, dates and times as epoch counts), objects and
 * arrays as JSON text.
 */
import type { SQL } from 'bun';
import {
  toastColumns,
  toastKey,
  toastTable,
  truncatedToastTable,
  typeColumns,
  typeKey,
  typesTable,
  type SourceColumn,
  type ValueKind,
} from './postgres-types-support.ts';

type Row = Record<string, unknown>;

/** Reads each kind from PostgreSQL as text or JSON that the converters below finish. */
function selectExpression(column: string, kind: ValueKind): string {
  const c = `"${column}"`;
  switch (kind) {
    case 'int':
    case 'boolean':
    case 'text':
    case 'array':
      return c;
    case 'decimal': // money prints with a currency sign
      return `${c}::numeric::text`;
    case 'bytea':
      return `encode(${c}, 'hex')`;
    case 'date':
      return `to_char(${c}, 'YYYY-MM-DD')`;
    case 'micro-time':
    case 'milli-time':
      return `to_char(${c}, 'HH24:MI:SS.US')`;
    case 'zoned-time': // PostgreSQL prints the fraction only as long as needed, as Debezium does
      return `((${c} AT TIME ZONE 'UTC')::time)::text || 'Z'`;
    case 'micro-timestamp':
    case 'milli-timestamp':
      return `to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
    case 'zoned-timestamp':
      return `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
    case 'interval': // Debezium's MicroDuration: a month is 365.25 / 12 days
      return `(((extract(year from ${c}) * 12 + extract(month from ${c})) * 2629800000000 + extract(day from ${c}) * 86400000000
        + extract(hour from ${c}) * 3600000000 + extract(minute from ${c}) * 60000000 + extract(microseconds from ${c}))::bigint)::text`;
    case 'point':
      return `CASE WHEN ${c} IS NULL THEN NULL ELSE json_build_array(${c}[0], ${c}[1]) END`;
    case 'hstore':
      return `hstore_to_json(${c})`;
    case 'bigint':
    case 'json': // as text, not nested by row_to_json
    case 'variable-decimal':
    case 'real':
    case 'double':
    case 'bits':
      return `${c}::text`;
  }
}

const nonFinite = new Set(['NaN', 'Infinity', '-Infinity']);
const floatValue = (text: string, round: (n: number) => number) => (nonFinite.has(text) ? text : round(Number(text)));

/** A bit string as Debezium's Bits: the value's bytes, least significant first, no trailing zero bytes. */
function bitsBytes(bits: string): Buffer {
  let n = bits === '' ? 0n : BigInt('0b' + bits);
  const bytes: number[] = [];
  for (; n > 0n; n >>= 8n) bytes.push(Number(n & 0xffn));
  return Buffer.from(bytes);
}

/** A point as well-known binary, little-endian. */
function pointWkb(x: number, y: number): Buffer {
  const wkb = Buffer.alloc(21);
  wkb.writeUInt8(1, 0);
  wkb.writeUInt32LE(1, 1);
  wkb.writeDoubleLE(x, 5);
  wkb.writeDoubleLE(y, 13);
  return wkb;
}

/** The unscaled value of a decimal's text as big-endian two's complement bytes (Connect's Decimal), base64. */
function unscaledBase64(decimal: string): string {
  let n = BigInt(decimal.replace('.', ''));
  const bytes: number[] = [];
  // Shortest form that keeps the sign bit: stop once the rest is all sign and the top byte agrees.
  for (;;) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
    if ((n === 0n && (bytes[0]! & 0x80) === 0) || (n === -1n && (bytes[0]! & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes).toString('base64');
}

const fractionDigits = (decimal: string) => (decimal.includes('.') ? decimal.length - decimal.indexOf('.') - 1 : 0);
const timeOfDayMicros = (t: string) =>
  BigInt(Number(t.slice(0, 2)) * 3600 + Number(t.slice(3, 5)) * 60 + Number(t.slice(6, 8))) * 1_000_000n + BigInt(t.slice(9, 15));
const timestampMicros = (t: string) => BigInt(Date.parse(t.slice(0, 23) + 'Z')) * 1000n + BigInt(t.slice(23, 26));

/** The canonical silver value with schemas, from what selectExpression read. */
function withSchema(kind: ValueKind, v: unknown): unknown {
  if (v === null) return null;
  switch (kind) {
    case 'real':
      return floatValue(v as string, Math.fround);
    case 'double':
      return floatValue(v as string, (n) => n);
    case 'bits':
      return bitsBytes(v as string).toString('hex');
    case 'point': {
      const [x, y] = v as [number, number];
      return pointWkb(x, y).toString('hex');
    }
    case 'hstore':
      return JSON.stringify(v);
    default:
      return v;
  }
}

/**
 * The silver value without schemas: Debezium's JSON value for the column, typed by its JSON. Mostly
 * derived from the canonical value with schemas; a real is the double its JSON text reads as.
 */
function withoutSchema(kind: ValueKind, canonical: unknown, source: unknown): unknown {
  if (canonical === null) return null;
  const text = canonical as string;
  switch (kind) {
    case 'real':
      return floatValue(source as string, (n) => n);
    case 'int':
      return String(canonical);
    case 'decimal':
      return unscaledBase64(text);
    case 'variable-decimal':
      return JSON.stringify({ scale: fractionDigits(text), value: unscaledBase64(text) });
    case 'bytea':
      return Buffer.from(text, 'hex').toString('base64');
    case 'date':
      return String(Date.parse(text + 'T00:00:00Z') / 86_400_000);
    case 'micro-time':
      return String(timeOfDayMicros(text));
    case 'milli-time':
      return String(timeOfDayMicros(text) / 1000n);
    case 'micro-timestamp':
      return String(timestampMicros(text));
    case 'milli-timestamp':
      return String(timestampMicros(text) / 1000n);
    case 'zoned-timestamp':
      return text + 'Z';
    case 'bits':
      return Buffer.from(text, 'hex').toString('base64');
    case 'array':
      return JSON.stringify(canonical);
    case 'point': {
      const wkb = Buffer.from(text, 'hex');
      return JSON.stringify({ x: wkb.readDoubleLE(5), y: wkb.readDoubleLE(13), wkb: wkb.toString('base64'), srid: null });
    }
    default:
      return canonical;
  }
}

const tables: Record<string, { key: readonly SourceColumn[]; columns: readonly SourceColumn[] }> = {
  [typesTable]: { key: typeKey, columns: typeColumns },
  [toastTable]: { key: toastKey, columns: toastColumns },
};

/**
 * The rows silver must hold for `table`, and its primary key. With `withTruncated`, the rows of the
 * TOASTed table that only the truncate removed too: silver keeps them when its topics carry no
 * truncate (flattened).
 */
export async function expectedRows(sql: SQL, table: string, schemas: boolean, withTruncated = false): Promise<{ key: string[]; rows: Row[] }> {
  const spec = tables[table];
  if (!spec) throw new Error(`no expectations for table ${table}`);
  const columns = [...spec.key, ...spec.columns];
  const select = columns.map((c) => `${selectExpression(c.name, c.kind)} AS "${c.name}"`).join(', ');
  const from = withTruncated && table === toastTable ? `(SELECT * FROM ${toastTable} UNION ALL SELECT * FROM ${truncatedToastTable}) s` : table;
  const read = (await sql.unsafe(`SELECT row_to_json(t)::text AS j FROM (SELECT ${select} FROM ${from}) t`)) as { j: string }[];
  const rows = read.map(({ j }) => {
    const source = JSON.parse(j) as Row;
    const row: Row = {};
    for (const c of columns) {
      const canonical = withSchema(c.kind, source[c.name]);
      row[c.name] = schemas ? canonical : withoutSchema(c.kind, canonical, source[c.name]);
    }
    return row;
  });
  return { key: spec.key.map((c) => c.name), rows };
}

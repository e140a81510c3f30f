/**
 * Kafka Connect schemas (as JsonConverter writes them) compiled into Delta column types and value
 * converters, once per schema.
 *
 * Type decisions (Debezium logical type -> Delta type, canonical value):
 *  - io.debezium.time.Date, connect Date (days)                -> date 'YYYY-MM-DD'
 *  - io.debezium.time.Time / MicroTime / NanoTime, connect Time -> string 'HH:MM:SS.ffffff' (Delta has no
 *    time-of-day type; the text sorts and reads well)
 *  - io.debezium.time.ZonedTime                                 -> string, as sent (UTC, the fraction only as long
 *    as needed: '10:34:56.789Z', '00:00:00Z')
 *  - io.debezium.time.Timestamp / MicroTimestamp / NanoTimestamp, connect Timestamp -> timestamp_ntz:
 *    they come from columns without time zone (PostgreSQL TIMESTAMP, MySQL DATETIME), encoded as if UTC
 *  - io.debezium.time.ZonedTimestamp (ISO text with offset)    -> timestamp, converted to UTC
 *  - connect Decimal (base64 unscaled, `scale`, `connect.decimal.precision` or 38) -> decimal(p,s) as text;
 *    precision over 38 (Delta's limit) -> string
 *  - io.debezium.data.VariableScaleDecimal {scale, value}     -> string (its scale varies per value, a Delta
 *    decimal column cannot hold that)
 *  - Json, Uuid, Enum, EnumSet, Xml, Ltree, Interval           -> string
 *  - Bits, bytes                                               -> binary (hex)
 *  - geometry.Geometry / Geography / Point {wkb, srid}         -> binary (the WKB)
 *  - Year -> integer, MicroDuration -> long
 *  - int8/16/32/64 -> byte/short/integer/long (long as text), float/double (JsonConverter's names for Connect's
 *    float32/64) -> float/double, boolean, string
 *  - array -> array of the element type; map and other structs -> string (JSON text)
 * Int64 values past 2^53 arrive as bigints (parseJson), so MicroTimestamp and NanoTimestamp stay exact;
 * we keep microseconds.
 */
import type { DataType } from '../delta/schema.ts';
import {
  InvalidValue,
  base64ToHex,
  daysToDate,
  decimalText,
  expectInt64,
  expectInteger,
  expectNumber,
  expectString,
  jsonText,
  longText,
  microsToTimeOfDay,
  microsToTimestamp,
  nanosToMicros,
  unscaledFromBase64,
  zonedToUtcTimestamp,
  type CanonicalValue,
} from './values.ts';
import { isArrayForm, type UnavailableForms } from './unavailable-value.ts';

export interface ConnectSchema {
  type: string;
  optional?: boolean;
  name?: string;
  version?: number;
  parameters?: Record<string, string>;
  default?: unknown;
  field?: string;
  fields?: ConnectSchema[];
  items?: ConnectSchema;
  keys?: ConnectSchema;
  values?: ConnectSchema;
}

/** One column of a decoded row: its Delta type and where it came from. */
export interface ColumnSpec {
  name: string;
  type: DataType;
  nullable: boolean;
  /** The Connect type (`int32`, `string`, ...), or the JSON type when inferred without a schema. */
  connectType: string;
  /** The Connect logical type name (`io.debezium.time.Date`, ...), when there is one. */
  logicalName?: string;
  /** Inferred without a schema from null values only: `type` is a placeholder to be widened later. */
  typeUnknown?: boolean;
}

export type ValueConverter = (v: unknown) => CanonicalValue;

interface CompiledValue {
  type: DataType;
  convert: ValueConverter;
  /** Which form Debezium's unavailable-value placeholder takes in this column, if it can appear. */
  placeholderEncoding: keyof UnavailableForms | null;
}

const MAX_DELTA_PRECISION = 38;

const identityString: ValueConverter = (v) => expectString(v);
const identityInteger: ValueConverter = (v) => expectInteger(v);
/** An integer type's values must fit it: the Parquet writer would refuse a whole batch for one that does not. */
const integerIn =
  (type: string, min: number, max: number): ValueConverter =>
  (v) => {
    const n = expectInteger(v);
    if (n < min || n > max) throw new InvalidValue(`${n} does not fit ${type}`);
    return n;
  };
const int8Value = integerIn('int8', -128, 127);
const int16Value = integerIn('int16', -32768, 32767);
const int32Value = integerIn('int32', -2147483648, 2147483647);
const identityNumber: ValueConverter = (v) => expectNumber(v);
const identityBoolean: ValueConverter = (v) => {
  if (typeof v === 'boolean') return v;
  throw new InvalidValue(`expected a boolean, got ${typeof v}`);
};
const bytesToHex: ValueConverter = (v) => base64ToHex(expectString(v));
const expectStruct = (v: unknown): Record<string, unknown> => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  throw new InvalidValue(`expected a struct, got ${Array.isArray(v) ? 'array' : typeof v}`);
};

function compileLogical(schema: ConnectSchema): CompiledValue | undefined {
  switch (schema.name) {
    case 'io.debezium.time.Date':
    case 'org.apache.kafka.connect.data.Date':
      return { type: 'date', convert: (v) => daysToDate(expectInteger(v)), placeholderEncoding: null };
    case 'io.debezium.time.Time':
    case 'org.apache.kafka.connect.data.Time':
      return { type: 'string', convert: (v) => microsToTimeOfDay(expectInteger(v) * 1000), placeholderEncoding: null };
    case 'io.debezium.time.MicroTime':
      return { type: 'string', convert: (v) => microsToTimeOfDay(expectInteger(v)), placeholderEncoding: null };
    case 'io.debezium.time.NanoTime':
      return { type: 'string', convert: (v) => microsToTimeOfDay(Math.floor(expectInteger(v) / 1000)), placeholderEncoding: null };
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
      return { type: 'timestamp_ntz', convert: (v) => microsToTimestamp(expectInteger(v) * 1000), placeholderEncoding: null };
    case 'io.debezium.time.MicroTimestamp':
      return { type: 'timestamp_ntz', convert: (v) => microsToTimestamp(expectInt64(v)), placeholderEncoding: null };
    case 'io.debezium.time.NanoTimestamp':
      return { type: 'timestamp_ntz', convert: (v) => microsToTimestamp(nanosToMicros(expectInt64(v))), placeholderEncoding: null };
    case 'io.debezium.time.ZonedTimestamp':
      return { type: 'timestamp', convert: (v) => zonedToUtcTimestamp(expectString(v)), placeholderEncoding: 'text' };
    case 'org.apache.kafka.connect.data.Decimal':
      return compileDecimal(schema);
    case 'io.debezium.data.VariableScaleDecimal':
      return {
        type: 'string',
        convert: (v) => {
          const s = expectStruct(v);
          return decimalText(unscaledFromBase64(expectString(s.value)), expectInteger(s.scale));
        },
        placeholderEncoding: null,
      };
    case 'io.debezium.data.Json':
    case 'io.debezium.data.Uuid':
    case 'io.debezium.data.Enum':
    case 'io.debezium.data.EnumSet':
    case 'io.debezium.data.Xml':
    case 'io.debezium.data.Ltree':
    case 'io.debezium.time.Interval':
    case 'io.debezium.time.ZonedTime':
      return { type: 'string', convert: identityString, placeholderEncoding: 'text' };
    case 'io.debezium.data.Bits':
      return { type: 'binary', convert: bytesToHex, placeholderEncoding: 'base64' };
    case 'io.debezium.data.geometry.Geometry':
    case 'io.debezium.data.geometry.Geography':
    case 'io.debezium.data.geometry.Point':
      return {
        type: 'binary',
        convert: (v) => {
          const wkb = expectStruct(v).wkb;
          return wkb === null || wkb === undefined ? null : base64ToHex(expectString(wkb));
        },
        placeholderEncoding: null,
      };
    case 'io.debezium.time.Year':
      return { type: 'integer', convert: identityInteger, placeholderEncoding: null };
    case 'io.debezium.time.MicroDuration':
      return { type: 'long', convert: longText, placeholderEncoding: null };
    default:
      return undefined;
  }
}

function unscaledFromNumber(v: number, scale: number): bigint {
  const text = v.toFixed(scale);
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new InvalidValue(`${v} is not a decimal of scale ${scale}`);
  return BigInt(text.replace('.', ''));
}

function compileDecimal(schema: ConnectSchema): CompiledValue {
  const scale = Number(schema.parameters?.scale ?? 0);
  const precision = Number(schema.parameters?.['connect.decimal.precision'] ?? MAX_DELTA_PRECISION);
  const fits = Number.isInteger(scale) && scale >= 0 && precision <= MAX_DELTA_PRECISION && scale <= precision;
  // A value with more digits than its declared precision would make the Parquet writer refuse the batch.
  const limit = 10n ** BigInt(fits ? precision : 0);
  const checked = (unscaled: bigint) => {
    if (fits && (unscaled >= limit || unscaled <= -limit))
      throw new InvalidValue(`${decimalText(unscaled, scale)} does not fit decimal(${precision},${scale})`);
    return decimalText(unscaled, scale);
  };
  return {
    type: fits ? `decimal(${precision},${scale})` : 'string',
    // JsonConverter sends base64 bytes by default, a JSON number with decimal.format=NUMERIC.
    convert: (v) => checked(typeof v === 'number' ? unscaledFromNumber(v, scale) : unscaledFromBase64(expectString(v))),
    placeholderEncoding: null,
  };
}

export function compileValue(schema: ConnectSchema): CompiledValue {
  const logical = schema.name ? compileLogical(schema) : undefined;
  if (logical) return logical;
  switch (schema.type) {
    case 'int8':
      return { type: 'byte', convert: int8Value, placeholderEncoding: null };
    case 'int16':
      return { type: 'short', convert: int16Value, placeholderEncoding: null };
    case 'int32':
      return { type: 'integer', convert: int32Value, placeholderEncoding: null };
    case 'int64':
      return { type: 'long', convert: longText, placeholderEncoding: null };
    // JsonConverter names them float and double; float32 and float64 are Connect's own names.
    case 'float':
    case 'float32':
      return { type: 'float', convert: identityNumber, placeholderEncoding: null };
    case 'double':
    case 'float64':
      return { type: 'double', convert: identityNumber, placeholderEncoding: null };
    case 'boolean':
      return { type: 'boolean', convert: identityBoolean, placeholderEncoding: null };
    case 'string':
      return { type: 'string', convert: identityString, placeholderEncoding: 'text' };
    case 'bytes':
      return { type: 'binary', convert: bytesToHex, placeholderEncoding: 'base64' };
    case 'array': {
      if (!schema.items) throw new InvalidValue('array schema without items');
      const element = compileValue(schema.items);
      const integers = !schema.items.name && ['int16', 'int32', 'int64'].includes(schema.items.type);
      return {
        type: { type: 'array', elementType: element.type, containsNull: schema.items.optional ?? true },
        convert: (v) => {
          if (!Array.isArray(v)) throw new InvalidValue(`expected an array, got ${typeof v}`);
          return v.map((item) => (item === null ? null : element.convert(item)));
        },
        placeholderEncoding: element.placeholderEncoding === 'text' ? 'textArray' : integers ? 'byteArray' : null,
      };
    }
    case 'map':
    case 'struct':
      return { type: 'string', convert: jsonText, placeholderEncoding: null };
    default:
      throw new InvalidValue(`unknown Connect schema type '${schema.type}'`);
  }
}

/**
 * A struct schema compiled for rows: parallel arrays so converting a row is one tight loop that
 * rewrites the parsed JSON object in place.
 */
export interface CompiledRow {
  readonly columns: readonly ColumnSpec[];
  readonly names: readonly string[];
  readonly converters: readonly ValueConverter[];
  /** Per column, the value that marks it unavailable (unchanged TOAST): text, or an array; or null. */
  readonly placeholders: readonly (string | readonly (string | number)[] | null)[];
}

export function compileRow(struct: ConnectSchema, unavailableValue: UnavailableForms): CompiledRow {
  if (struct.type !== 'struct' || !Array.isArray(struct.fields)) throw new InvalidValue('row schema is not a struct');
  const columns: ColumnSpec[] = [];
  const converters: ValueConverter[] = [];
  const placeholders: CompiledRow['placeholders'][number][] = [];
  for (const f of struct.fields) {
    if (typeof f.field !== 'string') throw new InvalidValue('struct field without a name');
    const compiled = compileValue(f);
    columns.push({
      name: f.field,
      type: compiled.type,
      nullable: f.optional ?? false,
      connectType: f.type,
      ...(f.name ? { logicalName: f.name } : {}),
    });
    converters.push(compiled.convert);
    placeholders.push(compiled.placeholderEncoding === null ? null : unavailableValue[compiled.placeholderEncoding]);
  }
  return { columns, names: columns.map((c) => c.name), converters, placeholders };
}

/**
 * Converts a parsed row in place to canonical values. Absent fields stay absent (partial before
 * images). Placeholder values become null and their names are returned, so the caller can keep the
 * previous value; null when there are none (the common case allocates nothing).
 */
export function convertRow(compiled: CompiledRow, row: Record<string, unknown>, unavailable: Set<string> | null): Set<string> | null {
  const { names, converters, placeholders } = compiled;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const v = row[name];
    if (v === null || v === undefined) continue;
    const placeholder = placeholders[i];
    if (v === placeholder || (typeof placeholder === 'object' && placeholder !== null && isArrayForm(v, placeholder))) {
      row[name] = null;
      (unavailable ??= new Set()).add(name);
      continue;
    }
    row[name] = converters[i]!(v);
  }
  return unavailable;
}

/**
 * The canonical value encoding of a Delta row, shared by `lakehouse cat --format ndjson`, the API and the
 * conformance expectations: lossless JSON.
 *
 * - byte/short/integer/float/double: JSON numbers; NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity"
 * - long and decimal: strings (decimal at its exact scale, "10.000")
 * - binary: lowercase hex; date: YYYY-MM-DD
 * - timestamp and timestamp_ntz: YYYY-MM-DDTHH:MM:SS.ffffff, the stored instant rendered in UTC, no zone suffix
 * - array: array; struct: object by logical field name; map: array of [key, value] pairs
 *
 * Values are decoded by the Delta type, not by the arrow type of the file, so one decoder handles
 * widened columns (an int32 file column read as long) and INT96 timestamps (arrow nanoseconds).
 * Decoders are compiled once per record batch and column, then called per row.
 */
import { DataType as Arrow, type Data, type Field } from 'apache-arrow';
import { isArray, isMap, isStruct, parseDecimal, type DataType } from './schema.ts';
import { findArrowField, type ColumnMappingMode } from './column-mapping.ts';
import { corruptTable, unsupportedFeature } from '../core/errors.ts';

export type Value = null | boolean | number | string | Value[] | { [name: string]: Value };

export type Decoder = (index: number) => Value;

// ---- formatting ----

const MICROS_PER_DAY = 86_400_000_000n;

export function formatFloat(n: number): number | string {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

export function formatDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** Microseconds since the epoch, rendered in UTC with six fractional digits. */
export function formatTimestamp(micros: bigint): string {
  let ms = micros / 1000n;
  let sub = micros % 1000n;
  if (sub < 0n) {
    ms -= 1n;
    sub += 1000n;
  }
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 23)}${sub.toString().padStart(3, '0')}`;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
  return out;
}

// ---- partition values (PROTOCOL.md, "Partition Value Serialization") ----

const utf8 = new TextEncoder();

/**
 * A partition value from add.partitionValues, decoded by its Delta type. null and the empty string are
 * null for every type, as Spark reads them (Spark cannot even write an empty string partition: it
 * stores it as null), so writers must not rely on "" surviving as a partition value.
 *
 * Timestamps: the protocol spells them `YYYY-MM-DD HH:MM:SS[.ffffff]`, optionally with a zone. One
 * without a zone is read as UTC (as delta-kernel-rs does); Spark instead applies its session time zone,
 * so a table written by Spark outside UTC reads shifted by that zone's offset. We cannot know the
 * writer's zone, and UTC is what a reader without a session zone can defend.
 */
export function parsePartitionValue(raw: string | null | undefined, type: DataType, column: string): Value {
  if (raw === null || raw === undefined || raw === '') return null;
  const bad = () => corruptTable(`partition value '${raw}' of column ${column} is not a valid ${typeof type === 'string' ? type : type.type}`);
  switch (type) {
    case 'string':
      return raw;
    case 'byte':
    case 'short':
    case 'integer': {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw bad();
      return n;
    }
    case 'long':
      if (!/^-?\d+$/.test(raw)) throw bad();
      return BigInt(raw).toString();
    case 'float':
    case 'double': {
      const n = Number(raw);
      if (Number.isNaN(n) && raw !== 'NaN') throw bad();
      return formatFloat(type === 'float' ? Math.fround(n) : n);
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw bad();
      return raw === 'true';
    case 'binary':
      return toHex(utf8.encode(raw));
    case 'date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw bad();
      return raw;
    case 'timestamp':
    case 'timestamp_ntz': {
      const micros = parseTimestampMicros(raw);
      if (micros === undefined) throw bad();
      return formatTimestamp(micros);
    }
  }
  const decimal = parseDecimal(type);
  if (decimal) {
    const unscaled = parseDecimalString(raw, decimal.scale);
    if (unscaled === undefined) throw bad();
    return formatDecimal(unscaled, decimal.scale);
  }
  throw unsupportedFeature(`partition column ${column} of type ${JSON.stringify(type)}`);
}

/** `YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}][Z|±HH:MM]` to microseconds; no zone means UTC. */
export function parseTimestampMicros(text: string): bigint | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!m) return undefined;
  const seconds = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
  let micros = BigInt(seconds) * 1_000_000n + BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    micros -= sign * offsetMinutes * 60_000_000n;
  }
  return micros;
}

function parseDecimalString(text: string, scale: number): bigint | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === '' && !m[3])) return undefined;
  const exponent = Number(m[4] ?? 0);
  const digits = `${m[2]}${m[3] ?? ''}`;
  const shift = scale - (m[3]?.length ?? 0) + exponent;
  let unscaled = BigInt(digits || '0');
  if (shift >= 0) unscaled *= 10n ** BigInt(shift);
  else {
    const divisor = 10n ** BigInt(-shift);
    if (unscaled % divisor !== 0n) return undefined;
    unscaled /= divisor;
  }
  return m[1] === '-' ? -unscaled : unscaled;
}

// ---- arrow decoding ----

const utf8Decoder = new TextDecoder();

/**
 * A decoder for one column of one record batch: `type` is the Delta (logical, read) type, `data` the
 * arrow data the file stored for it. Nested struct fields are found through column mapping.
 */
export function compileDecoder(type: DataType, data: Data, mode: ColumnMappingMode, column: string): Decoder {
  const value = compileValue(type, data, mode, column);
  if (data.nullCount === 0) return value;
  return (i) => (data.getValid(i) ? value(i) : null);
}

function compileValue(type: DataType, data: Data, mode: ColumnMappingMode, column: string): Decoder {
  const arrow = data.type;
  const mismatch = () => corruptTable(`column ${column} is stored as ${String(arrow)}, which cannot be read as ${JSON.stringify(type)}`);
  if (isStruct(type)) {
    if (!Arrow.isStruct(arrow)) throw mismatch();
    const children = arrow.children as Field[];
    const fields = type.fields.map((f) => {
      const index = findArrowField(f, children, mode);
      return { name: f.name, decode: index < 0 ? nullDecoder : compileDecoder(f.type, data.children[index], mode, `${column}.${f.name}`) };
    });
    return (i) => {
      const row: { [name: string]: Value } = {};
      for (const f of fields) row[f.name] = f.decode(i);
      return row;
    };
  }
  if (isArray(type)) {
    if (!Arrow.isList(arrow) && !Arrow.isLargeList(arrow)) throw mismatch();
    const offsets = data.valueOffsets as Int32Array | BigInt64Array;
    const element = compileDecoder(type.elementType, data.children[0], mode, `${column}[]`);
    return (i) => {
      const end = Number(offsets[i + 1]);
      const out: Value[] = [];
      for (let j = Number(offsets[i]); j < end; j++) out.push(element(j));
      return out;
    };
  }
  if (isMap(type)) {
    if (!Arrow.isMap(arrow)) throw mismatch();
    const offsets = data.valueOffsets as Int32Array;
    const entries = data.children[0];
    const key = compileDecoder(type.keyType, entries.children[0], mode, `${column}.key`);
    const value = compileDecoder(type.valueType, entries.children[1], mode, `${column}.value`);
    return (i) => {
      const end = offsets[i + 1];
      const out: Value[] = [];
      for (let j = offsets[i]; j < end; j++) out.push([key(j), value(j)]);
      return out;
    };
  }
  const values = data.values as ArrayLike<number | bigint> & { subarray(a: number, b: number): Uint8Array };
  switch (type) {
    case 'string': {
      if (!Arrow.isUtf8(arrow) && !Arrow.isLargeUtf8(arrow)) throw mismatch();
      const offsets = data.valueOffsets;
      const bytes = data.values as Uint8Array;
      return (i) => utf8Decoder.decode(bytes.subarray(Number(offsets[i]), Number(offsets[i + 1])));
    }
    case 'binary': {
      if (!Arrow.isBinary(arrow) && !Arrow.isLargeBinary(arrow) && !Arrow.isFixedSizeBinary(arrow)) throw mismatch();
      const bytes = data.values as Uint8Array;
      if (Arrow.isFixedSizeBinary(arrow)) return (i) => toHex(bytes.subarray(i * arrow.byteWidth, (i + 1) * arrow.byteWidth));
      const offsets = data.valueOffsets;
      return (i) => toHex(bytes.subarray(Number(offsets[i]), Number(offsets[i + 1])));
    }
    case 'boolean': {
      if (!Arrow.isBool(arrow)) throw mismatch();
      const bits = data.values as Uint8Array;
      const offset = data.offset;
      return (i) => ((bits[(offset + i) >> 3] >> ((offset + i) & 7)) & 1) === 1;
    }
    case 'byte':
    case 'short':
    case 'integer':
      if (!Arrow.isInt(arrow) || arrow.bitWidth > 32) throw mismatch();
      return (i) => values[i] as number;
    case 'long':
      if (!Arrow.isInt(arrow)) throw mismatch();
      return (i) => values[i].toString();
    case 'float':
    case 'double':
      if (!Arrow.isFloat(arrow) && !Arrow.isInt(arrow)) throw mismatch();
      return (i) => formatFloat(Number(values[i]));
    case 'date':
      if (!Arrow.isDate(arrow) || arrow.unit !== 0) throw mismatch(); // DateUnit.DAY
      return (i) => formatDate(values[i] as number);
    case 'timestamp':
    case 'timestamp_ntz': {
      if (Arrow.isDate(arrow) && arrow.unit === 0) return (i) => formatTimestamp(BigInt(values[i]) * MICROS_PER_DAY);
      if (!Arrow.isTimestamp(arrow)) throw mismatch();
      const toMicros = timestampToMicros(arrow.unit);
      return (i) => formatTimestamp(toMicros(values[i] as bigint));
    }
  }
  const decimal = parseDecimal(type);
  if (decimal) {
    const unscaled = unscaledDecoder(data, mismatch);
    const storedScale = Arrow.isDecimal(arrow) ? arrow.scale : 0;
    if (storedScale > decimal.scale) throw mismatch();
    const factor = 10n ** BigInt(decimal.scale - storedScale);
    return (i) => formatDecimal(unscaled(i) * factor, decimal.scale);
  }
  throw unsupportedFeature(`column ${column} of type ${JSON.stringify(type)}`);
}

const nullDecoder: Decoder = () => null;

function timestampToMicros(unit: number): (v: bigint) => bigint {
  // TimeUnit: SECOND=0, MILLISECOND=1, MICROSECOND=2, NANOSECOND=3. Division floors toward -inf.
  switch (unit) {
    case 0:
      return (v) => BigInt(v) * 1_000_000n;
    case 1:
      return (v) => BigInt(v) * 1000n;
    case 2:
      return (v) => BigInt(v);
    default:
      return (v) => {
        const n = BigInt(v);
        const q = n / 1000n;
        return n % 1000n < 0n ? q - 1n : q;
      };
  }
}

/** The unscaled integer of a decimal (128/256-bit two's complement words) or of an integer column. */
function unscaledDecoder(data: Data, mismatch: () => Error): (i: number) => bigint {
  const arrow = data.type;
  if (Arrow.isInt(arrow)) {
    const values = data.values as ArrayLike<number | bigint>;
    return (i) => BigInt(values[i]);
  }
  if (!Arrow.isDecimal(arrow)) throw mismatch();
  const words = data.values as Uint32Array;
  const stride = arrow.bitWidth / 32;
  const bits = BigInt(arrow.bitWidth);
  return (i) => {
    let n = 0n;
    for (let w = stride - 1; w >= 0; w--) n = (n << 32n) | BigInt(words[i * stride + w]);
    return n >> (bits - 1n) ? n - (1n << bits) : n;
  };
}

/**
 * Delta schema -> Arrow schema, and row objects -> an Arrow table, with the physical types Spark writes:
 * long Int64, integer Int32, short Int16, byte Int8, float Float32, double Float64, boolean Bool, string
 * Utf8, binary Binary, date Date32(DAY), timestamp Timestamp(µs, 'UTC'), timestamp_ntz Timestamp(µs),
 * decimal(p,s) Decimal128, struct Struct, array List('element'), map Map('key_value'{key, value}).
 *
 * Row values accepted per Delta type (null and undefined are null):
 * - long: bigint, integral number, or decimal-digit text ('-42', the canonical encoding)
 * - integer/short/byte: integral number or digit text, range-checked
 * - float/double: number, or text ('1.5', 'NaN', 'Infinity', '-Infinity')
 * - boolean: boolean, or 'true'/'false'
 * - string: string (other primitives are stringified)
 * - binary: Uint8Array or ArrayBuffer, or hex text (the canonical encoding)
 * - date: 'YYYY-MM-DD', Date (its UTC day), or days since the epoch
 * - timestamp / timestamp_ntz: ISO text with or without 'Z'/offset (no offset = UTC / wall clock), Date,
 *   or number/bigint microseconds since the epoch
 * - decimal(p,s): text ('123.45'), number, or bigint (an integral value); extra non-zero scale digits
 *   and precision overflow are rejected, never rounded
 * - struct: object; array: JS array; map: Map, plain object, or array of [key, value] pairs (canonical)
 * Rows are keyed by logical column names; with column mapping the Arrow fields carry the physical names
 * (and Parquet field ids), so the Parquet file is what Spark writes for such a table.
 */
import * as arrow from 'apache-arrow';
import { invalidInput } from '../core/errors.ts';
import { isArray, isMap, isStruct, parseDecimal, type DataType, type StructField, type StructType } from './schema.ts';
import { parseSmallInteger, smallUnscaledDecimal, toBytes, toEpochDays, toEpochMicros, toUnscaledDecimal } from './input-values.ts';
import { physicalName, type ColumnMappingMode } from './column-mapping.ts';

export interface ArrowSchemaOptions {
  /** Name Arrow fields by `delta.columnMapping.physicalName` and tag them with their field ids. */
  columnMapping?: ColumnMappingMode;
}

export function toArrowSchema(schema: StructType, options: ArrowSchemaOptions = {}): arrow.Schema {
  return new arrow.Schema(schema.fields.map((f) => toArrowField(f, options.columnMapping ?? 'none')));
}

function toArrowField(f: StructField, mode: ColumnMappingMode): arrow.Field {
  const id = f.metadata['delta.columnMapping.id'];
  const metadata = mode !== 'none' && typeof id === 'number' ? new Map([['PARQUET:field_id', String(id)]]) : undefined;
  return new arrow.Field(physicalName(f, mode), toArrowType(f.type, mode), f.nullable, metadata);
}

export function toArrowType(t: DataType, mode: ColumnMappingMode = 'none'): arrow.DataType {
  if (isStruct(t)) return new arrow.Struct(t.fields.map((f) => toArrowField(f, mode)));
  if (isArray(t)) return new arrow.List(new arrow.Field('element', toArrowType(t.elementType, mode), t.containsNull));
  if (isMap(t)) {
    const entries = new arrow.Struct([
      new arrow.Field('key', toArrowType(t.keyType, mode), false),
      new arrow.Field('value', toArrowType(t.valueType, mode), t.valueContainsNull),
    ]);
    return new arrow.Map_(new arrow.Field('key_value', entries, false), false);
  }
  const decimal = parseDecimal(t);
  if (decimal) return new arrow.Decimal(decimal.scale, decimal.precision, 128);
  switch (t) {
    case 'long':
      return new arrow.Int64();
    case 'integer':
      return new arrow.Int32();
    case 'short':
      return new arrow.Int16();
    case 'byte':
      return new arrow.Int8();
    case 'float':
      return new arrow.Float32();
    case 'double':
      return new arrow.Float64();
    case 'boolean':
      return new arrow.Bool();
    case 'string':
      return new arrow.Utf8();
    case 'binary':
      return new arrow.Binary();
    case 'date':
      return new arrow.DateDay();
    case 'timestamp':
      return new arrow.TimestampMicrosecond('UTC');
    case 'timestamp_ntz':
      return new arrow.TimestampMicrosecond(null);
    default:
      throw invalidInput(`cannot write Delta type ${JSON.stringify(t)} to Parquet`, 'supported: primitives, decimal, struct, array, map');
  }
}

/** Builds one Arrow table (one record batch) from row objects keyed by logical column names. */
export function rowsToArrow(schema: StructType, rows: readonly Record<string, unknown>[], options: ArrowSchemaOptions = {}): arrow.Table {
  const arrowSchema = toArrowSchema(schema, options);
  const builders = schema.fields.map((f, i) => makeBuilder(f.type, arrowSchema.fields[i].type, f.name, f.nullable, rows.length));
  rowFiller(schema)(rows, builders);
  const data = arrow.makeData({ type: new arrow.Struct(arrowSchema.fields), length: rows.length, nullCount: 0, children: builders.map((b) => b.finish()) });
  return new arrow.Table([new arrow.RecordBatch(arrowSchema, data)]);
}

type RowFiller = (rows: readonly Record<string, unknown>[], builders: ColumnBuilder[]) => void;
const fillers = new WeakMap<StructType, RowFiller>();

/**
 * One generated loop per schema, compiled once: each row object is visited once (rows are scattered
 * in the heap, so a pass per column would miss the cache on every row, once per column), and every
 * property read has a constant key and every append call site sees one builder class, so all stay
 * monomorphic. A shared loop reading `row[name]` for every column goes megamorphic instead.
 */
function rowFiller(schema: StructType): RowFiller {
  let fill = fillers.get(schema);
  if (!fill) {
    const columns = schema.fields.map((f, i) => `b${i}.append(row[${JSON.stringify(f.name)}]);`);
    const unpack = schema.fields.map((_, i) => `const b${i} = builders[${i}];`);
    fill = new Function(
      'rows',
      'builders',
      `${unpack.join('\n')}\nfor (let r = 0; r < rows.length; r++) {\nconst row = rows[r];\n${columns.join('\n')}\n}`,
    ) as RowFiller;
    fillers.set(schema, fill);
  }
  return fill;
}

interface ColumnBuilder {
  append(v: unknown): void;
  finish(): arrow.Data;
}

/** A validity bitmap allocated on the first null, so all-valid columns cost nothing. */
class Validity {
  bitmap: Uint8Array | undefined;
  nullCount = 0;
  length = 0;
  constructor(
    private readonly column: string,
    private readonly nullable: boolean,
    private capacity: number,
  ) {}

  push(valid: boolean): void {
    const i = this.length++;
    if (valid) {
      if (this.bitmap) {
        this.ensure(i);
        this.bitmap[i >> 3] |= 1 << (i & 7);
      }
      return;
    }
    if (!this.nullable) throw invalidInput(`column ${this.column} is NOT NULL but a row has null`, 'supply a value or make the column nullable');
    if (!this.bitmap) {
      this.bitmap = new Uint8Array((Math.max(this.capacity, i + 1, 64) + 7) >> 3);
      this.bitmap.fill(0xff, 0, i >> 3);
      for (let j = i & ~7; j < i; j++) this.bitmap[j >> 3] |= 1 << (j & 7);
    }
    this.ensure(i);
    this.nullCount++;
  }

  private ensure(i: number) {
    if (i >> 3 < this.bitmap!.length) return;
    const grown = new Uint8Array(this.bitmap!.length * 2);
    grown.set(this.bitmap!);
    this.bitmap = grown;
  }

  props() {
    return { length: this.length, nullCount: this.nullCount, nullBitmap: this.nullCount ? this.bitmap!.subarray(0, (this.length + 7) >> 3) : undefined };
  }
}

type TypedArray = Int8Array | Int16Array | Int32Array | Float32Array | Float64Array | Uint8Array;

/**
 * Callers check `need > arr.length` inline first: this function sees every typed-array class, so a
 * call per value would be megamorphic and never inlined.
 */
function grow<T extends TypedArray>(arr: T, need: number): T {
  const grown = new (arr.constructor as new (n: number) => T)(Math.max(need, arr.length * 2, 16));
  grown.set(arr);
  return grown;
}

const badValue = (column: string, type: string, v: unknown) => invalidInput(`column ${column} (${type}) cannot take the value ${describe(v)}`);
const describe = (v: unknown) => {
  const text = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : v instanceof Date ? `Date(${v.toISOString?.()})` : String(v);
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
};

function makeBuilder(t: DataType, type: arrow.DataType, column: string, nullable: boolean, capacity: number): ColumnBuilder {
  if (isStruct(t)) return new StructBuilder(t, type as arrow.Struct, column, nullable, capacity);
  if (isArray(t)) return new ListBuilder(t.elementType, t.containsNull, type as arrow.List, column, nullable, capacity);
  if (isMap(t)) return new MapBuilder(t.keyType, t.valueType, t.valueContainsNull, type as arrow.Map_, column, nullable, capacity);
  const decimal = parseDecimal(t);
  if (decimal) return new DecimalBuilder(decimal.precision, decimal.scale, type, column, nullable, capacity);
  switch (t) {
    case 'long':
      return new Int64Builder(type, column, nullable, capacity, toLongParts);
    case 'timestamp':
    case 'timestamp_ntz':
      return new Int64Builder(type, column, nullable, capacity, toEpochMicros);
    case 'integer':
      return new NumberBuilder(new Int32Array(capacity), type, column, nullable, intParser(-2147483648, 2147483647));
    case 'short':
      return new NumberBuilder(new Int16Array(capacity), type, column, nullable, intParser(-32768, 32767));
    case 'byte':
      return new NumberBuilder(new Int8Array(capacity), type, column, nullable, intParser(-128, 127));
    case 'date':
      return new NumberBuilder(new Int32Array(capacity), type, column, nullable, toEpochDays);
    case 'float':
      return new NumberBuilder(new Float32Array(capacity), type, column, nullable, toFloat);
    case 'double':
      return new NumberBuilder(new Float64Array(capacity), type, column, nullable, toFloat);
    case 'boolean':
      return new BoolBuilder(type, column, nullable, capacity);
    case 'string':
      return new BytesBuilder(type, column, nullable, capacity, null);
    case 'binary':
      return new BytesBuilder(type, column, nullable, capacity, toBytes);
    default:
      throw invalidInput(`cannot write Delta type ${JSON.stringify(t)} to Parquet`);
  }
}

const intParser =
  (min: number, max: number) =>
  (v: unknown): number | undefined => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : typeof v === 'bigint' ? Number(v) : NaN;
    return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  };

const toFloat = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isNaN(n) && v !== 'NaN' ? undefined : n;
  }
  if (typeof v === 'bigint') return Number(v);
  return undefined;
};

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
/** A long as a safe JS number where possible (cheap to store), else a bigint. */
const toLongParts = (v: unknown): number | bigint | undefined => {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === 'string' && v.length <= 16) {
    const n = parseSmallInteger(v);
    if (n !== undefined) return n;
  }
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) b = BigInt(v.trim());
  else return undefined;
  return b >= LONG_MIN && b <= LONG_MAX ? b : undefined;
};

class NumberBuilder<A extends Int8Array | Int16Array | Int32Array | Float32Array | Float64Array> implements ColumnBuilder {
  private readonly validity: Validity;
  constructor(
    private values: A,
    private readonly type: arrow.DataType,
    private readonly column: string,
    nullable: boolean,
    private readonly parse: (v: unknown) => number | undefined,
  ) {
    this.validity = new Validity(column, nullable, values.length);
  }
  append(v: unknown) {
    const i = this.validity.length;
    if (i + 1 > this.values.length) this.values = grow(this.values, i + 1);
    if (v === null || v === undefined) return this.validity.push(false);
    const n = this.parse(v);
    if (n === undefined) throw badValue(this.column, String(this.type), v);
    this.values[i] = n;
    this.validity.push(true);
  }
  finish() {
    const props = this.validity.props();
    return arrow.makeData({ type: this.type as arrow.Int, ...props, data: this.values.subarray(0, props.length) as Int32Array });
  }
}

/** 64-bit integers stored as two 32-bit words: safe integers need no BigInt allocation per value. */
class Int64Builder implements ColumnBuilder {
  private words: Int32Array;
  private readonly validity: Validity;
  constructor(
    private readonly type: arrow.DataType,
    private readonly column: string,
    nullable: boolean,
    capacity: number,
    private readonly parse: (v: unknown) => number | bigint | undefined,
  ) {
    this.words = new Int32Array(capacity * 2);
    this.validity = new Validity(column, nullable, capacity);
  }
  append(v: unknown) {
    const i = this.validity.length;
    if (2 * i + 2 > this.words.length) this.words = grow(this.words, 2 * i + 2);
    if (v === null || v === undefined) return this.validity.push(false);
    const n = this.parse(v);
    if (n === undefined) throw badValue(this.column, String(this.type), v);
    if (typeof n === 'number') {
      const hi = Math.floor(n / 4294967296);
      this.words[2 * i] = n - hi * 4294967296;
      this.words[2 * i + 1] = hi;
    } else {
      new BigInt64Array(this.words.buffer, this.words.byteOffset + 8 * i, 1)[0] = n;
    }
    this.validity.push(true);
  }
  finish() {
    const props = this.validity.props();
    const data = new BigInt64Array(this.words.buffer, this.words.byteOffset, props.length);
    return arrow.makeData({ type: this.type as arrow.Int64, ...props, data: data as unknown as Int32Array });
  }
}

/** Decimal128 as four little-endian 32-bit words; values of up to 15 digits skip BigInt entirely. */
class DecimalBuilder implements ColumnBuilder {
  private words: Int32Array;
  private readonly validity: Validity;
  private readonly limit: bigint;
  private readonly maxSmall: number;
  constructor(
    private readonly precision: number,
    private readonly scale: number,
    private readonly type: arrow.DataType,
    private readonly column: string,
    nullable: boolean,
    capacity: number,
  ) {
    this.words = new Int32Array(capacity * 4);
    this.validity = new Validity(column, nullable, capacity);
    this.limit = 10n ** BigInt(precision);
    this.maxSmall = Math.min(Number.MAX_SAFE_INTEGER, 10 ** precision - 1);
  }
  append(v: unknown) {
    const i = this.validity.length;
    if (4 * i + 4 > this.words.length) this.words = grow(this.words, 4 * i + 4);
    if (v === null || v === undefined) return this.validity.push(false);
    const small = typeof v === 'string' ? smallUnscaledDecimal(v, this.scale) : undefined;
    if (small !== undefined && Math.abs(small) <= this.maxSmall) {
      const hi = Math.floor(small / 4294967296);
      this.words[4 * i] = small - hi * 4294967296;
      this.words[4 * i + 1] = hi;
      this.words[4 * i + 2] = this.words[4 * i + 3] = small < 0 ? -1 : 0;
    } else {
      const unscaled = toUnscaledDecimal(v, this.scale);
      if (unscaled === undefined || unscaled >= this.limit || unscaled <= -this.limit)
        throw badValue(this.column, `decimal(${this.precision},${this.scale})`, v);
      const view = new BigInt64Array(this.words.buffer, this.words.byteOffset + 16 * i, 2);
      view[0] = BigInt.asIntN(64, unscaled);
      view[1] = unscaled >> 64n;
    }
    this.validity.push(true);
  }
  finish() {
    const props = this.validity.props();
    const data = new Uint32Array(this.words.buffer, this.words.byteOffset, props.length * 4);
    return arrow.makeData({ type: this.type as arrow.Decimal, ...props, data });
  }
}

class BoolBuilder implements ColumnBuilder {
  private bits: Uint8Array;
  private readonly validity: Validity;
  constructor(
    private readonly type: arrow.DataType,
    private readonly column: string,
    nullable: boolean,
    capacity: number,
  ) {
    this.bits = new Uint8Array((capacity + 7) >> 3);
    this.validity = new Validity(column, nullable, capacity);
  }
  append(v: unknown) {
    const i = this.validity.length;
    if ((i >> 3) + 1 > this.bits.length) this.bits = grow(this.bits, (i >> 3) + 1);
    if (v === null || v === undefined) return this.validity.push(false);
    const b = v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined;
    if (b === undefined) throw badValue(this.column, 'boolean', v);
    if (b) this.bits[i >> 3] |= 1 << (i & 7);
    this.validity.push(true);
  }
  finish() {
    const props = this.validity.props();
    return arrow.makeData({ type: this.type as arrow.Bool, ...props, data: this.bits.subarray(0, (props.length + 7) >> 3) });
  }
}

const utf8 = new TextEncoder();

/**
 * UTF-8 of `s` into `out` at `at` (room for 3 bytes per UTF-16 unit is the caller's); returns the end.
 * A lone surrogate becomes U+FFFD, as TextEncoder does.
 */
function encodeShortUtf8(s: string, out: Uint8Array, at: number): number {
  for (let k = 0; k < s.length; k++) {
    let c = s.charCodeAt(k);
    if (c < 0x80) {
      out[at++] = c;
    } else if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = s.charCodeAt(k + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          k++;
          out[at++] = 0xf0 | (c >> 18);
          out[at++] = 0x80 | ((c >> 12) & 0x3f);
          out[at++] = 0x80 | ((c >> 6) & 0x3f);
          out[at++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 0x3f);
      out[at++] = 0x80 | (c & 0x3f);
    }
  }
  return at;
}

/** Utf8 and Binary: one offsets array and one byte buffer. `toBinary` null means strings. */
class BytesBuilder implements ColumnBuilder {
  private offsets: Int32Array;
  private bytes: Uint8Array;
  private end = 0;
  private readonly validity: Validity;
  constructor(
    private readonly type: arrow.DataType,
    private readonly column: string,
    nullable: boolean,
    private readonly capacity: number,
    private readonly toBinary: ((v: unknown) => Uint8Array | undefined) | null,
  ) {
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = new Uint8Array(Math.max(64, capacity * 16));
    this.validity = new Validity(column, nullable, capacity);
  }
  append(v: unknown) {
    const i = this.validity.length;
    if (i + 2 > this.offsets.length) this.offsets = grow(this.offsets, i + 2);
    if (v === null || v === undefined) {
      this.offsets[i + 1] = this.end;
      return this.validity.push(false);
    }
    if (this.toBinary) {
      const b = this.toBinary(v);
      if (!b) throw badValue(this.column, 'binary', v);
      if (this.end + b.length > this.bytes.length) this.growBytes(i, b.length);
      this.bytes.set(b, this.end);
      this.end += b.length;
    } else {
      const s = typeof v === 'string' ? v : typeof v === 'object' ? undefined : String(v);
      if (s === undefined) throw badValue(this.column, 'string', v);
      if (s.length <= 64) {
        // Short strings are encoded by hand (cheaper than a TextEncoder call and its subarray).
        if (this.end + s.length * 3 > this.bytes.length) this.growBytes(i, s.length * 3);
        this.end = encodeShortUtf8(s, this.bytes, this.end);
      } else {
        // Long ones (bronze's raw records) go to the native encoder, many times faster per byte than
        // JS. Room for their UTF-16 length is made first (exact for ASCII); encodeInto stops at a whole
        // character when the rest does not fit, and the rest follows after growing.
        if (this.end + s.length > this.bytes.length) this.growBytes(i, s.length);
        for (let read = 0; ; ) {
          const r = utf8.encodeInto(read === 0 ? s : s.slice(read), this.bytes.subarray(this.end));
          this.end += r.written;
          read += r.read;
          if (read === s.length) break;
          this.growBytes(i, (s.length - read) * 3);
        }
      }
    }
    if (this.end > 0x7fffffff) throw invalidInput(`column ${this.column} holds more than 2 GiB in one batch`, 'write fewer rows per file');
    this.offsets[i + 1] = this.end;
    this.validity.push(true);
  }
  /**
   * Grows the value bytes for value `i` needing `extra` more, to what the rows so far project for all
   * `capacity` rows: a buffer doubled again and again allocated (and copied) about twice the final size,
   * which for bronze's raw records is tens of MB a batch.
   */
  private growBytes(i: number, extra: number) {
    const need = this.end + extra;
    const projected = i < this.capacity ? Math.ceil((need / (i + 1)) * this.capacity * 1.125) : 0;
    const grown = new Uint8Array(Math.max(need, projected, Math.ceil(this.bytes.length * 1.5)));
    grown.set(this.bytes.subarray(0, this.end));
    this.bytes = grown;
  }
  finish() {
    const props = this.validity.props();
    return arrow.makeData({
      type: this.type as arrow.Utf8,
      ...props,
      valueOffsets: this.offsets.subarray(0, props.length + 1),
      data: this.bytes.subarray(0, this.end),
    });
  }
}

class StructBuilder implements ColumnBuilder {
  private readonly children: ColumnBuilder[];
  private readonly names: string[];
  private readonly validity: Validity;
  constructor(
    t: StructType,
    private readonly type: arrow.Struct,
    column: string,
    nullable: boolean,
    capacity: number,
  ) {
    this.names = t.fields.map((f) => f.name);
    // A null struct still gets a (null) slot in every child, so children are nullable in Arrow terms.
    this.children = t.fields.map((f, i) => makeBuilder(f.type, type.children[i].type, `${column}.${f.name}`, f.nullable || nullable, capacity));
    this.validity = new Validity(column, nullable, capacity);
  }
  append(v: unknown) {
    if (v === null || v === undefined) {
      for (const c of this.children) c.append(null);
      return this.validity.push(false);
    }
    if (typeof v !== 'object' || Array.isArray(v)) throw badValue(this.names.join('/'), 'struct', v);
    const o = v as Record<string, unknown>;
    for (let i = 0; i < this.children.length; i++) this.children[i].append(o[this.names[i]]);
    this.validity.push(true);
  }
  finish() {
    return arrow.makeData({ type: this.type, ...this.validity.props(), children: this.children.map((c) => c.finish()) });
  }
}

class ListBuilder implements ColumnBuilder {
  private offsets: Int32Array;
  private readonly child: ColumnBuilder;
  private count = 0;
  private readonly validity: Validity;
  constructor(
    elementType: DataType,
    containsNull: boolean,
    private readonly type: arrow.List,
    private readonly column: string,
    nullable: boolean,
    capacity: number,
  ) {
    this.offsets = new Int32Array(capacity + 1);
    this.child = makeBuilder(elementType, type.children[0].type, `${column}[]`, containsNull, capacity);
    this.validity = new Validity(column, nullable, capacity);
  }
  append(v: unknown) {
    const i = this.validity.length;
    if (i + 2 > this.offsets.length) this.offsets = grow(this.offsets, i + 2);
    if (v === null || v === undefined) {
      this.offsets[i + 1] = this.count;
      return this.validity.push(false);
    }
    if (!Array.isArray(v)) throw badValue(this.column, 'array', v);
    for (const e of v) this.child.append(e);
    this.count += v.length;
    this.offsets[i + 1] = this.count;
    this.validity.push(true);
  }
  finish() {
    const props = this.validity.props();
    return arrow.makeData({ type: this.type, ...props, valueOffsets: this.offsets.subarray(0, props.length + 1), child: this.child.finish() });
  }
}

class MapBuilder implements ColumnBuilder {
  private offsets: Int32Array;
  private readonly keys: ColumnBuilder;
  private readonly values: ColumnBuilder;
  private count = 0;
  private readonly validity: Validity;
  constructor(
    keyType: DataType,
    valueType: DataType,
    valueContainsNull: boolean,
    private readonly type: arrow.Map_,
    private readonly column: string,
    nullable: boolean,
    capacity: number,
  ) {
    const entries = type.children[0].type as arrow.Struct;
    this.offsets = new Int32Array(capacity + 1);
    this.keys = makeBuilder(keyType, entries.children[0].type, `${column}.key`, false, capacity);
    this.values = makeBuilder(valueType, entries.children[1].type, `${column}.value`, valueContainsNull, capacity);
    this.validity = new Validity(column, nullable, capacity);
  }
  append(v: unknown) {
    const i = this.validity.length;
    if (i + 2 > this.offsets.length) this.offsets = grow(this.offsets, i + 2);
    if (v === null || v === undefined) {
      this.offsets[i + 1] = this.count;
      return this.validity.push(false);
    }
    if (typeof v !== 'object') throw badValue(this.column, 'map', v);
    // The canonical encoding is an array of [key, value] pairs.
    const entries: Iterable<unknown> = v instanceof Map ? v.entries() : Array.isArray(v) ? v : Object.entries(v);
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2) throw badValue(this.column, 'map', v);
      const [k, val] = entry;
      this.keys.append(k);
      this.values.append(val);
      this.count++;
    }
    this.offsets[i + 1] = this.count;
    this.validity.push(true);
  }
  finish() {
    const props = this.validity.props();
    const entriesType = this.type.children[0].type as arrow.Struct;
    const entries = arrow.makeData({ type: entriesType, length: this.count, nullCount: 0, children: [this.keys.finish(), this.values.finish()] });
    return arrow.makeData({ type: this.type, ...props, valueOffsets: this.offsets.subarray(0, props.length + 1), child: entries });
  }
}

/**
 * Per-file statistics for `add.stats` (PROTOCOL.md, "Per-file Statistics"), computed from the Arrow data
 * written to the file, matching what Spark writes:
 * - numRecords; nullCount for every indexed leaf (arrays and maps count as leaves; a null parent struct
 *   makes its leaves null); minValues/maxValues for numbers, dates, timestamps, strings and decimals,
 *   never for boolean, binary, arrays or maps. Nested structs are nested objects.
 * - Only the first `delta.dataSkippingNumIndexedCols` leaves (default 32, -1 = all), or exactly the
 *   columns of `delta.dataSkippingStatsColumns` when set.
 * - Keys are physical names under column mapping.
 * - Timestamps are truncated to milliseconds ('2023-06-15T12:30:00.000Z', no 'Z' for timestamp_ntz),
 *   dates are 'YYYY-MM-DD', longs and decimals exact JSON numbers, floats their shortest float32 text.
 * - Strings are compared by UTF-8 bytes and cut to 32 UTF-16 units; a cut max gets a tie-breaker
 *   character appended so it stays an upper bound (and is omitted when no short bound exists).
 * - Float columns holding NaN or infinities get no min/max: JSON cannot carry them.
 */
import { TimeUnit, type Data, type DataType as ArrowType, type Table, type Timestamp } from 'apache-arrow';
import { isArray, isMap, isStruct, parseDecimal, type DataType, type StructType } from './schema.ts';
import { physicalName, type ColumnMappingMode } from './column-mapping.ts';
import { formatDate } from './values.ts';

export const STRING_PREFIX_LENGTH = 32;
export const DEFAULT_NUM_INDEXED_COLS = 32;

export interface StatsOptions {
  columnMapping?: ColumnMappingMode;
  /** How many leading leaf columns get stats; -1 for all. */
  numIndexedCols?: number;
  /** Logical column paths ('a', 'b.c') that get stats; overrides numIndexedCols. */
  statsColumns?: string[];
  /** Written when set: true for fresh files of tables with deletion vectors, false once rows are deleted. */
  tightBounds?: boolean;
}

/** The stats settings of a table, from its configuration. */
export function statsOptionsFromConfiguration(configuration: Record<string, string>): StatsOptions {
  const statsColumns = configuration['delta.dataSkippingStatsColumns'];
  const numIndexed = configuration['delta.dataSkippingNumIndexedCols'];
  const mode = configuration['delta.columnMapping.mode'];
  return {
    columnMapping: mode === 'name' || mode === 'id' ? mode : 'none',
    statsColumns: statsColumns
      ? statsColumns
          .split(',')
          .map((c) => c.trim().replace(/`/g, ''))
          .filter(Boolean)
      : undefined,
    numIndexedCols: numIndexed !== undefined ? Number(numIndexed) : DEFAULT_NUM_INDEXED_COLS,
  };
}

/** A JSON number whose digits must survive exactly (longs, decimals). */
class JsonNumber {
  constructor(readonly text: string) {}
}
type StatValue = number | string | JsonNumber | StatTree;
interface StatTree {
  [key: string]: StatValue;
}

/** The `add.stats` JSON for a table of rows about to be written as one file. */
export function computeStats(schema: StructType, table: Table, options: StatsOptions = {}): string {
  const mode = options.columnMapping ?? 'none';
  let budget = options.statsColumns
    ? Infinity
    : (options.numIndexedCols ?? DEFAULT_NUM_INDEXED_COLS) < 0
      ? Infinity
      : (options.numIndexedCols ?? DEFAULT_NUM_INDEXED_COLS);
  const wanted = options.statsColumns ? new Set(options.statsColumns) : undefined;
  const selected = (path: string) => !wanted || wanted.has(path) || [...wanted].some((w) => path.startsWith(w + '.'));

  const minValues: StatTree = {};
  const maxValues: StatTree = {};
  const nullCount: StatTree = {};

  const visit = (
    fields: StructType['fields'],
    columns: (batch: number) => Data[],
    parentValid: (batch: number) => Uint8Array | undefined,
    path: string,
    mins: StatTree,
    maxs: StatTree,
    nulls: StatTree,
  ) => {
    fields.forEach((f, index) => {
      const key = physicalName(f, mode);
      const fieldPath = path ? `${path}.${f.name}` : f.name;
      const dataOf = (b: number) => columns(b)[index];
      if (isStruct(f.type)) {
        const childMins: StatTree = {};
        const childMaxs: StatTree = {};
        const childNulls: StatTree = {};
        const validOf = (b: number) => combineValidity(parentValid(b), dataOf(b));
        visit(f.type.fields, (b) => dataOf(b).children, validOf, fieldPath, childMins, childMaxs, childNulls);
        if (Object.keys(childMins).length) mins[key] = childMins;
        if (Object.keys(childMaxs).length) maxs[key] = childMaxs;
        if (Object.keys(childNulls).length) nulls[key] = childNulls;
        return;
      }
      if (budget <= 0 || !selected(fieldPath)) return;
      budget--;
      const acc = newAccumulator(f.type);
      for (let b = 0; b < table.batches.length; b++) acc.add(dataOf(b), parentValid(b));
      nulls[key] = acc.nulls;
      const bounds = acc.bounds();
      if (bounds) {
        mins[key] = bounds[0];
        maxs[key] = bounds[1];
      }
    });
  };
  visit(
    schema.fields,
    (b) => table.batches[b].data.children,
    () => undefined,
    '',
    minValues,
    maxValues,
    nullCount,
  );

  const stats: StatTree = { numRecords: table.numRows, minValues, maxValues, nullCount };
  let json = toJson(stats);
  if (options.tightBounds !== undefined) json = json.slice(0, -1) + `,"tightBounds":${options.tightBounds}}`;
  return json;
}

const isValid = (d: Data, i: number) => {
  const bitmap = d.nullBitmap;
  if (!bitmap || bitmap.length === 0 || d.nullCount === 0) return true;
  const j = d.offset + i;
  return (bitmap[j >> 3] & (1 << (j & 7))) !== 0;
};

/** Row validity (1 = present) of a struct's children: its own validity and its parent's. */
function combineValidity(parent: Uint8Array | undefined, d: Data): Uint8Array | undefined {
  if (!parent && (d.nullCount === 0 || !d.nullBitmap?.length)) return undefined;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = (!parent || parent[i]) && isValid(d, i) ? 1 : 0;
  return out;
}

interface Accumulator {
  nulls: number;
  add(d: Data, parentValid: Uint8Array | undefined): void;
  /** [min, max] as JSON values, or undefined when there are none (all null, or not a stats type). */
  bounds(): [StatValue, StatValue] | undefined;
}

function newAccumulator(t: DataType): Accumulator {
  if (isArray(t) || isMap(t) || t === 'boolean' || t === 'binary') return new NullsOnly();
  const decimal = parseDecimal(t);
  if (decimal) return new DecimalAccumulator(decimal.scale);
  switch (t) {
    case 'long':
      return new Int64Accumulator((v) => new JsonNumber(v.toString()));
    case 'timestamp':
      return new Int64Accumulator((v, type) => formatTimestampMillis(toMicros(v, type), true));
    case 'timestamp_ntz':
      return new Int64Accumulator((v, type) => formatTimestampMillis(toMicros(v, type), false));
    case 'date':
      return new NumberAccumulator((v) => formatDate(v));
    case 'float':
      return new NumberAccumulator(shortestFloat32);
    case 'byte':
    case 'short':
    case 'integer':
    case 'double':
      return new NumberAccumulator((v) => v);
    case 'string':
      return new StringAccumulator();
    default:
      return new NullsOnly();
  }
}

class NullsOnly implements Accumulator {
  nulls = 0;
  add(d: Data, parentValid: Uint8Array | undefined) {
    for (let i = 0; i < d.length; i++) if ((parentValid && !parentValid[i]) || !isValid(d, i)) this.nulls++;
  }
  bounds() {
    return undefined;
  }
}

class NumberAccumulator implements Accumulator {
  nulls = 0;
  private min = Infinity;
  private max = -Infinity;
  private seen = false;
  private nonFinite = false;
  constructor(private readonly format: (v: number) => StatValue) {}
  add(d: Data, parentValid: Uint8Array | undefined) {
    const values = d.values as Float64Array;
    const checkNulls = parentValid !== undefined || d.nullCount > 0;
    for (let i = 0; i < d.length; i++) {
      if (checkNulls && ((parentValid && !parentValid[i]) || !isValid(d, i))) {
        this.nulls++;
        continue;
      }
      const v = values[i];
      if (!Number.isFinite(v)) this.nonFinite = true;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      this.seen = true;
    }
  }
  bounds(): [StatValue, StatValue] | undefined {
    if (!this.seen || this.nonFinite) return undefined;
    return [this.format(this.min), this.format(this.max)];
  }
}

/** Int64 values read as two 32-bit words, so safe integers never allocate a BigInt. */
class Int64Accumulator implements Accumulator {
  nulls = 0;
  private min: bigint | undefined;
  private max: bigint | undefined;
  private type: ArrowType | undefined;
  constructor(private readonly format: (v: bigint, type: ArrowType) => StatValue) {}
  add(d: Data, parentValid: Uint8Array | undefined) {
    this.type = d.type;
    const big = d.values as BigInt64Array;
    const words = new Int32Array(big.buffer, big.byteOffset, big.length * 2);
    const checkNulls = parentValid !== undefined || d.nullCount > 0;
    let min = Infinity;
    let max = -Infinity;
    let unsafe = false;
    for (let i = 0; i < d.length; i++) {
      if (checkNulls && ((parentValid && !parentValid[i]) || !isValid(d, i))) {
        this.nulls++;
        continue;
      }
      const hi = words[2 * i + 1];
      if (hi >= 0x200000 || hi < -0x200000) {
        unsafe = true;
        continue;
      }
      const v = hi * 4294967296 + (words[2 * i] >>> 0);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (min <= max) this.merge(BigInt(min), BigInt(max));
    if (unsafe) {
      for (let i = 0; i < d.length; i++) {
        if (checkNulls && ((parentValid && !parentValid[i]) || !isValid(d, i))) continue;
        const v = big[i];
        this.merge(v, v);
      }
    }
  }
  private merge(lo: bigint, hi: bigint) {
    if (this.min === undefined || lo < this.min) this.min = lo;
    if (this.max === undefined || hi > this.max) this.max = hi;
  }
  bounds(): [StatValue, StatValue] | undefined {
    return this.min === undefined ? undefined : [this.format(this.min, this.type!), this.format(this.max!, this.type!)];
  }
}

/** Timestamps of other units (Spark's INT96 files read as nanoseconds) scaled to microseconds. */
function toMicros(v: bigint, type: ArrowType): bigint {
  const unit = (type as Timestamp).unit;
  if (unit === TimeUnit.NANOSECOND) return v >= 0n ? v / 1000n : -((-v + 999n) / 1000n);
  if (unit === TimeUnit.MILLISECOND) return v * 1000n;
  if (unit === TimeUnit.SECOND) return v * 1_000_000n;
  return v;
}

class DecimalAccumulator implements Accumulator {
  nulls = 0;
  private min: bigint | undefined;
  private max: bigint | undefined;
  constructor(private readonly scale: number) {}
  add(d: Data, parentValid: Uint8Array | undefined) {
    const words = d.values as Uint32Array;
    const big = new BigInt64Array(words.buffer, words.byteOffset, words.length / 2);
    for (let i = 0; i < d.length; i++) {
      if ((parentValid && !parentValid[i]) || !isValid(d, i)) {
        this.nulls++;
        continue;
      }
      const v = (big[2 * i + 1] << 64n) | BigInt.asUintN(64, big[2 * i]);
      if (this.min === undefined || v < this.min) this.min = v;
      if (this.max === undefined || v > this.max) this.max = v;
    }
  }
  bounds(): [StatValue, StatValue] | undefined {
    return this.min === undefined ? undefined : [decimalJson(this.min, this.scale), decimalJson(this.max!, this.scale)];
  }
}

const decoder = new TextDecoder();

class StringAccumulator implements Accumulator {
  nulls = 0;
  private min: Uint8Array | undefined;
  private max: Uint8Array | undefined;
  add(d: Data, parentValid: Uint8Array | undefined) {
    const offsets = d.valueOffsets as Int32Array;
    const bytes = d.values as Uint8Array;
    let minAt = -1;
    let maxAt = -1;
    for (let i = 0; i < d.length; i++) {
      if ((parentValid && !parentValid[i]) || !isValid(d, i)) {
        this.nulls++;
        continue;
      }
      if (minAt < 0) {
        minAt = maxAt = i;
        continue;
      }
      if (compareRanges(bytes, offsets[i], offsets[i + 1], bytes, offsets[minAt], offsets[minAt + 1]) < 0) minAt = i;
      else if (compareRanges(bytes, offsets[i], offsets[i + 1], bytes, offsets[maxAt], offsets[maxAt + 1]) > 0) maxAt = i;
    }
    if (minAt < 0) return;
    const min = bytes.subarray(offsets[minAt], offsets[minAt + 1]);
    const max = bytes.subarray(offsets[maxAt], offsets[maxAt + 1]);
    if (!this.min || compareRanges(min, 0, min.length, this.min, 0, this.min.length) < 0) this.min = min.slice();
    if (!this.max || compareRanges(max, 0, max.length, this.max, 0, this.max.length) > 0) this.max = max.slice();
  }
  bounds(): [StatValue, StatValue] | undefined {
    if (!this.min) return undefined;
    const max = truncateMax(decoder.decode(this.max!), STRING_PREFIX_LENGTH);
    if (max === undefined) return undefined;
    return [truncateMin(decoder.decode(this.min), STRING_PREFIX_LENGTH), max];
  }
}

/** Byte-wise (UTF-8 order) comparison of a[aStart, aEnd) with b[bStart, bEnd). */
function compareRanges(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let k = 0; k < n; k++) {
    const diff = a[aStart + k] - b[bStart + k];
    if (diff !== 0) return diff;
  }
  return aEnd - aStart - (bEnd - bStart);
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** A lower bound of `s` at most `len` UTF-16 units long (one more to keep a surrogate pair whole). */
export function truncateMin(s: string, len: number): string {
  if (s.length <= len) return s;
  return isHigh(s.charCodeAt(len - 1)) && isLow(s.charCodeAt(len)) ? s.slice(0, len + 1) : s.slice(0, len);
}

const ASCII_MAX = '\u007f';
const UNICODE_MAX = '\u{10ffff}';

/**
 * An upper bound of `s` (in UTF-8 byte order) of about `len` UTF-16 units: a prefix plus a tie-breaker
 * that sorts after the character it replaces. Prefixes of U+10FFFF cannot be bounded that way and are
 * extended; past 2 x len there is no short bound and the result is undefined.
 */
export function truncateMax(s: string, len: number): string | undefined {
  if (s.length <= len) return s;
  let at = truncateMin(s, len).length;
  while (at <= 2 * len) {
    if (at >= s.length) return s;
    if (s.startsWith(UNICODE_MAX, at)) at += 2;
    else return s.slice(0, at) + (s.charCodeAt(at) < 0x7f ? ASCII_MAX : UNICODE_MAX);
  }
  return undefined;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Microseconds -> 'YYYY-MM-DDTHH:MM:SS.mmm' (+ 'Z' when UTC), truncated to milliseconds as Spark does. */
export function formatTimestampMillis(micros: bigint, utc: boolean): string {
  const ms = Number(micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n));
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  return `${formatDate(days)}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(rest - s * 1000, 3)}${utc ? 'Z' : ''}`;
}

/** The shortest decimal text that reads back as the same float32 (what Java's Float.toString aims for). */
export function shortestFloat32(v: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === v) return candidate;
  }
  return v;
}

function decimalJson(unscaled: bigint, scale: number): JsonNumber {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return new JsonNumber(negative ? '-' + text : text);
}

function toJson(v: StatValue): string {
  if (v instanceof JsonNumber) return v.text;
  if (typeof v === 'number' || typeof v === 'string') return JSON.stringify(v);
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
    .join(',')}}`;
}

/** The rows a data file holds by its stats' numRecords; undefined when it has no (readable) stats. */
export function recordCount(add: { stats?: string | null }): number | undefined {
  if (!add.stats) return undefined;
  try {
    const n = (JSON.parse(add.stats) as { numRecords?: unknown }).numRecords;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Rows a data file still holds: its record count less its deletion vector's cardinality (0 without stats). */
export const liveRecordCount = (add: { stats?: string | null; deletionVector?: { cardinality: number } | null }): number =>
  (recordCount(add) ?? 0) - (add.deletionVector?.cardinality ?? 0);

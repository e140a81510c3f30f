/**
 * INT96 timestamps (Spark's and Hive's legacy encoding: nanoseconds of the day as int64, then the
 * Julian day as int32, little-endian) read exactly over 0001..9999. parquet-wasm (arrow-rs) turns
 * them into int64 nanoseconds since the epoch, which wraps outside 1677..2262, and offers no option
 * to read them in another unit. So the footer is edited before reading: each INT96 column is declared
 * FIXED_LEN_BYTE_ARRAY(12), whose plain and dictionary encodings are the same 12 bytes a value, and
 * the 12-byte values are then converted to microseconds here, without passing through nanoseconds.
 */
import * as arrow from 'apache-arrow';
import { CompactReader, CompactWriter, T, type TField, type TList } from './thrift-compact.ts';

const INT96 = 3;
const FIXED_LEN_BYTE_ARRAY = 7;
const JULIAN_DAY_OF_EPOCH = 2_440_588n;
const MICROS_PER_DAY = 86_400_000_000n;

export interface Int96Rewrite {
  bytes: Uint8Array;
  /** Each INT96 column as (top-level name, leaf name): how its arrow field is found after reading. */
  columns: { top: string; leaf: string }[];
}

const fieldOf = (fields: TField[], id: number) => fields.find((f) => f.id === id);
const text = new TextDecoder();

/** The file with its INT96 columns declared as 12-byte fixed binary, or undefined when it has none. */
export function declareInt96AsFixed(bytes: Uint8Array): Int96Rewrite | undefined {
  const n = bytes.length;
  if (n < 12 || text.decode(bytes.subarray(n - 4)) !== 'PAR1') return undefined; // not Parquet, or an encrypted footer: left to the reader's error
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset + n - 8, 4).getUint32(0, true);
  const footerStart = n - 8 - footerLength;
  if (footerStart < 4) return undefined;
  const footer = bytes.subarray(footerStart, n - 8);
  // The schema (field 2) comes first: most files are ruled out without parsing their row groups.
  const head = fieldOf(new CompactReader(footer).struct(2), 2)?.value as TList | undefined;
  if (!head?.items.some((e) => fieldOf(e as TField[], 1)?.value === INT96)) return undefined;
  const metadata = new CompactReader(footer).struct();
  const schema = fieldOf(metadata, 2)!.value as TList;

  // Schema elements are a depth-first list; num_children (5) gives the nesting, name (4) the path.
  const columns: { top: string; leaf: string }[] = [];
  const stack: { name: string; left: number }[] = [];
  for (const [index, item] of schema.items.entries()) {
    const element = item as TField[];
    const name = text.decode(fieldOf(element, 4)?.value as Uint8Array);
    const children = (fieldOf(element, 5)?.value as number | undefined) ?? 0;
    const typeField = fieldOf(element, 1);
    if (index > 0 && typeField?.value === INT96) {
      typeField.value = FIXED_LEN_BYTE_ARRAY;
      setField(element, { id: 2, type: T.I32, value: 12 }); // type_length
      columns.push({ top: stack.length > 1 ? stack[1]!.name : name, leaf: name });
    }
    if (index > 0 && stack.length) stack[stack.length - 1]!.left--;
    if (children > 0) stack.push({ name, left: children });
    while (stack.length && stack[stack.length - 1]!.left === 0) stack.pop();
  }
  // Each column chunk's metadata repeats the physical type (ColumnMetaData.type).
  for (const rowGroup of (fieldOf(metadata, 4)?.value as TList | undefined)?.items ?? []) {
    for (const chunk of (fieldOf(rowGroup as TField[], 1)?.value as TList | undefined)?.items ?? []) {
      const meta = fieldOf(chunk as TField[], 3)?.value as TField[] | undefined;
      const type = meta && fieldOf(meta, 1);
      if (type?.value === INT96) type.value = FIXED_LEN_BYTE_ARRAY;
    }
  }

  const writer = new CompactWriter();
  writer.struct(metadata);
  const newFooter = writer.bytes();
  const out = new Uint8Array(footerStart + newFooter.length + 8);
  out.set(bytes.subarray(0, footerStart));
  out.set(newFooter, footerStart);
  new DataView(out.buffer).setUint32(footerStart + newFooter.length, newFooter.length, true);
  out.set(bytes.subarray(n - 4), out.length - 4);
  return { bytes: out, columns };
}

function setField(fields: TField[], field: TField) {
  const existing = fields.findIndex((f) => f.id === field.id);
  if (existing >= 0) fields[existing] = field;
  else {
    fields.push(field);
    fields.sort((a, b) => a.id - b.id);
  }
}

/** Microseconds since the epoch of one INT96 value (12 bytes at `offset`). */
export function int96Micros(view: DataView, offset: number): bigint {
  const nanosOfDay = view.getBigInt64(offset, true);
  const julianDay = BigInt(view.getInt32(offset + 8, true));
  return (julianDay - JULIAN_DAY_OF_EPOCH) * MICROS_PER_DAY + nanosOfDay / 1000n;
}

/** The table with the rewritten INT96 columns (now 12-byte fixed binary) as Timestamp(µs) columns. */
export function int96ToTimestamps(table: arrow.Table, columns: Int96Rewrite['columns']): arrow.Table {
  const tops = new Set(columns.map((c) => c.top));
  const leaves = new Set(columns.map((c) => c.leaf));
  const fields = table.schema.fields.map((f) => (tops.has(f.name) ? convertField(f, leaves) : f));
  const schema = new arrow.Schema(fields, table.schema.metadata);
  const batches = table.batches.map((batch) => {
    const children = batch.data.children.map((child, i) => {
      const name = table.schema.fields[i]!.name;
      return tops.has(name) ? convertData(child, leaves, name) : child;
    });
    const data = arrow.makeData({ type: new arrow.Struct(fields), length: batch.numRows, nullCount: 0, children });
    return new arrow.RecordBatch(schema, data);
  });
  return new arrow.Table(schema, batches);
}

const isInt96Leaf = (type: arrow.DataType, name: string, leaves: Set<string>) =>
  arrow.DataType.isFixedSizeBinary(type) && type.byteWidth === 12 && leaves.has(name);

function convertField(field: arrow.Field, leaves: Set<string>): arrow.Field {
  return new arrow.Field(field.name, convertType(field.type, field.name, leaves), field.nullable, field.metadata);
}

function convertType(type: arrow.DataType, name: string, leaves: Set<string>): arrow.DataType {
  if (isInt96Leaf(type, name, leaves)) return new arrow.TimestampMicrosecond('UTC');
  if (arrow.DataType.isStruct(type)) return new arrow.Struct(type.children.map((c) => convertField(c, leaves)));
  if (arrow.DataType.isList(type)) return new arrow.List(convertField(type.children[0]!, leaves));
  if (arrow.DataType.isMap(type)) return new arrow.Map_(convertField(type.children[0]!, leaves) as arrow.Field<arrow.Struct>, type.keysSorted);
  return type;
}

function convertData(data: arrow.Data, leaves: Set<string>, name: string): arrow.Data {
  const type = data.type as arrow.DataType;
  if (isInt96Leaf(type, name, leaves)) {
    const bytes = data.values as Uint8Array;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const values = new BigInt64Array(data.offset + data.length);
    for (let i = data.offset; i < data.offset + data.length; i++) {
      if (data.getValid(i - data.offset)) values[i] = int96Micros(view, i * 12);
    }
    return arrow.makeData({
      type: new arrow.TimestampMicrosecond('UTC'),
      offset: data.offset,
      length: data.length,
      nullCount: data.nullCount,
      nullBitmap: data.nullBitmap,
      data: values,
    });
  }
  if (!data.children.length) return data;
  const childFields = type.children as arrow.Field[];
  const children = data.children.map((child, i) => convertData(child, leaves, childFields[i]!.name));
  const common = { type: convertType(type, name, leaves), offset: data.offset, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap };
  if (arrow.DataType.isStruct(type)) return arrow.makeData({ ...common, children } as never);
  if (arrow.DataType.isList(type) || arrow.DataType.isMap(type))
    return arrow.makeData({ ...common, valueOffsets: data.valueOffsets, child: children[0] } as never);
  return data;
}

/**
 * Thrift's compact protocol, generically: a struct is parsed into its fields (id, wire type, value)
 * without knowing its IDL, and written back. Enough to edit a Parquet footer (FileMetaData) and keep
 * every field this code does not know about.
 */

export const T = { TRUE: 1, FALSE: 2, I8: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;

export interface TField {
  id: number;
  type: number;
  value: TValue;
}
export interface TList {
  elementType: number;
  items: TValue[];
}
export interface TMap {
  keyType: number;
  valueType: number;
  entries: [TValue, TValue][];
}
/** Integers as bigint (i64) or number; binary as bytes; bool as boolean; struct as its fields. */
export type TValue = number | bigint | boolean | Uint8Array | TField[] | TList | TMap;

export class CompactReader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  private byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('thrift: unexpected end of data');
    return this.bytes[this.pos++]!;
  }
  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('thrift: varint too long');
    }
  }
  private zigzag(): bigint {
    const n = this.varint();
    return (n >> 1n) ^ -(n & 1n);
  }

  /** A struct's fields; with `until`, only those up to that field id (the rest left unread). */
  struct(until = Infinity): TField[] {
    const fields: TField[] = [];
    let last = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return fields;
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta ? last + delta : Number(this.zigzag());
      last = id;
      const value = type === T.TRUE || type === T.FALSE ? type === T.TRUE : this.value(type);
      fields.push({ id, type, value });
      if (id >= until) return fields;
    }
  }

  private value(type: number): TValue {
    switch (type) {
      case T.TRUE:
      case T.FALSE:
        return this.byte() === 1; // a bool inside a list or map is one byte
      case T.I8: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case T.I16:
      case T.I32:
        return Number(this.zigzag());
      case T.I64:
        return this.zigzag();
      case T.DOUBLE: {
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case T.BINARY: {
        const length = Number(this.varint());
        if (this.pos + length > this.bytes.length) throw new Error('thrift: binary past the end of data');
        const v = this.bytes.subarray(this.pos, this.pos + length);
        this.pos += length;
        return v;
      }
      case T.LIST:
      case T.SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? Number(this.varint()) : header >> 4;
        const elementType = header & 0x0f;
        const items: TValue[] = [];
        for (let i = 0; i < size; i++) items.push(this.value(elementType));
        return { elementType, items };
      }
      case T.MAP: {
        const size = Number(this.varint());
        if (size === 0) return { keyType: 0, valueType: 0, entries: [] };
        const kinds = this.byte();
        const map: TMap = { keyType: kinds >> 4, valueType: kinds & 0x0f, entries: [] };
        for (let i = 0; i < size; i++) map.entries.push([this.value(map.keyType), this.value(map.valueType)]);
        return map;
      }
      case T.STRUCT:
        return this.struct();
    }
    throw new Error(`thrift: unknown compact type ${type}`);
  }
}

export class CompactWriter {
  private out: number[] = [];

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
  private varint(n: bigint) {
    let v = BigInt.asUintN(64, n);
    while (v >= 0x80n) {
      this.out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.out.push(Number(v));
  }
  private zigzag(n: bigint) {
    this.varint(BigInt.asUintN(64, (n << 1n) ^ (n >> 63n)));
  }

  struct(fields: readonly TField[]) {
    let last = 0;
    for (const f of fields) {
      const type = f.type === T.TRUE || f.type === T.FALSE ? (f.value ? T.TRUE : T.FALSE) : f.type;
      const delta = f.id - last;
      if (delta > 0 && delta <= 15) this.out.push((delta << 4) | type);
      else {
        this.out.push(type);
        this.zigzag(BigInt(f.id));
      }
      last = f.id;
      if (type !== T.TRUE && type !== T.FALSE) this.value(type, f.value);
    }
    this.out.push(0);
  }

  private value(type: number, value: TValue) {
    switch (type) {
      case T.TRUE:
      case T.FALSE:
        this.out.push(value ? 1 : 2);
        return;
      case T.I8:
        this.out.push((value as number) & 0xff);
        return;
      case T.I16:
      case T.I32:
        this.zigzag(BigInt(value as number));
        return;
      case T.I64:
        this.zigzag(value as bigint);
        return;
      case T.DOUBLE: {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, value as number, true);
        this.out.push(...b);
        return;
      }
      case T.BINARY: {
        const b = value as Uint8Array;
        this.varint(BigInt(b.length));
        for (let i = 0; i < b.length; i++) this.out.push(b[i]!);
        return;
      }
      case T.LIST:
      case T.SET: {
        const list = value as TList;
        if (list.items.length < 15) this.out.push((list.items.length << 4) | list.elementType);
        else {
          this.out.push(0xf0 | list.elementType);
          this.varint(BigInt(list.items.length));
        }
        for (const item of list.items) this.value(list.elementType, item);
        return;
      }
      case T.MAP: {
        const map = value as TMap;
        this.varint(BigInt(map.entries.length));
        if (!map.entries.length) return;
        this.out.push((map.keyType << 4) | map.valueType);
        for (const [k, v] of map.entries) {
          this.value(map.keyType, k);
          this.value(map.valueType, v);
        }
        return;
      }
      case T.STRUCT:
        this.struct(value as TField[]);
        return;
    }
    throw new Error(`thrift: unknown compact type ${type}`);
  }
}

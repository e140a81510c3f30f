/**
 * Avro object container files, write side only, for the record shapes Iceberg manifests use: records
 * of int, long, string, nullable unions and nested records. Uncompressed, one block.
 */
import { randomBytes } from 'node:crypto';

export type AvroType = 'int' | 'long' | 'string' | 'boolean' | AvroRecord | ['null', 'int' | 'long' | 'string' | AvroRecord];
export interface AvroField {
  name: string;
  type: AvroType;
  /** Iceberg's field id, carried in the schema as `field-id`. */
  'field-id': number;
}
export interface AvroRecord {
  type: 'record';
  name: string;
  fields: AvroField[];
}

class Out {
  private chunks: number[] = [];
  long(n: number | bigint) {
    let v = BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) >> 63n));
    while (v >= 0x80n) {
      this.chunks.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.chunks.push(Number(v));
  }
  bytes(b: Uint8Array) {
    this.long(b.length);
    for (const x of b) this.chunks.push(x);
  }
  raw(b: Uint8Array) {
    for (const x of b) this.chunks.push(x);
  }
  string(s: string) {
    this.bytes(new TextEncoder().encode(s));
  }
  get length() {
    return this.chunks.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function writeValue(out: Out, type: AvroType, value: unknown, path: string) {
  if (Array.isArray(type)) {
    if (value === null || value === undefined) return out.long(0);
    out.long(1);
    return writeValue(out, type[1], value, path);
  }
  if (typeof type === 'object') {
    const record = value as Record<string, unknown>;
    for (const f of type.fields) writeValue(out, f.type, record[f.name], `${path}.${f.name}`);
    return;
  }
  if (value === null || value === undefined) throw new Error(`avro: ${path} is required`);
  switch (type) {
    case 'int':
    case 'long':
      return out.long(value as number | bigint);
    case 'string':
      return out.string(value as string);
    case 'boolean':
      return out.raw(Uint8Array.of(value ? 1 : 0));
  }
}

/** An Avro container file of `records`, with the schema and the extra header metadata given. */
export function avroFile(schema: AvroRecord, records: readonly Record<string, unknown>[], metadata: Record<string, string> = {}): Uint8Array {
  const out = new Out();
  out.raw(new TextEncoder().encode('Obj\x01'));
  const header = { 'avro.schema': JSON.stringify(schema), 'avro.codec': 'null', ...metadata };
  out.long(Object.keys(header).length);
  for (const [k, v] of Object.entries(header)) {
    out.string(k);
    out.string(v);
  }
  out.long(0);
  const sync = randomBytes(16);
  out.raw(sync);
  const block = new Out();
  for (const r of records) writeValue(block, schema, r, schema.name);
  const body = block.done();
  out.long(records.length);
  out.long(body.length);
  out.raw(body);
  out.raw(sync);
  return out.done();
}

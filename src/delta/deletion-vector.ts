/**
 * Deletion vectors (PROTOCOL.md, "Deletion Vectors"): a set of deleted row indexes per data file,
 * serialised as a 64-bit RoaringTreemap in the "portable" Roaring format behind a magic number, stored
 * inline in the log (z85) or in a `.bin` file next to the data (with a size prefix and a CRC-32).
 */
import type { DeletionVectorDescriptor } from './actions.ts';
import { tablePath } from './table-path.ts';
import type { Storage } from '../storage/storage.ts';
import { corruptTable, unsupportedFeature } from '../core/errors.ts';

const MAGIC = 1681511377;
const SERIAL_COOKIE_NO_RUN = 12346;
const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;
const ARRAY_MAX = 4096;

/** Identity of a DV for log replay: two adds of one path are different files if their DVs differ. */
export const deletionVectorId = (dv: DeletionVectorDescriptor): string => `${dv.storageType}${dv.pathOrInlineDv}${dv.offset != null ? `@${dv.offset}` : ''}`;

// ---- z85 (ZeroMQ base-85), used for inline DVs and for the UUID in relative DV paths ----

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const Z85_DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < Z85.length; i++) Z85_DECODE[Z85.charCodeAt(i)] = i;

export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) throw corruptTable(`z85 text length ${text.length} is not a multiple of 5`);
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = Z85_DECODE[text.charCodeAt(i + j)] ?? -1;
      if (digit < 0) throw corruptTable(`invalid z85 character '${text[i + j]}'`);
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw corruptTable('z85 block out of range');
    out[o] = value >>> 24;
    out[o + 1] = (value >>> 16) & 0xff;
    out[o + 2] = (value >>> 8) & 0xff;
    out[o + 3] = value & 0xff;
  }
  return out;
}

/** z85 of the bytes, zero-padded to a multiple of 4 (readers cut to the size they were given). */
export function z85Encode(bytes: Uint8Array): string {
  let padded = bytes;
  if (bytes.length % 4 !== 0) {
    padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
    padded.set(bytes);
  }
  let out = '';
  for (let i = 0; i < padded.length; i += 4) {
    let value = ((padded[i] << 24) | (padded[i + 1] << 16) | (padded[i + 2] << 8) | padded[i + 3]) >>> 0;
    const chars = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      chars[j] = Z85[value % 85];
      value = Math.floor(value / 85);
    }
    out += chars.join('');
  }
  return out;
}

// ---- locating and reading the serialised bitmap ----

const formatUuid = (b: Uint8Array) => {
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** Path of a 'u' DV file relative to the table root: `[prefix/]deletion_vector_<uuid>.bin`. */
export function relativeDeletionVectorPath(pathOrInlineDv: string): string {
  if (pathOrInlineDv.length < 20) throw corruptTable(`deletion vector id '${pathOrInlineDv}' is too short`);
  const prefix = pathOrInlineDv.slice(0, -20);
  const uuid = formatUuid(z85Decode(pathOrInlineDv.slice(-20)));
  return `${prefix ? `${prefix}/` : ''}deletion_vector_${uuid}.bin`;
}

/** Reads a DV and returns the deleted row indexes, sorted ascending. */
export async function readDeletionVector(storage: Storage, dv: DeletionVectorDescriptor): Promise<Float64Array> {
  return decodeDeletionVector(await readDeletionVectorBytes(storage, dv));
}

async function readDeletionVectorBytes(storage: Storage, dv: DeletionVectorDescriptor): Promise<Uint8Array> {
  if (dv.storageType === 'i') return z85Decode(dv.pathOrInlineDv).subarray(0, dv.sizeInBytes);
  let path: string;
  if (dv.storageType === 'u') path = relativeDeletionVectorPath(dv.pathOrInlineDv);
  else if (dv.storageType === 'p') path = tablePath(storage, dv.pathOrInlineDv);
  else throw unsupportedFeature(`deletion vector storage type '${dv.storageType as string}'`, ['u', 'i', 'p']);
  // File layout: 1 version byte, then at `offset`: u32 BE size, the bitmap, u32 BE CRC-32 of the bitmap.
  const offset = dv.offset ?? 1;
  const framed = await storage.readRange(path, offset, offset + 4 + dv.sizeInBytes + 4);
  if (framed.length < 8 + dv.sizeInBytes) throw corruptTable(`deletion vector ${storage.root}/${path} is truncated`);
  const view = new DataView(framed.buffer, framed.byteOffset, framed.byteLength);
  const size = view.getUint32(0);
  if (size !== dv.sizeInBytes) throw corruptTable(`deletion vector ${storage.root}/${path} has size ${size}, the log says ${dv.sizeInBytes}`);
  const bitmap = framed.subarray(4, 4 + size);
  const crc = view.getUint32(4 + size);
  if (crc !== Bun.hash.crc32(bitmap) >>> 0) throw corruptTable(`deletion vector ${storage.root}/${path} fails its CRC check`);
  return bitmap;
}

// ---- RoaringTreemap portable format ----

/** Deleted row indexes from a serialised DV (magic + RoaringTreemap), sorted ascending. */
export function decodeDeletionVector(bytes: Uint8Array): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || view.getUint32(0, true) !== MAGIC) throw corruptTable('deletion vector has a bad magic number');
  const bitmapCount = Number(view.getBigUint64(4, true));
  const rows: number[] = [];
  let pos = 12;
  for (let b = 0; b < bitmapCount; b++) {
    const high = view.getUint32(pos, true) * 2 ** 32;
    pos = readRoaring32(view, pos + 4, high, rows);
  }
  return Float64Array.from(rows);
}

function readRoaring32(view: DataView, start: number, high: number, out: number[]): number {
  let pos = start;
  const cookie = view.getUint32(pos, true);
  pos += 4;
  let containers: number;
  let runFlags: Uint8Array | undefined;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    containers = (cookie >>> 16) + 1;
    const flagBytes = Math.ceil(containers / 8);
    runFlags = new Uint8Array(view.buffer, view.byteOffset + pos, flagBytes);
    pos += flagBytes;
  } else if (cookie === SERIAL_COOKIE_NO_RUN) {
    containers = view.getUint32(pos, true);
    pos += 4;
  } else {
    throw corruptTable(`deletion vector has an unknown Roaring cookie ${cookie}`);
  }
  const keys = new Array<number>(containers);
  const cards = new Array<number>(containers);
  for (let c = 0; c < containers; c++) {
    keys[c] = view.getUint16(pos, true);
    cards[c] = view.getUint16(pos + 2, true) + 1;
    pos += 4;
  }
  if (!runFlags || containers >= NO_OFFSET_THRESHOLD) pos += 4 * containers; // container offsets: not needed sequentially
  for (let c = 0; c < containers; c++) {
    const base = high + keys[c] * 65536;
    if (runFlags && (runFlags[c >> 3] >> (c & 7)) & 1) {
      const runs = view.getUint16(pos, true);
      pos += 2;
      for (let r = 0; r < runs; r++) {
        const first = view.getUint16(pos, true);
        const length = view.getUint16(pos + 2, true);
        pos += 4;
        for (let v = first; v <= first + length; v++) out.push(base + v);
      }
    } else if (cards[c] <= ARRAY_MAX) {
      for (let i = 0; i < cards[c]; i++, pos += 2) out.push(base + view.getUint16(pos, true));
    } else {
      for (let w = 0; w < 2048; w++, pos += 4) {
        let word = view.getUint32(pos, true);
        while (word !== 0) {
          const bit = 31 - Math.clz32(word & -word);
          out.push(base + w * 32 + bit);
          word &= word - 1;
        }
      }
    }
  }
  return pos;
}

/**
 * Serialises row indexes as a DV (magic + RoaringTreemap, no run containers): what 'i' DVs z85-encode
 * and what `sizeInBytes` counts. Frame it with `deletionVectorFile` to write a 'u' DV file.
 */
export function encodeDeletionVector(rowIndexes: Iterable<number>): Uint8Array {
  const sorted = Float64Array.from(new Set(rowIndexes)).sort();
  // Group by high 32 bits, then by 16-bit container key.
  const bitmaps: { high: number; containers: { key: number; values: number[] }[] }[] = [];
  for (const row of sorted) {
    if (!Number.isSafeInteger(row) || row < 0) throw corruptTable(`row index ${row} cannot be stored in a deletion vector`);
    const high = Math.floor(row / 2 ** 32);
    const low = row - high * 2 ** 32;
    const key = low >>> 16;
    let bitmap = bitmaps[bitmaps.length - 1];
    if (!bitmap || bitmap.high !== high) bitmaps.push((bitmap = { high, containers: [] }));
    let container = bitmap.containers[bitmap.containers.length - 1];
    if (!container || container.key !== key) bitmap.containers.push((container = { key, values: [] }));
    container.values.push(low & 0xffff);
  }
  let size = 12;
  for (const b of bitmaps) {
    size += 4 + 8 + 8 * b.containers.length;
    for (const c of b.containers) size += c.values.length <= ARRAY_MAX ? 2 * c.values.length : 8192;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setBigUint64(4, BigInt(bitmaps.length), true);
  let pos = 12;
  for (const b of bitmaps) {
    view.setUint32(pos, b.high, true);
    pos += 4;
    const start = pos;
    view.setUint32(pos, SERIAL_COOKIE_NO_RUN, true);
    view.setUint32(pos + 4, b.containers.length, true);
    pos += 8;
    for (const c of b.containers) {
      view.setUint16(pos, c.key, true);
      view.setUint16(pos + 2, c.values.length - 1, true);
      pos += 4;
    }
    // Offsets are relative to the start of this 32-bit bitmap.
    let dataPos = pos + 4 * b.containers.length;
    for (const c of b.containers) {
      view.setUint32(pos, dataPos - start, true);
      pos += 4;
      dataPos += c.values.length <= ARRAY_MAX ? 2 * c.values.length : 8192;
    }
    for (const c of b.containers) {
      if (c.values.length <= ARRAY_MAX) {
        for (const v of c.values) {
          view.setUint16(pos, v, true);
          pos += 2;
        }
      } else {
        for (const v of c.values) out[pos + (v >> 3)] |= 1 << (v & 7);
        pos += 8192;
      }
    }
  }
  return out;
}

/** A complete 'u' DV file holding one bitmap at offset 1: version byte, size, bitmap, CRC-32 (big-endian). */
export function deletionVectorFile(bitmap: Uint8Array): { bytes: Uint8Array; offset: number; sizeInBytes: number } {
  const bytes = new Uint8Array(1 + 4 + bitmap.length + 4);
  const view = new DataView(bytes.buffer);
  bytes[0] = 1;
  view.setUint32(1, bitmap.length);
  bytes.set(bitmap, 5);
  view.setUint32(5 + bitmap.length, Bun.hash.crc32(bitmap) >>> 0);
  return { bytes, offset: 1, sizeInBytes: bitmap.length };
}

import { describe, expect, test } from 'bun:test';
import {
  decodeDeletionVector,
  deletionVectorFile,
  encodeDeletionVector,
  readDeletionVector,
  relativeDeletionVectorPath,
  z85Decode,
  z85Encode,
} from '../../../src/delta/deletion-vector.ts';
import { tempStorage } from './table-fixture.ts';

describe('z85', () => {
  test('matches the ZeroMQ reference vector', () => {
    const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Encode(bytes)).toBe('HelloWorld');
    expect(z85Decode('HelloWorld')).toEqual(bytes);
  });

  test('pads to whole blocks and rejects bad input', () => {
    expect(z85Decode(z85Encode(Uint8Array.from([1, 2, 3]))).subarray(0, 3)).toEqual(Uint8Array.from([1, 2, 3]));
    expect(() => z85Decode('abcd')).toThrow('multiple of 5');
    expect(() => z85Decode('abc"e')).toThrow('invalid z85');
  });
});

describe('RoaringTreemap', () => {
  test('round-trips arrays, bitmap containers and rows above 2^32', () => {
    const dense = Array.from({ length: 5000 }, (_, i) => 70_000 + i * 2); // > 4096 in one container: a bitmap
    const rows = [0, 1, 65_535, 65_536, ...dense, 2 ** 32 + 5, 3 * 2 ** 32 + 65_537];
    expect(Array.from(decodeDeletionVector(encodeDeletionVector([...rows].reverse())))).toEqual(rows);
  });

  test('an empty set encodes to the bare header', () => {
    expect(decodeDeletionVector(encodeDeletionVector([]))).toHaveLength(0);
  });

  test('decodes run containers (Spark writes them)', () => {
    // magic, 1 bitmap, key 0, cookie 12347 with 1 container, run flag set, key 0 card 10, 1 run [3, 3+9].
    const bytes = new Uint8Array(12 + 4 + 4 + 1 + 4 + 2 + 4);
    const v = new DataView(bytes.buffer);
    v.setUint32(0, 1681511377, true);
    v.setBigUint64(4, 1n, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, 12347, true);
    bytes[20] = 1;
    v.setUint16(21, 0, true);
    v.setUint16(23, 9, true);
    v.setUint16(25, 1, true);
    v.setUint16(27, 3, true);
    v.setUint16(29, 9, true);
    expect(Array.from(decodeDeletionVector(bytes))).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  test('rejects a bad magic number', () => {
    expect(() => decodeDeletionVector(new Uint8Array(12))).toThrow('bad magic');
  });
});

describe('reading deletion vectors', () => {
  const rows = [2, 7, 100_000];
  const bitmap = encodeDeletionVector(rows);

  test('inline', async () => {
    const dv = { storageType: 'i' as const, pathOrInlineDv: z85Encode(bitmap), sizeInBytes: bitmap.length, cardinality: 3 };
    expect(Array.from(await readDeletionVector(tempStorage(), dv))).toEqual(rows);
  });

  test('relative by UUID, with size and CRC checks', async () => {
    const storage = tempStorage();
    const uuid = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    const id = `ab${z85Encode(uuid)}`;
    const path = relativeDeletionVectorPath(id);
    expect(path).toBe('ab/deletion_vector_00112233-4455-6677-8899-aabbccddeeff.bin');
    const file = deletionVectorFile(bitmap);
    await storage.write(path, file.bytes);
    const dv = { storageType: 'u' as const, pathOrInlineDv: id, offset: file.offset, sizeInBytes: file.sizeInBytes, cardinality: 3 };
    expect(Array.from(await readDeletionVector(storage, dv))).toEqual(rows);

    const corrupt = file.bytes.slice();
    corrupt[file.bytes.length - 1] ^= 0xff;
    await storage.write(path, corrupt);
    await expect(readDeletionVector(storage, dv)).rejects.toThrow('CRC');
    await expect(readDeletionVector(storage, { ...dv, sizeInBytes: file.sizeInBytes - 1 })).rejects.toThrow('size');
  });

  test('absolute path inside the table', async () => {
    const storage = tempStorage();
    await storage.write('dv.bin', deletionVectorFile(bitmap).bytes);
    const dv = { storageType: 'p' as const, pathOrInlineDv: `file://${storage.root}/dv.bin`, offset: 1, sizeInBytes: bitmap.length, cardinality: 3 };
    expect(Array.from(await readDeletionVector(storage, dv))).toEqual(rows);
  });
});

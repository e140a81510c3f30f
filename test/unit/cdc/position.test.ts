import { describe, expect, test } from 'bun:test';
import { comparePositions, decodePosition, encodePosition, positionOf, type SourcePosition } from '../../../src/cdc/index.ts';
import { Prng } from '../../../fake-it/prng.ts';

const pg = (lsn: number, seq: string | null, offset = 0n) => positionOf({ connector: 'postgresql', lsn, sequence: seq }, 0, offset, 0);

describe('source positions', () => {
  test('PostgreSQL orders by lsn, then the sequence, then the Kafka offset', () => {
    expect(comparePositions(pg(100, '["90","100"]'), pg(200, '["90","200"]'))).toBe(-1);
    expect(comparePositions(pg(100, '["90","100"]'), pg(100, '["95","100"]'))).toBe(-1);
    expect(comparePositions(pg(100, '["90","100"]', 4n), pg(100, '["90","100"]', 3n))).toBe(1);
    expect(comparePositions(pg(100, '["90","100"]'), pg(100, '["90","100"]'))).toBe(0);
    expect(pg(100, '[null,"100"]').parts).toEqual([100n, 0n, 100n, 0n, 0n]);
  });

  test('a position just after another sorts after it and before every later position, encoded or not', () => {
    const pos = (parts: bigint[], justAfter = false): SourcePosition => ({ kind: 'postgres', parts, justAfter });
    const at = pos([100n, 0n, 100n]);
    const next = pos([100n, 0n, 100n], true);
    expect(comparePositions(next, at)).toBe(1);
    expect(encodePosition(next) > encodePosition(at)).toBe(true);
    for (const later of [pos([100n, 0n, 101n]), pos([101n, 0n, 0n]), pos([0x1000n, 0n, 0n]), pos([100n, 1n, 0n]), pos([100n, 0n, 100n, 1n])]) {
      expect(comparePositions(next, later)).toBe(-1);
      expect(encodePosition(next) < encodePosition(later)).toBe(true);
    }
    for (const earlier of [pos([99n, 0n, 100n]), pos([100n, 0n, 99n]), pos([0n, 0n, 0n])]) expect(encodePosition(next) > encodePosition(earlier)).toBe(true);
    expect(decodePosition(encodePosition(next))).toEqual({ kind: 'postgres', parts: [100n, 0n, 100n, 0n] });
  });

  test('MySQL orders by binlog file number, position, row', () => {
    const my = (file: string, pos: number, row: number) => positionOf({ connector: 'mysql', file, pos, row }, 0, 0n, 0);
    expect(comparePositions(my('mysql-bin.000009', 90000, 0), my('mysql-bin.000010', 4, 0))).toBe(-1);
    expect(comparePositions(my('mysql-bin.000010', 400, 2), my('mysql-bin.000010', 400, 1))).toBe(1);
  });

  test('other connectors order by ts_ms, then partition and offset', () => {
    const other = (ts: number, partition: number, offset: bigint) => positionOf({ connector: 'sqlserver', ts_ms: ts }, partition, offset, 0);
    expect(other(5, 0, 9n)).toEqual({ kind: 'generic', parts: [5n, 0n, 9n] });
    expect(comparePositions(other(5, 0, 9n), other(6, 0, 1n))).toBe(-1);
    expect(comparePositions(other(5, 0, 9n), other(5, 0, 10n))).toBe(-1);
    expect(positionOf({}, 1, 2n, 1234.9).parts).toEqual([1234n, 1n, 2n]);
  });

  test('the encoded form round-trips and sorts like comparePositions', () => {
    const prng = new Prng(99);
    const big = () => [0n, 1n, BigInt(prng.int(0, 1000)), BigInt(prng.int(0, 2 ** 31)) * BigInt(prng.int(0, 2 ** 31)), 2n ** 64n - 1n][prng.int(0, 4)]!;
    const positions: SourcePosition[] = [];
    for (let i = 0; i < 400; i++) {
      const kind = (['postgres', 'mysql', 'generic'] as const)[prng.int(0, 2)]!;
      positions.push({ kind, parts: Array.from({ length: kind === 'generic' ? 3 : 5 }, big) });
    }
    for (const p of positions) expect(decodePosition(encodePosition(p))).toEqual(p);
    const byCompare = [...positions].sort(comparePositions).map(encodePosition);
    const byText = positions.map(encodePosition).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(byText).toEqual(byCompare);
    expect(encodePosition({ kind: 'postgres', parts: [24023128n, 0n, 24023128n, 0n, 17n] })).toBe('p716e90580716e90580211');
  });

  test('malformed encodings are rejected', () => {
    for (const bad of ['', 'x1', 'p2a', 'p1g', 'pz']) expect(decodePosition(bad)).toBeUndefined();
  });
});

test('sequence values may be quoted, bare or null', () => {
  const seq = (s: string) => positionOf({ connector: 'postgresql', lsn: 50, sequence: s }, 0, 0n, 0).parts.slice(1, 3);
  expect(seq('["10","50"]')).toEqual([10n, 50n]);
  expect(seq('[10, 50]')).toEqual([10n, 50n]);
  expect(seq('[null,null]')).toEqual([0n, 50n]);
  expect(seq('garbage')).toEqual([0n, 50n]);
});

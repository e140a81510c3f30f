/**
 * One test suite for every Storage implementation: the promises of storage.ts (sorted listing, atomic
 * put-if-absent, missing reads as undefined) checked the same way against each.
 */
import { describe, expect, test } from 'bun:test';
import type { Storage } from '../../src/storage/storage.ts';

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

export function storageSuite(name: string, fresh: () => Promise<Storage>) {
  describe(`Storage contract: ${name}`, () => {
    test('missing files read as undefined; writes read back; overwrite replaces', async () => {
      const s = await fresh();
      expect(await s.read('nope/missing.json')).toBeUndefined();
      await s.write('a/b.bin', new Uint8Array([1, 2, 3]));
      expect([...(await s.read('a/b.bin'))!]).toEqual([1, 2, 3]);
      await s.write('a/b.bin', 'replaced');
      expect(text(await s.read('a/b.bin'))).toBe('replaced');
    });

    test('readRange returns [start, end)', async () => {
      const s = await fresh();
      await s.write('r.txt', '0123456789');
      expect(text(await s.readRange('r.txt', 2, 5))).toBe('234');
      expect(text(await s.readRange('r.txt', 7, 10))).toBe('789');
    });

    test('list is sorted by path, recursive on request, empty for a missing dir', async () => {
      const s = await fresh();
      for (const p of ['d/b.json', 'd/a.json', 'd/sub/c.json', 'd/A.json', 'e/x.json']) await s.write(p, p);
      expect((await s.list('d')).map((f) => f.path)).toEqual(['d/A.json', 'd/a.json', 'd/b.json']);
      const all = await s.list('d', { recursive: true });
      expect(all.map((f) => f.path)).toEqual(['d/A.json', 'd/a.json', 'd/b.json', 'd/sub/c.json']);
      expect(all[0].size).toBe('d/A.json'.length);
      expect(Math.abs(all[0].modified - Date.now())).toBeLessThan(60_000);
      expect(await s.list('missing')).toEqual([]);
      expect((await s.list('', { recursive: true })).length).toBe(5);
    });

    test('list pages through more than a thousand entries', async () => {
      const s = await fresh();
      const names = Array.from({ length: 1050 }, (_, i) => `many/${String(i).padStart(5, '0')}.json`);
      for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((n) => s.write(n, 'x')));
      expect((await s.list('many')).map((f) => f.path)).toEqual(names);
    }, 60_000);

    test('putIfAbsent creates once; the loser sees false and the content stays', async () => {
      const s = await fresh();
      expect(await s.putIfAbsent('_delta_log/00000000000000000000.json', 'first')).toBe(true);
      expect(await s.putIfAbsent('_delta_log/00000000000000000000.json', 'second')).toBe(false);
      expect(text(await s.read('_delta_log/00000000000000000000.json'))).toBe('first');
    });

    test('concurrent putIfAbsent to one path: exactly one wins', async () => {
      const s = await fresh();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s.putIfAbsent('race.json', `writer ${i}`)));
      expect(results.filter(Boolean).length).toBe(1);
      expect(text(await s.read('race.json'))).toBe(`writer ${results.indexOf(true)}`);
    });

    test('delete is idempotent; at() views a sub-directory', async () => {
      const s = await fresh();
      await s.write('t/x/y.json', 'y');
      const sub = s.at('t');
      expect(text(await sub.read('x/y.json'))).toBe('y');
      expect((await sub.list('x')).map((f) => f.path)).toEqual(['x/y.json']);
      expect(sub.root.endsWith('t')).toBe(true);
      await sub.delete('x/y.json');
      await sub.delete('x/y.json');
      expect(await s.read('t/x/y.json')).toBeUndefined();
    });
  });
}

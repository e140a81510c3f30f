import { expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { ServingStore } from '../../../src/silver/index.ts';
import { field, struct } from '../../../src/delta/index.ts';

test("a key's unapplied latest position survives its row moving, and goes when a newer change applies", () => {
  const store = new ServingStore(new Database(':memory:'), 'items', struct([field('id', 'long'), field('name', 'string')]));
  const entry = { key: 'k1', file: 'a.parquet', row: 0, position: 'p3', deleted: false, image: { id: '1', name: 'x' } };
  store.put(entry);
  expect(store.get('k1')!.seen).toBeUndefined();
  store.markSeen('k1', 'p2');
  expect(store.get('k1')!.seen).toBe('p2');
  store.put({ ...entry, file: 'b.parquet', row: 7 }); // compaction or a copy-on-write rewrite moved it
  expect(store.get('k1')).toMatchObject({ file: 'b.parquet', row: 7, position: 'p3', seen: 'p2' });
  store.put({ ...entry, position: 'p4', image: { id: '1', name: 'y' } });
  expect(store.get('k1')!.seen).toBeUndefined();
});

test('the tombstone index is made with the first tombstone, is found again on reopening, and purging uses it', () => {
  const db = new Database(':memory:');
  const schema = struct([field('id', 'long'), field('name', 'string')]);
  const indexes = () =>
    (db.query(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%tombstones'`).all() as { name: string }[]).map((r) => r.name);
  const store = new ServingStore(db, 'items', schema);
  store.put({ key: 'k1', file: 'a.parquet', row: 0, position: 'p1', deleted: false, image: { id: '1', name: 'x' } });
  expect(indexes()).toEqual([]);
  expect(store.purgeTombstones(Date.now() + 1000)).toBe(0);
  store.put({ key: 'k1', file: null, row: null, position: 'p2', deleted: true, image: null });
  expect(indexes()).toEqual(['lh:silver:items:tombstones']);
  const reopened = new ServingStore(db, 'items', schema);
  expect(reopened.purgeTombstones(Date.now() + 1000)).toBe(1);
  expect(reopened.get('k1')).toBeUndefined();
});

import { Database } from 'bun:sqlite';
import { migrate } from '../../../src/state/index.ts';
import { expect, test } from 'bun:test';
import { ChangeFeed } from '../../../src/pipeline/change-feed.ts';
import type { ChangeRecord } from '../../../src/pipeline/lakehouse-view.ts';

const change = (table: string, n: number): Omit<ChangeRecord, 'id'> => ({
  table,
  op: n % 3 === 0 ? 'd' : 'u',
  key: { id: n },
  before: { id: n, name: `old ${n}` },
  after: n % 3 === 0 ? null : { id: n, name: `new ${n}`, big: '9007199254740993' },
  version: n,
  position: `p${n}`,
  ts: '2026-01-01T00:00:00.000Z',
});

test('changes come back in order with their ids, from any id, per table, up to a limit', () => {
  const db = new Database(':memory:');
  migrate(db);
  const feed = new ChangeFeed(db);
  const heard: ChangeRecord[] = [];
  feed.subscribe((c) => heard.push(c));
  const first = [change('voters', 1), change('voters', 2), change('polls', 3), change('voters', 4)];
  feed.append(first);
  feed.append([change('polls', 5), change('polls', 6)]);
  const all = feed.since(0, 100);
  expect(all.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(all).toEqual(heard);
  expect(all[0]).toEqual({ id: 1, ...change('voters', 1) });
  expect(feed.since(1, 100).map((c) => c.id)).toEqual([2, 3, 4, 5, 6]);
  expect(feed.since(5, 100).map((c) => c.id)).toEqual([6]);
  expect(feed.since(6, 100)).toEqual([]);
  expect(feed.since(1, 2).map((c) => c.id)).toEqual([2, 3]);
  expect(feed.since(0, 100, 'polls').map((c) => c.id)).toEqual([3, 5, 6]);
  expect(feed.since(3, 1, 'polls').map((c) => c.key)).toEqual([{ id: 5 }]);
});

test('only the newest changes are retained, and ids continue after a reopen', () => {
  const db = new Database(':memory:');
  migrate(db);
  const feed = new ChangeFeed(db, 5);
  for (let n = 1; n <= 12; n += 2) feed.append([change('voters', n), change('voters', n + 1)]);
  const kept = feed.since(0, 100).map((c) => c.id);
  // Whole stored runs go: at least the newest 5 are kept, nothing older than one run beyond them.
  expect(kept.slice(-5)).toEqual([8, 9, 10, 11, 12]);
  expect(kept.length).toBeLessThanOrEqual(6);
  const reopened = new ChangeFeed(db, 5);
  reopened.append([change('polls', 13)]);
  expect(reopened.since(12, 10).map((c) => c.id)).toEqual([13]);
  // A read-only reader sees the same.
  expect(new ChangeFeed(db, 5, false).since(11, 10).map((c) => c.id)).toEqual([12, 13]);
});

test('a feed stored one row per change (the earlier layout) gives way without reusing its ids', () => {
  const db = new Database(':memory:');
  db.run(`CREATE TABLE changes (id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, op TEXT NOT NULL, key TEXT NOT NULL,
    before TEXT, after TEXT, version INTEGER NOT NULL, position TEXT NOT NULL, ts TEXT NOT NULL)`);
  db.run(`INSERT INTO changes (id, tbl, op, key, version, position, ts) VALUES (41, 'voters', 'c', '{"id":1}', 1, 'p', 't')`);
  migrate(db);
  const feed = new ChangeFeed(db);
  feed.append([change('voters', 2)]);
  expect(feed.since(0, 10).map((c) => c.id)).toEqual([42]);
  expect(db.query(`SELECT 1 FROM sqlite_master WHERE name = 'changes'`).get()).toBeNull();
});

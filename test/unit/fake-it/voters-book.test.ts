import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeDecoder, comparePositions, type CanonicalValue, type Row, type SourcePosition } from '../../../src/cdc/index.ts';
import {
  TABLES,
  TABLE_BY_NAME,
  VotersBook,
  Workload,
  fakeItOptionsFromFlags,
  runFakeIt,
  type AppRow,
  type ReplicaIdentity,
  type TableName,
} from '../../../fake-it/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'fake-it-'));
  dirs.push(d);
  return d;
};

function runBook(book: VotersBook, ops: number): void {
  const workload = new Workload(book.resumeState());
  for (let i = 0; i < ops; i++) book.apply(workload.next());
}

/** The SQLite row in the decoder's canonical form (int64 as text, timestamps in UTC without 'Z'). */
function canonical(table: TableName, row: AppRow): Row {
  const out: Row = {};
  for (const c of TABLE_BY_NAME[table].columns) {
    const v = row[c.name] ?? null;
    out[c.name] = v === null ? null : c.kind === 'int64' ? String(v) : c.kind === 'timestamptz' ? String(v).replace(/Z$/, '') : v;
  }
  return out;
}

const keyText = (key: Row) => JSON.stringify(key);

/** Applies decoded events in order, the way silver must: upsert after images, keep unavailable values, delete by key. */
function replay(book: VotersBook): { tables: Map<string, Map<string, Row>>; kinds: Record<string, number> } {
  const decoder = new ChangeDecoder();
  const tables = new Map<string, Map<string, Row>>();
  const lastPosition = new Map<string, SourcePosition>();
  const kinds: Record<string, number> = {};
  let from = 0;
  for (;;) {
    const entries = book.readOutbox(from, 250);
    if (entries.length === 0) break;
    from = entries[entries.length - 1]!.position;
    for (const { record } of entries) {
      const event = decoder.decode(record);
      const label = event.kind === 'change' ? `${event.table}:${event.op}` : event.kind;
      kinds[label] = (kinds[label] ?? 0) + 1;
      if (event.kind === 'invalid') throw new Error(`invalid record: ${event.reason}`);
      if (event.kind !== 'change' && event.kind !== 'tombstone') continue;
      let rows = tables.get(event.table);
      if (!rows) tables.set(event.table, (rows = new Map()));
      const k = keyText(event.key);
      if (event.kind === 'tombstone') {
        rows.delete(k);
        continue;
      }
      const id = `${event.table}/${k}`;
      const previous = lastPosition.get(id);
      if (previous) expect(comparePositions(previous, event.position)).toBe(-1);
      lastPosition.set(id, event.position);
      if (event.op === 'd') rows.delete(k);
      else {
        const after: Row = { ...event.after! };
        for (const name of event.unavailable) after[name] = rows.get(k)![name] as CanonicalValue;
        rows.set(k, after);
      }
    }
  }
  return { tables, kinds };
}

describe('fake-it voters book', () => {
  test('the same seed gives the same outbox, another seed another one', () => {
    const outbox = (seed: number) => {
      const book = VotersBook.open(':memory:', { seed });
      runBook(book, 300);
      const all = book.readOutbox(0, 10_000).map((e) => e.record);
      book.close();
      return all;
    };
    const a = outbox(42);
    expect(a.length).toBeGreaterThan(300);
    expect(outbox(42)).toEqual(a);
    expect(outbox(43)).not.toEqual(a);
  });

  test('a steady mix of inserts, updates and deletes on all three tables', () => {
    const book = VotersBook.open(':memory:', { seed: 5 });
    runBook(book, 2000);
    const { kinds } = replay(book);
    for (const table of ['voters', 'polls', 'ballots']) {
      for (const op of ['c', 'u', 'd']) expect(kinds[`${table}:${op}`] ?? 0).toBeGreaterThan(10);
    }
    expect(kinds.tombstone).toBe(kinds['voters:d']! + kinds['polls:d']! + kinds['ballots:d']!);
    expect(book.rows('voters').length).toBeGreaterThan(100);
    book.close();
  });

  test('ballots carry the composite key (voter_id, election_id)', () => {
    const book = VotersBook.open(':memory:', { seed: 9 });
    runBook(book, 400);
    const decoder = new ChangeDecoder();
    const ballots = book.readOutbox(0, 100_000).filter((e) => e.record.topic === 'votersbook.public.ballots' && e.record.value);
    expect(ballots.length).toBeGreaterThan(0);
    for (const { record } of ballots) {
      const event = decoder.decode(record);
      if (event.kind !== 'change') throw new Error(`expected a change, got ${event.kind}`);
      expect(event.keyColumns).toEqual(['voter_id', 'election_id']);
      expect(Object.keys(event.key)).toEqual(['voter_id', 'election_id']);
      expect(typeof event.key.voter_id).toBe('number');
      expect(event.key.election_id).toMatch(/^[A-Z]+-\d{4}$/);
    }
    book.close();
  });

  for (const replicaIdentity of ['full', 'default'] as ReplicaIdentity[]) {
    test(`decoded events replayed in order equal the SQLite tables (REPLICA IDENTITY ${replicaIdentity})`, () => {
      const book = VotersBook.open(':memory:', { seed: 11, replicaIdentity });
      runBook(book, 1500);
      const { tables } = replay(book);
      for (const t of TABLES) {
        const expected = book.rows(t.name).map((r) => canonical(t.name, r));
        const actual = [...(tables.get(t.name)?.values() ?? [])];
        const byKey = (rows: Row[]) => new Map(rows.map((r) => [keyText(Object.fromEntries(t.key.map((k) => [k, r[k]!]))), r]));
        expect(byKey(actual)).toEqual(byKey(expected));
      }
      book.close();
    });
  }

  test('DEFAULT replica identity: updates have no before image, deletes only the key', () => {
    const book = VotersBook.open(':memory:', { seed: 3, replicaIdentity: 'default' });
    runBook(book, 600);
    const decoder = new ChangeDecoder();
    let updates = 0;
    let deletes = 0;
    for (const { record } of book.readOutbox(0, 100_000)) {
      const event = decoder.decode(record);
      if (event.kind !== 'change') continue;
      if (event.op === 'u') {
        updates++;
        expect(event.before).toBeNull();
      } else if (event.op === 'd') {
        deletes++;
        expect(Object.keys(event.before!)).toEqual([...event.keyColumns]);
      }
    }
    expect(updates).toBeGreaterThan(0);
    expect(deletes).toBeGreaterThan(0);
    book.close();
  });

  test('after reopening, the outbox and the workload continue where they stopped', () => {
    const path = join(tempDir(), 'book.db');
    const first = VotersBook.open(path, { seed: 21 });
    runBook(first, 150);
    const before = first.readOutbox(0, 100_000);
    first.close();

    const reopened = VotersBook.open(path);
    expect(reopened.resumeState().seq).toBe(150);
    expect(reopened.readOutbox(0, 100_000)).toEqual(before);
    runBook(reopened, 150);
    const all = reopened.readOutbox(0, 100_000);
    expect(all.slice(0, before.length)).toEqual(before);
    expect(reopened.readOutbox(before.length, 5)).toEqual(all.slice(before.length, before.length + 5));
    expect(all.map((e) => e.position)).toEqual(all.map((_, i) => i + 1));
    const offsets = new Map<string, number>();
    for (const { record } of all) {
      const expected = offsets.get(record.topic) ?? 0;
      expect(record.offset).toBe(String(expected));
      offsets.set(record.topic, expected + 1);
    }
    const lsns = all.filter((e) => e.record.value).map((e) => JSON.parse(e.record.value!).payload.source.lsn as number);
    for (let i = 1; i < lsns.length; i++) expect(lsns[i]!).toBeGreaterThanOrEqual(lsns[i - 1]!);
    // The replay still matches the tables across the restart.
    const { tables } = replay(reopened);
    expect(tables.get('voters')!.size).toBe(reopened.rows('voters').length);
    reopened.close();
  });

  test('a book keeps its server name', () => {
    const path = join(tempDir(), 'book.db');
    VotersBook.open(path, { serverName: 'alpha' }).close();
    expect(() => VotersBook.open(path, { serverName: 'beta' })).toThrow(/created with server name 'alpha'/);
  });

  test('runFakeIt applies --ops operations to the embedded book', async () => {
    const path = join(tempDir(), 'book.db');
    const options = fakeItOptionsFromFlags({ db: path, ops: 40, rate: 0, seed: 4 });
    const summary = await runFakeIt(options);
    expect(summary.ops).toBe(40);
    expect(summary.lastSeq).toBe(40);
    const book = VotersBook.open(path);
    expect(book.resumeState().seq).toBe(40);
    expect(book.lastPosition()).toBeGreaterThanOrEqual(40);
    book.close();
    const again = await runFakeIt({ ...options, ops: 10 });
    expect(again.lastSeq).toBe(50);
  });

  test('runFakeIt paces operations at --rate', async () => {
    const options = fakeItOptionsFromFlags({ db: join(tempDir(), 'book.db'), ops: 6, rate: 50 });
    const summary = await runFakeIt(options);
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(90); // 5 gaps of 20 ms
  });

  test('flag parsing rejects conflicting or bad flags', () => {
    expect(() => fakeItOptionsFromFlags({ postgres: 'postgres://x/y', kafka: 'k:9092' })).toThrow(/different targets/);
    expect(() => fakeItOptionsFromFlags({ mysql: 'mysql://x/y', postgres: 'postgres://x/y' })).toThrow('--postgres and --mysql are different targets');
    expect(() => fakeItOptionsFromFlags({ mysql: 'mysql://x/y', db: './b.db' })).toThrow('--db is the embedded book; it does not go with --mysql');
    expect(fakeItOptionsFromFlags({ mysql: 'mysql://x/y' }).target).toEqual({ kind: 'mysql', url: 'mysql://x/y' });
    expect(() => fakeItOptionsFromFlags({ rate: -1 })).toThrow(/--rate/);
    expect(() => fakeItOptionsFromFlags({ 'replica-identity': 'nothing' })).toThrow(/replica-identity/);
    expect(fakeItOptionsFromFlags({ kafka: 'a:1, b:2' }).target).toEqual({ kind: 'kafka', brokers: ['a:1', 'b:2'], bookPath: ':memory:' });
    expect(fakeItOptionsFromFlags({}).target).toEqual({ kind: 'embedded', path: './voters-book.db' });
  });
});

test('pruning the outbox keeps positions, offsets and resume intact', () => {
  const book = VotersBook.open(':memory:', { seed: 5 });
  const workload = new Workload(book.resumeState());
  for (let i = 0; i < 200; i++) book.apply(workload.next());
  const last = book.lastPosition();
  const lastOffsets = new Map<string, number>();
  for (const e of book.readOutbox(0, 10_000)) lastOffsets.set(e.record.topic, Number(e.record.offset));
  expect(book.pruneOutbox(last)).toBeGreaterThan(0);
  expect(
    book
      .readOutbox(0, 10_000)
      .map((e) => e.record.topic)
      .sort(),
  ).toEqual([...lastOffsets.keys()].sort());
  book.apply(workload.next());
  const [next] = book.readOutbox(last, 1);
  expect(next!.position).toBe(last + 1);
  expect(Number(next!.record.offset)).toBe(lastOffsets.get(next!.record.topic)! + 1);
  book.close();
});

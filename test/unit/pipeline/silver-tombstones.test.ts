import { votersBookGold } from '../../../src/gold/index.ts';
/**
 * Tombstones: on a flattened topic (ExtractNewRecordState, delete.handling.mode=drop) a tombstone is the
 * delete of its key, placed right after the key's previous record; on a topic of full envelopes it
 * repeats the 'd' before it and changes nothing.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { Snapshot, scan } from '../../../src/delta/index.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lh-tomb-'));
  dirs.push(dir);
  return dir;
}

const open = (dataDir: string) => Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });

/**
 * A flattened PostgreSQL topic as ExtractNewRecordState writes it without schemas
 * (add.fields=op,lsn,source.ts_ms,db; delete.handling.mode=drop unless `deleted` is given).
 */
class FlatStream {
  private offset = 0;
  constructor(
    readonly topic = 'shop.public.items',
    private readonly db = 'shop',
  ) {}

  row(op: 'c' | 'u' | 'r', lsn: number, id: number, name: string, offset = this.offset++): KafkaRecord {
    const value = { id, name, __op: op, __lsn: lsn, __source_ts_ms: 1_767_600_000_000 + lsn, __db: this.db, __deleted: 'false' };
    return {
      topic: this.topic,
      partition: 0,
      offset: String(offset),
      timestamp: 1_767_600_000_000 + lsn,
      key: JSON.stringify({ id }),
      value: JSON.stringify(value),
    };
  }

  /** delete.handling.mode=rewrite: the delete as a row with __deleted=true. */
  rewrittenDelete(lsn: number, id: number, name: string): KafkaRecord {
    const value = { id, name, __op: 'd', __lsn: lsn, __source_ts_ms: 1_767_600_000_000 + lsn, __db: this.db, __deleted: 'true' };
    return {
      topic: this.topic,
      partition: 0,
      offset: String(this.offset++),
      timestamp: 1_767_600_000_000 + lsn,
      key: JSON.stringify({ id }),
      value: JSON.stringify(value),
    };
  }

  tombstone(id: number, offset = this.offset++): KafkaRecord {
    return { topic: this.topic, partition: 0, offset: String(offset), timestamp: 1_767_600_000_000, key: JSON.stringify({ id }), value: null };
  }
}

async function deltaRows(p: Pipeline, table: string): Promise<Record<string, unknown>[]> {
  const storage = new LocalStorage(join(p.dataDir, 'silver', table));
  const rows = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) rows.push(r);
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

const names = async (p: Pipeline) => (await deltaRows(p, 'items')).map((r) => `${r.id}:${r.name}`);
const served = (p: Pipeline) =>
  p.silver
    .get('items')!
    .rows(1000, 0)
    .map((r) => `${r.id}:${r.name}`)
    .sort();

describe('tombstones on flattened topics (delete.handling.mode=drop) delete their key', () => {
  test('inserts, updates and tombstones end with the right rows, across a restart', async () => {
    const s = new FlatStream();
    const dir = tempDir();
    const p = await open(dir);
    const first = await p.process([
      s.row('c', 10, 1, 'apple'),
      s.row('c', 11, 2, 'pear'),
      s.row('c', 12, 3, 'plum'),
      s.row('c', 13, 4, 'fig'),
      s.row('c', 14, 5, 'kiwi'),
      s.row('u', 15, 2, 'pear v2'),
      s.tombstone(3),
      s.row('c', 16, 6, 'lime'),
      s.tombstone(6), // inserted and deleted in one batch
    ]);
    expect(first).toMatchObject({ applied: 9, tombstones: 2, duplicates: 0 });
    expect(await names(p)).toEqual(['1:apple', '2:pear v2', '4:fig', '5:kiwi']);
    p.close();

    // After a restart the topic's first record is a tombstone: still known as flattened, from source 'shop'.
    const again = await open(dir);
    const second = await again.process([s.tombstone(4), s.row('c', 20, 4, 'fig again'), s.tombstone(5), s.tombstone(99)]);
    expect(second).toMatchObject({ applied: 3, tombstones: 3, duplicates: 0 }); // 99 was never there: nothing to delete
    const rows = await deltaRows(again, 'items');
    expect(rows.map((r) => `${r.id}:${r.name}`)).toEqual(['1:apple', '2:pear v2', '4:fig again']);
    expect(rows.every((r) => r.__source_db === 'shop' && r.__source_name === 'shop')).toBe(true);
    expect(served(again)).toEqual(['1:apple', '2:pear v2', '4:fig again']);
    // The change feed has the deletes with their before images.
    const deletes = again.changes
      .since(0, 100)
      .filter((c) => c.op === 'd')
      .map((c) => `${(c.before as Record<string, unknown>).id}`);
    expect(deletes).toEqual(['3', '6', '4', '5']);
    again.close();
  });

  test('a redelivered tombstone does not delete what a later change made, even across a restart', async () => {
    const s = new FlatStream();
    const dir = tempDir();
    const p = await open(dir);
    await p.process([s.row('c', 10, 1, 'first'), s.tombstone(1), s.row('c', 30, 1, 'second')]);
    // The connector restarts from before it all and sends the three again, at new offsets; the
    // redelivered insert and its tombstone land in different batches with a restart between them.
    await p.process([s.row('c', 10, 1, 'first')]);
    p.close();
    const again = await open(dir);
    const replay = await again.process([s.tombstone(1), s.row('c', 30, 1, 'second')]);
    expect(replay).toMatchObject({ applied: 0, duplicates: 2 });
    expect(await names(again)).toEqual(['1:second']);
    // A tombstone after the current row does delete it.
    await again.process([s.tombstone(1)]);
    expect(await names(again)).toEqual([]);
    // And a late redelivery of the old insert does not bring it back.
    expect(await again.process([s.row('c', 30, 1, 'second')])).toMatchObject({ applied: 0, duplicates: 1 });
    expect(await names(again)).toEqual([]);
    again.close();
  });

  test('with delete.handling.mode=rewrite the delete is the row, and its tombstone changes nothing more', async () => {
    const s = new FlatStream();
    const p = await open(tempDir());
    const summary = await p.process([s.row('c', 10, 1, 'apple'), s.row('c', 11, 2, 'pear'), s.rewrittenDelete(12, 1, 'apple'), s.tombstone(1)]);
    expect(summary).toMatchObject({ applied: 3, duplicates: 1, tombstones: 1 });
    expect(await names(p)).toEqual(['2:pear']);
    p.close();
  });

  test('rebuild from bronze applies the tombstones the same way', async () => {
    const s = new FlatStream();
    const p = await open(tempDir());
    await p.process([s.row('c', 10, 1, 'a'), s.row('c', 11, 2, 'b'), s.tombstone(1)]);
    await p.process([s.row('c', 10, 1, 'a'), s.tombstone(1), s.row('u', 12, 2, 'b2'), s.row('c', 13, 3, 'c'), s.tombstone(3)]);
    const before = await deltaRows(p, 'items');
    expect(before.map((r) => `${r.id}:${r.name}`)).toEqual(['2:b2']);
    await p.rebuild('items');
    expect(await deltaRows(p, 'items')).toEqual(before);
    p.close();
  });

  test("a kept history ends the key's last version at the tombstone", async () => {
    const s = new FlatStream();
    const p = await Pipeline.open({ gold: votersBookGold, dataDir: tempDir(), log: silentLogger, history: ['items'] });
    await p.process([s.row('c', 10, 1, 'a'), s.row('u', 20, 1, 'b'), s.row('c', 21, 2, 'x')]);
    await p.process([s.tombstone(1), s.tombstone(2), s.row('c', 30, 2, 'y')]);
    const versions = (await deltaRows(p, 'items__history')).sort(
      (a, b) => Number(a.id) - Number(b.id) || String(a.__source_position).localeCompare(String(b.__source_position)),
    );
    expect(versions.map((r) => `${r.id}:${r.name}:${r.__end_position === null ? 'open' : 'ended'}`)).toEqual([
      '1:a:ended',
      '1:b:ended',
      '2:x:ended',
      '2:y:open',
    ]);
    // Each ended by the next version, or by the delete placed right after the version's own position.
    expect(versions[1]!.__end_position! > versions[1]!.__source_position!).toBe(true);
    expect(versions[2]!.__end_position! < versions[3]!.__source_position!).toBe(true);
    p.close();
  });

  test('a tombstone on a flattened topic fed by several sources is a dead letter', async () => {
    const one = new FlatStream('mixed.public.items', 'east');
    const two = new FlatStream('mixed.public.items', 'west');
    const p = await open(tempDir());
    const summary = await p.process([one.row('c', 10, 1, 'east'), two.row('c', 11, 2, 'west', 1), one.tombstone(1, 2)]);
    expect(summary).toMatchObject({ applied: 2, quarantined: 1, tombstones: 1 });
    expect(await names(p)).toEqual(['1:east', '2:west']);
    p.close();
  });
});

describe('tombstones on topics of full envelopes', () => {
  test('repeat the delete before them: counted, never applied, never a second delete', async () => {
    const s = new VoterStream();
    const p = await open(tempDir());
    const summary = await p.process([
      s.change('c', 10, null, voter(1, 'Avalon')),
      s.change('c', 11, null, voter(2, 'Brightwater')),
      s.change('d', 12, voter(2, 'Brightwater'), null),
      s.tombstone(voter(2, 'Brightwater')),
      // Not something Debezium sends, which shows the rule: an envelope topic's tombstone deletes nothing.
      s.tombstone(voter(1, 'Avalon')),
    ]);
    expect(summary).toMatchObject({ applied: 3, duplicates: 0, tombstones: 2 });
    expect((await deltaRows(p, 'voters')).map((r) => `${r.id}:${r.city}`)).toEqual(['1:Avalon']);
    expect(p.changes.since(0, 100).filter((c) => c.op === 'd').length).toBe(1);
    p.close();
    // After a restart too.
    const again = await open(p.dataDir);
    expect(await again.process([s.tombstone(voter(1, 'Avalon'))])).toMatchObject({ applied: 0, tombstones: 1 });
    expect((await deltaRows(again, 'voters')).map((r) => r.id)).toEqual([1]);
    again.close();
  });
});

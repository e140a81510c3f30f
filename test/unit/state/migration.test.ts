/**
 * lakehouse.db files of the earlier layout (internal tables beside the views, no namespace) are
 * migrated in place when the pipeline opens them: state, key indexes, tombstones and the change feed
 * are kept, and every internal object moves into the lh: namespace.
 */
import { expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { votersBookGold } from '../../../src/gold/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

test('a lakehouse.db of the earlier layout is migrated in place, keeping state, indexes and the feed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-migrate-'));
  try {
    const s = new VoterStream();
    let p = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
    await p.process([
      s.change('c', 10, null, voter(1, 'Avalon')),
      s.change('c', 11, null, voter(2, 'Brightwater')),
      s.change('d', 12, voter(2, 'Brightwater'), null),
    ]);
    const feedBefore = p.changes.since(0, 100).length;
    p.close();

    // Back to the earlier layout: every lh: table under its old name, user_version 0.
    const db = new Database(join(dataDir, 'lakehouse.db'));
    const oldName = (name: string) =>
      name.startsWith('lh:silver:')
        ? `silver__${name.slice(10)}`
        : name.startsWith('lh:history:')
          ? `history__${name.slice(11)}`
          : name.startsWith('lh:gold:')
            ? `gold__${name.slice(8)}`
            : name.slice(3);
    // Its views had the tables' bare names and read the tables directly (no silver.NAME, gold.NAME).
    for (const { name, sql } of db.query(`SELECT name, sql FROM sqlite_master WHERE type = 'view' AND (name LIKE 'silver.%' OR name LIKE 'gold.%')`).all() as {
      name: string;
      sql: string;
    }[]) {
      const bare = name.slice(name.indexOf('.') + 1);
      db.run(`DROP VIEW IF EXISTS "${bare}"`);
      db.run(`DROP VIEW "${name}"`);
      db.run(sql.replace(`CREATE VIEW "${name}"`, `CREATE VIEW "${bare}"`));
    }
    for (const { name } of db.query(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'lh:%'`).all() as { name: string }[])
      db.run(`DROP INDEX "${name}"`);
    for (const { name } of db.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'lh:%'`).all() as { name: string }[]) {
      db.run(`ALTER TABLE "${name}" RENAME TO "${oldName(name)}"`);
    }
    db.run('PRAGMA user_version = 0');
    expect(db.query(`SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'lh:%'`).get()).toEqual({ n: 0 });
    db.close();

    p = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
    // The key index and its tombstone survived: a late redelivery of the deleted key's insert stays out,
    // and an update finds its row.
    const late = await p.process([s.change('c', 11, null, voter(2, 'Brightwater')), s.change('u', 13, voter(1, 'Avalon'), voter(1, 'Cedar Falls'))]);
    expect(late.duplicates).toBe(1);
    expect(
      p.silver
        .get('voters')!
        .rows(10, 0)
        .map((r) => `${r.id}:${r.city}`),
    ).toEqual(['1:Cedar Falls']);
    expect(p.changes.since(0, 100).length).toBe(feedBefore + 1);
    const names = (p.db.query(`SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).all() as { type: string; name: string }[]).filter(
      (o) => !o.name.startsWith('lh:'),
    );
    // Outside the namespace: only the views users query.
    expect(names.every((o) => o.type === 'view')).toBe(true);
    expect(names.map((o) => o.name)).toEqual(expect.arrayContaining(['voters', 'silver.voters', 'gold.voters_per_city', 'voters_per_city']));
    p.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

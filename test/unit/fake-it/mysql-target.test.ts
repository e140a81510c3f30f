/**
 * The MariaDB/MySQL target against a real server. Needs LAKEHOUSE_TEST_MYSQL_URL (a database the test
 * may drop tables in; `compose/local/up --source mariadb` prints one as MYSQL_URL); without it the test
 * is skipped, saying so. test/integration/mariadb-real-stack.test.ts runs the target in every suite run.
 */
import { describe, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { MysqlTarget, TABLES, VotersBook, Workload, runFakeIt, type AppRow, type FakeItOptions, type TableDef } from '../../../fake-it/index.ts';

const url = process.env.LAKEHOUSE_TEST_MYSQL_URL;

/** Every column as the voters book's SQLite stores it (app values), so the two can be compared. */
function appSelect(t: TableDef): string {
  const cols = t.columns.map((c) => {
    switch (c.kind) {
      case 'int32':
        return c.name;
      case 'int64':
        return `CAST(${c.name} AS DOUBLE) AS ${c.name}`;
      case 'timestamptz':
        return `DATE_FORMAT(${c.name}, '%Y-%m-%dT%H:%i:%s.%fZ') AS ${c.name}`;
      default:
        return `CAST(${c.name} AS CHAR) AS ${c.name}`;
    }
  });
  return `SELECT ${cols.join(', ')} FROM ${t.name} ORDER BY ${t.key.join(', ')}`;
}

const options = (ops: number): FakeItOptions => ({
  target: { kind: 'mysql', url: url! },
  rate: 0,
  ops,
  seed: 8,
  serverName: 'votersbook',
  replicaIdentity: 'full',
  tombstones: true,
});

describe.skipIf(!url)('fake-it MariaDB/MySQL target (set LAKEHOUSE_TEST_MYSQL_URL to run)', () => {
  test('runs the same workload as the embedded book, and a second run continues from the rows there', async () => {
    const sql = new SQL(url!, { max: 1 });
    await sql.unsafe('DROP TABLE IF EXISTS ballots, polls, voters');
    await sql.unsafe("SET time_zone = '+00:00'");
    expect((await runFakeIt(options(400), new MysqlTarget(url!, 8))).ops).toBe(400);

    const book = VotersBook.open(':memory:', { seed: 8 });
    const workload = new Workload(book.resumeState());
    for (let i = 0; i < 400; i++) book.apply(workload.next());
    for (const t of TABLES) {
      const rows = (await sql.unsafe(appSelect(t))) as AppRow[];
      expect(rows.map((r) => ({ ...r }))).toEqual(book.rows(t.name));
    }
    book.close();

    expect((await runFakeIt(options(100), new MysqlTarget(url!, 8))).ops).toBe(100);
    await sql.close();
  });
});

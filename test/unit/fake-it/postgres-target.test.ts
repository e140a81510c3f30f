/**
 * The PostgreSQL target against a real server. Needs LAKEHOUSE_TEST_POSTGRES_URL (a database the test
 * may drop tables in); without it the test is skipped, saying so.
 */
import { describe, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { PostgresTarget, TABLES, VotersBook, Workload, runFakeIt, type AppRow, type TableDef } from '../../../fake-it/index.ts';

const url = process.env.LAKEHOUSE_TEST_POSTGRES_URL;

/** Every column as the voters book's SQLite stores it (app values), so the two can be compared. */
function appSelect(t: TableDef): string {
  const cols = t.columns.map((c) => {
    switch (c.kind) {
      case 'int32':
        return c.name;
      case 'int64':
        return `${c.name}::float8 AS ${c.name}`;
      case 'timestamptz':
        return `to_char(${c.name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${c.name}`;
      default:
        return `${c.name}::text AS ${c.name}`;
    }
  });
  return `SELECT ${cols.join(', ')} FROM ${t.name} ORDER BY ${t.key.join(', ')}`;
}

describe.skipIf(!url)('fake-it PostgreSQL target (set LAKEHOUSE_TEST_POSTGRES_URL to run)', () => {
  test('runs the same workload as the embedded book and sets REPLICA IDENTITY', async () => {
    const sql = new SQL(url!);
    await sql.unsafe('DROP TABLE IF EXISTS ballots, polls, voters');
    const summary = await runFakeIt(
      { target: { kind: 'postgres', url: url! }, rate: 0, ops: 400, seed: 8, serverName: 'votersbook', replicaIdentity: 'full', tombstones: true },
      new PostgresTarget(url!, 'full', 8),
    );
    expect(summary.ops).toBe(400);

    const book = VotersBook.open(':memory:', { seed: 8 });
    const workload = new Workload(book.resumeState());
    for (let i = 0; i < 400; i++) book.apply(workload.next());
    for (const t of TABLES) {
      const rows = (await sql.unsafe(appSelect(t))) as AppRow[];
      expect(rows.map((r) => ({ ...r }))).toEqual(book.rows(t.name));
    }
    book.close();

    const identities = (await sql.unsafe("SELECT relname, relreplident FROM pg_class WHERE relname IN ('voters', 'polls', 'ballots') ORDER BY relname")) as {
      relname: string;
      relreplident: string;
    }[];
    expect(identities.map((r) => r.relreplident)).toEqual(['f', 'f', 'f']);

    // A second run continues from the rows in the database instead of colliding with them.
    const again = await runFakeIt(
      { target: { kind: 'postgres', url: url! }, rate: 0, ops: 100, seed: 8, serverName: 'votersbook', replicaIdentity: 'default', tombstones: true },
      new PostgresTarget(url!, 'default', 8),
    );
    expect(again.ops).toBe(100);
    const after = (await sql.unsafe("SELECT relreplident FROM pg_class WHERE relname = 'voters'")) as { relreplident: string }[];
    expect(after[0]!.relreplident).toBe('d');
    await sql.close();
  });
});

import { Database } from 'bun:sqlite';
import { migrate } from '../../../src/state/index.ts';
import { expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeLedger, CHANGE_LEDGER, LedgerTable } from '../../../src/gold/index.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import type { AppliedChange } from '../../../src/silver/index.ts';

const change = (op: AppliedChange['op'], tsMs: number): AppliedChange => ({
  table: 'voters',
  op,
  key: { id: 1 },
  before: op === 'c' ? null : { id: 1 },
  after: op === 'd' ? null : { id: 1, __source_ts_ms: String(tsMs) },
  position: `p${tsMs}`,
  tsMs,
});

const totals = (db: Database) =>
  db.query(`SELECT table_name, minute, sum(inserts) AS i, sum(updates) AS u, sum(deletes) AS d FROM "${CHANGE_LEDGER}" GROUP BY 1, 2 ORDER BY 2`).all();

test('counts per table and source minute, once per bronze version, and folds old versions without changing totals', () => {
  const db = new Database(':memory:');
  migrate(db);
  const ledger = new ChangeLedger(db);
  const minute = 1_767_600_000_000;
  expect(ledger.record([change('c', minute), change('u', minute + 59_999), change('u', minute + 60_000)], 1)).toEqual([
    { bronze_version: 1, table_name: 'voters', minute: '2026-01-05T08:00:00.000000', inserts: 1, updates: 1, deletes: 0 },
    { bronze_version: 1, table_name: 'voters', minute: '2026-01-05T08:01:00.000000', inserts: 0, updates: 1, deletes: 0 },
  ]);
  expect(ledger.record([change('c', minute)], 1)).toEqual([]); // a replayed version adds nothing
  const expected = new Map<string, { table_name: string; minute: string; i: number; u: number; d: number }>();
  const tally = (minuteIso: string, op: 'c' | 'u') => {
    const t = expected.get(minuteIso) ?? { table_name: 'voters', minute: minuteIso, i: 0, u: 0, d: 0 };
    t[op === 'c' ? 'i' : 'u']++;
    expected.set(minuteIso, t);
  };
  tally('2026-01-05T08:00:00.000000', 'c');
  tally('2026-01-05T08:00:00.000000', 'u');
  tally('2026-01-05T08:01:00.000000', 'u');
  for (let v = 2; v <= 2000; v++) {
    const op = v % 2 ? 'u' : 'c';
    ledger.record([change(op, minute + (v % 3) * 60_000)], v);
    tally(`2026-01-05T08:0${v % 3}:00.000000`, op);
  }
  const rows = (db.query(`SELECT count(*) AS n FROM "${CHANGE_LEDGER}"`).get() as { n: number }).n;
  expect(rows).toBeLessThan(1100); // versions 1..1000 were folded at version 2000
  expect(totals(db)).toEqual([...expected.values()].sort((a, b) => a.minute.localeCompare(b.minute)));
  db.close();
});

test('the ledger table keeps every count through its compactions and restores an empty SQLite ledger', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lh-ledger-'));
  try {
    const db = new Database(':memory:');
    migrate(db);
    const ledger = new ChangeLedger(db);
    const minute = 1_767_600_000_000;
    // Versions 1..3 counted before the table existed (an older data folder), then one commit per version.
    for (let v = 1; v <= 3; v++) ledger.record([change('c', minute)], v);
    const table = await LedgerTable.open(new LocalStorage(dir));
    for (let v = 4; v <= 250; v++) {
      ledger.record([change(v % 3 ? 'u' : 'd', minute + (v % 5) * 60_000)], v);
      await table.record(db, v);
    }
    await table.record(db, 250); // recorded already: no commit
    expect(table.delta.snapshot().files().length).toBeLessThanOrEqual(101); // summed past 100 files
    const fresh = new Database(':memory:');
    migrate(fresh);
    const reopened = await LedgerTable.open(new LocalStorage(dir));
    expect(await reopened.restoreInto(fresh)).toBe(5);
    expect(totals(fresh)).toEqual(totals(db));
    expect(await reopened.restoreInto(fresh)).toBe(0); // a ledger with rows is kept as it is
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

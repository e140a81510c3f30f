/** The guard's side of SQL names: qualified names rewritten to the views that publish them, and every name listed. */
import { expect, test } from 'bun:test';
import { checkReadOnlySql } from '../../../src/api/sql-guard.ts';

const views: Record<string, string> = {
  'silver.voters': 'silver.voters',
  'gold.poll_results': 'gold.poll_results',
  'history.voters': 'silver.voters__history',
};
const qualify = (qualifier: string, name: string) => views[`${qualifier}.${name}`.toLowerCase()];

test('a qualified name becomes its view; one naming no table, and any without qualify, are left alone', () => {
  expect(checkReadOnlySql('SELECT * FROM silver.voters JOIN gold."poll_results" USING (id)', { qualify }).sql).toBe(
    'SELECT * FROM "silver.voters" JOIN "gold.poll_results" USING (id)',
  );
  expect(checkReadOnlySql('SELECT g.id FROM history . voters g', { qualify }).sql).toBe('SELECT g.id FROM "silver.voters__history" g');
  expect(checkReadOnlySql('SELECT gold.id FROM voters AS gold', { qualify }).sql).toBe('SELECT gold.id FROM voters AS gold');
  expect(checkReadOnlySql('SELECT * FROM silver.voters').sql).toBe('SELECT * FROM silver.voters');
});

test('time travel on a qualified name names the table for the catalog; positions map back to the text sent', () => {
  const checked = checkReadOnlySql('SELECT * FROM history.voters@v3 WHERE = 1', { qualify });
  expect(checked.sql).toBe('SELECT * FROM "silver.voters__history@v3" WHERE = 1');
  expect(checked.versions).toEqual([{ table: 'silver.voters__history', version: 3 }]);
  // SQLite's offset of `=` in the rewritten statement is the offset of `=` in the original.
  expect(checked.originalOffset(checked.sql.indexOf('='))).toBe('SELECT * FROM history.voters@v3 WHERE = 1'.indexOf('='));
});

test('every name, quoted name and string is listed with its position and whether a call follows', () => {
  const { names } = checkReadOnlySql(`SELECT count(*), 'lh:x' FROM "sqlite_master" JOIN [a b] ON pragma_x ()`);
  expect(names.filter((n) => !/^[A-Z]+$/.test(n.text))).toEqual([
    { text: 'count', kind: 'word', at: 7, call: true },
    { text: 'lh:x', kind: 'string', at: 17, call: false },
    { text: 'sqlite_master', kind: 'quoted', at: 29, call: false },
    { text: 'a b', kind: 'quoted', at: 50, call: false },
    { text: 'pragma_x', kind: 'word', at: 59, call: true },
  ]);
});

test('a quoted function name is a function: load_extension quoted is refused', () => {
  expect(() => checkReadOnlySql(`SELECT "load_extension"('x')`)).toThrow('only read-only queries are allowed: the function load_extension() at position 8');
  expect(() => checkReadOnlySql('SELECT [readfile] (1)')).toThrow('the function readfile()');
});

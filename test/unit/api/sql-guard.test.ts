import { expect, test } from 'bun:test';
import { checkReadOnlySql } from '../../../src/api/sql-guard.ts';

const rejects = (sql: string) => expect(() => checkReadOnlySql(sql)).toThrow(/only read-only queries|must follow a table name|empty|unterminated/);

test('one read-only statement passes; comments, strings and a trailing semicolon are fine', () => {
  expect(checkReadOnlySql('SELECT 1;').sql).toBe('SELECT 1');
  expect(checkReadOnlySql('-- a comment\nWITH x AS (SELECT 1) SELECT * FROM x').versions).toEqual([]);
  expect(checkReadOnlySql(`SELECT 'insert; drop' /* delete */ AS "update" FROM voters;  -- done`).sql).toContain(`'insert; drop'`);
  expect(checkReadOnlySql('EXPLAIN QUERY PLAN SELECT * FROM voters').sql).toContain('EXPLAIN');
  expect(checkReadOnlySql('VALUES (1), (2)').sql).toBe('VALUES (1), (2)');
  expect(checkReadOnlySql(`SELECT replace(city, 'a', 'b'), CASE WHEN 1 THEN 2 END FROM voters`).versions).toEqual([]);
  expect(checkReadOnlySql("SELECT * FROM pragma_table_info('voters')").sql).toContain('pragma_table_info');
});

test('writes, attachments, settings, extensions, transactions and second statements are rejected', () => {
  for (const sql of [
    'INSERT INTO voters VALUES (1)',
    'WITH x AS (SELECT 1) UPDATE voters SET city = 1',
    'SELECT 1; DELETE FROM voters',
    'SELECT 1; SELECT 2',
    'REPLACE INTO voters VALUES (1)',
    "ATTACH 'x.db' AS x",
    'SELECT 1 FROM voters; PRAGMA writable_schema = 1',
    'PRAGMA query_only = 0',
    "SELECT load_extension('/tmp/x.so')",
    'CREATE TEMP VIEW v AS SELECT 1',
    'VACUUM',
    'BEGIN; SELECT 1',
    'SAVEPOINT a',
    '',
    '  -- only a comment',
    "SELECT 'unterminated",
    'SELECT @v1',
  ]) {
    rejects(sql);
  }
});

test('time travel: name@vN and "name"@vN become quoted names, with positions mapped back', () => {
  const bare = checkReadOnlySql('SELECT * FROM voters@v12 JOIN "poll results"@v3 USING (id) WHERE x = =');
  expect(bare.sql).toBe('SELECT * FROM "voters@v12" JOIN "poll results@v3" USING (id) WHERE x = =');
  expect(bare.versions).toEqual([
    { table: 'voters', version: 12 },
    { table: 'poll results', version: 3 },
  ]);
  // The last '=' is at offset 69 in what the user sent, 71 after the rewrite.
  expect(bare.sql.lastIndexOf('=')).toBe(71);
  expect(bare.originalOffset(71)).toBe(69);
  expect(bare.originalOffset(5)).toBe(5);
  // A string that looks like time travel is left alone.
  expect(checkReadOnlySql(`SELECT 'voters@v1'`).versions).toEqual([]);
});

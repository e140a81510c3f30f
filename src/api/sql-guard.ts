/**
 * Read-only SQL for `POST /api/query`: one SELECT (or WITH … SELECT, VALUES, EXPLAIN), nothing that
 * writes, attaches files, loads extensions or changes settings. The check works on tokens (strings,
 * quoted names and comments are skipped), so a word inside a string literal never trips it. It is the
 * first line; the connection is also opened read-only, so a write that slipped through still fails.
 *
 * Time travel: `name@vN` (e.g. `voters@v12`) names table `name` as of Delta version N. The guard
 * rewrites it to the quoted identifier `"name@vN"`, which the session materialises on demand.
 *
 * Qualified names: `silver.voters` is rewritten to the identifier the caller's `qualify` gives for it
 * (the view `"silver.voters"`), so every layer is reachable by name whatever other layers hold.
 * The guard also lists every name, quoted name and string it saw (`names`), so the session can refuse
 * what SQL may not read (sql-scope.ts).
 */
import { invalidInput } from '../core/errors.ts';
import { SQL_QUOTES, closingQuote } from '../core/sql-text.ts';

const FORBIDDEN = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
  'UPSERT',
  'CREATE',
  'DROP',
  'ALTER',
  'ATTACH',
  'DETACH',
  'PRAGMA',
  'VACUUM',
  'REINDEX',
  'ANALYZE',
  'BEGIN',
  'COMMIT',
  'END',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'TRANSACTION',
]);
/** REPLACE is also a string function; as a function it is followed by `(`. END also closes CASE. */
const ALSO_FUNCTIONS = new Set(['REPLACE']);
const FORBIDDEN_FUNCTIONS = new Set(['LOAD_EXTENSION', 'READFILE', 'WRITEFILE', 'EDIT', 'FTS3_TOKENIZER']);
const FIRST_WORDS = new Set(['SELECT', 'WITH', 'VALUES', 'EXPLAIN']);

export interface TableVersionRef {
  table: string;
  version: number;
}

/** A name, quoted name or string literal of the statement (SQLite takes a string where a name is due). */
export interface SqlToken {
  /** The text, quotes removed. */
  text: string;
  kind: 'word' | 'quoted' | 'string';
  /** Offset in the text the user sent. */
  at: number;
  /** Followed by `(`: a function (or table-valued function) call. */
  call: boolean;
}

export interface GuardOptions {
  /**
   * The table a qualified name `qualifier.name` (e.g. `silver.voters`) means, as the SQL name to use
   * instead (also the catalog name time travel resolves), or undefined when it names no table
   * (then it is left alone: `alias.column`).
   */
  qualify?: (qualifier: string, name: string) => string | undefined;
}

export interface CheckedSql {
  /** The statement to prepare, time-travel references rewritten, trailing `;` dropped. */
  sql: string;
  versions: TableVersionRef[];
  names: SqlToken[];
  /** Maps an offset in `sql` back to the offset in the text the user sent. */
  originalOffset(offset: number): number;
}

const isWordStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c);
const isWord = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

const rejected = (what: string, at: number) =>
  invalidInput(`only read-only queries are allowed: ${what} at position ${at + 1}`, 'send one SELECT (or WITH … SELECT, VALUES, EXPLAIN)');

/** `.name` or `."name"` after a qualifier. */
const QUALIFIED_PART = /^\s*\.\s*(?:([A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)|"((?:[^"]|"")*)")/;
const quoteName = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function checkReadOnlySql(text: string, options: GuardOptions = {}): CheckedSql {
  const out: string[] = [];
  const shifts: { at: number; by: number }[] = [];
  const versions: TableVersionRef[] = [];
  const names: SqlToken[] = [];
  const callFollows = (j: number) => /^\s*\(/.test(text.slice(j, j + 64));
  let caseDepth = 0;
  let first: string | undefined;
  let endOfStatement = -1;
  let i = 0;
  const n = text.length;
  const copyTo = (j: number) => {
    out.push(text.slice(i, j));
    i = j;
  };
  while (i < n) {
    const c = text[i]!;
    if (endOfStatement >= 0 && !/\s/.test(c) && !(c === '-' && text[i + 1] === '-') && !(c === '/' && text[i + 1] === '*') && c !== ';') {
      throw rejected('a second statement', i);
    }
    if (c in SQL_QUOTES) {
      const j = closingQuote(text, i);
      const quoted = text.slice(i, j + 1);
      const inner = c === '[' ? quoted.slice(1, -1) : quoted.slice(1, -1).replaceAll(c + c, c);
      const call = callFollows(j + 1);
      names.push({ text: inner, kind: c === "'" ? 'string' : 'quoted', at: i, call });
      if (c !== "'" && call && FORBIDDEN_FUNCTIONS.has(inner.toUpperCase())) throw rejected(`the function ${inner.toLowerCase()}()`, i);
      const travel = c === '"' ? /^@v(\d+)/.exec(text.slice(j + 1)) : null;
      if (travel) {
        const table = quoted.slice(1, -1).replace(/""/g, '"');
        versions.push({ table, version: Number(travel[1]) });
        // `"name"@vN` -> `"name@vN"`: the same length, so positions do not move.
        out.push(`${quoted.slice(0, -1)}${travel[0]}"`);
        i = j + 1 + travel[0].length;
      } else copyTo(j + 1);
      if (first === undefined) throw rejected('a statement starting with a quoted name', i);
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const j = text.indexOf('\n', i);
      copyTo(j < 0 ? n : j);
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2);
      if (j < 0) throw invalidInput(`unterminated comment starting at position ${i + 1}`);
      copyTo(j + 2);
      continue;
    }
    if (c === ';') {
      if (endOfStatement < 0) endOfStatement = i;
      i++;
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWord(text[j]!)) j++;
      const word = text.slice(i, j);
      const upper = word.toUpperCase();
      const next = /^\s*(.)/.exec(text.slice(j))?.[1];
      if (first === undefined) {
        first = upper;
        if (!FIRST_WORDS.has(upper)) throw rejected(`a statement starting with ${word}`, i);
      }
      if (upper === 'CASE') caseDepth++;
      if (upper === 'END' && caseDepth > 0) caseDepth--;
      else if (FORBIDDEN.has(upper) && !(ALSO_FUNCTIONS.has(upper) && next === '(')) throw rejected(upper, i);
      if (FORBIDDEN_FUNCTIONS.has(upper) && next === '(') throw rejected(`the function ${word.toLowerCase()}()`, i);
      names.push({ text: word, kind: 'word', at: i, call: next === '(' });
      const part = options.qualify && text[i - 1] !== '.' ? QUALIFIED_PART.exec(text.slice(j)) : null;
      const target = part ? options.qualify!(word, part[1] ?? part[2]!.replace(/""/g, '"')) : undefined;
      if (part && target !== undefined) {
        // `silver.voters` -> `"silver.voters"`, and `silver.voters@v3` -> `"silver.voters@v3"`.
        const end = j + part[0].length;
        const qualifiedTravel = /^@v(\d+)/.exec(text.slice(end));
        if (qualifiedTravel) versions.push({ table: target, version: Number(qualifiedTravel[1]) });
        const name = quoteName(qualifiedTravel ? `${target}@v${qualifiedTravel[1]}` : target);
        const next = end + (qualifiedTravel?.[0].length ?? 0);
        out.push(name);
        shifts.push({ at: out.join('').length, by: name.length - (next - i) });
        i = next;
        continue;
      }
      const travel = /^@v(\d+)/.exec(text.slice(j));
      if (travel) {
        versions.push({ table: word, version: Number(travel[1]) });
        out.push(`"${word}@v${travel[1]}"`);
        shifts.push({ at: out.join('').length, by: 2 });
        i = j + travel[0].length;
        continue;
      }
      copyTo(j);
      continue;
    }
    if (c === '@') throw invalidInput(`'@' at position ${i + 1} must follow a table name, as in voters@v12 (the table at Delta version 12)`);
    copyTo(i + 1);
  }
  if (first === undefined) throw invalidInput('the query is empty', 'send one SELECT statement as the request body');
  const sql = out.join('');
  return {
    sql,
    versions,
    names,
    originalOffset(offset) {
      let o = offset;
      for (const s of shifts) if (offset >= s.at) o -= s.by;
      return Math.max(0, o);
    },
  };
}

/**
 * SQLite's lexical grammar, enough to read a gold definition's SELECT: words, quoted names ("x", `x`,
 * [x]), strings, numbers and operators, with comments and whitespace dropped. Every token keeps its
 * offsets, so derived SQL reuses the user's own spelling of an expression.
 */
import { invalidInput } from '../core/errors.ts';
import { SQL_QUOTES, closingQuote } from '../core/sql-text.ts';

export type TokenKind = 'word' | 'name' | 'string' | 'number' | 'op';

export interface Token {
  kind: TokenKind;
  /** The text as written. */
  text: string;
  /** A word upper-cased, a quoted name unquoted; otherwise the text. */
  value: string;
  start: number;
  end: number;
}

const isWordStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c);
const isWord = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
const TWO_CHAR_OPS = new Set(['<=', '>=', '<>', '!=', '==', '||', '<<', '>>', '->']);

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, start: number, end: number, value?: string) => {
    const text = sql.slice(start, end);
    tokens.push({ kind, text, value: value ?? text, start, end });
  };
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c in SQL_QUOTES) {
      const close = SQL_QUOTES[c]!;
      const j = closingQuote(sql, i);
      const inner = sql.slice(i + 1, j).replaceAll(close + close, close);
      push(c === "'" ? 'string' : 'name', i, j + 1, inner);
      i = j + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      let j = i;
      while (j < n && /[0-9A-Za-z_.]/.test(sql[j]!)) {
        if ((sql[j] === 'e' || sql[j] === 'E') && (sql[j + 1] === '+' || sql[j + 1] === '-')) j++;
        j++;
      }
      push('number', i, j);
      i = j;
    } else if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWord(sql[j]!)) j++;
      push('word', i, j, sql.slice(i, j).toUpperCase());
      i = j;
    } else {
      const two = sql.slice(i, i + 2);
      const len = TWO_CHAR_OPS.has(two) ? 2 : 1;
      push('op', i, i + len);
      i += len;
    }
  }
  return tokens;
}

/** A name token (a bare word or a quoted name) and the name it spells. */
export const isName = (t: Token | undefined): t is Token => t !== undefined && (t.kind === 'name' || t.kind === 'word');
/** The name a word or quoted name spells: a bare word as written (SQLite names are case-insensitive). */
export const nameOf = (t: Token) => (t.kind === 'name' ? t.value : t.text);
export const isKeyword = (t: Token | undefined, ...words: string[]) => t !== undefined && t.kind === 'word' && words.includes(t.value);
export const isOp = (t: Token | undefined, op: string) => t !== undefined && t.kind === 'op' && t.text === op;

/** Splits tokens on a separator at parenthesis depth 0. */
export function splitTopLevel(tokens: readonly Token[], separator: (t: Token) => boolean): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (isOp(t, '(')) depth++;
    else if (isOp(t, ')')) depth--;
    if (depth === 0 && separator(t)) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts;
}

/** The index of the `)` closing the `(` at `open`. */
export function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isOp(tokens[i], '(')) depth++;
    else if (isOp(tokens[i], ')') && --depth === 0) return i;
  }
  throw invalidInput(`unbalanced parenthesis at position ${tokens[open]!.start + 1}`);
}

/** Words of SQL's expressions (operators, CASE, literals), never a column's or an alias's name. */
export const EXPRESSION_WORDS: readonly string[] = [
  'AND',
  'OR',
  'NOT',
  'IS',
  'IN',
  'NULL',
  'LIKE',
  'GLOB',
  'BETWEEN',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'AS',
  'DISTINCT',
  'CAST',
  'TRUE',
  'FALSE',
  'OVER',
  'BY',
  'ESCAPE',
  'COLLATE',
  'FILTER',
  'EXISTS',
  'CURRENT_TIMESTAMP',
  'CURRENT_DATE',
  'CURRENT_TIME',
];

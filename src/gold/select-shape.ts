/**
 * The shape of a gold definition's SELECT: its result items, FROM items and joins, WHERE, GROUP BY and
 * HAVING, each kept as the user's tokens. It is what derivation (derive.ts) needs to tell an
 * incremental shape from one recomputed whole; SQLite itself still runs the user's text unchanged.
 */
import { invalidInput } from '../core/errors.ts';
import { EXPRESSION_WORDS, closingParen, isKeyword, isName, isOp, nameOf, splitTopLevel, tokenize, type Token } from './sql-tokens.ts';

export const AGGREGATES = new Set(['COUNT', 'SUM', 'TOTAL', 'AVG', 'MIN', 'MAX', 'GROUP_CONCAT', 'STRING_AGG']);
const CLAUSES = ['FROM', 'WHERE', 'GROUP', 'HAVING', 'WINDOW', 'ORDER', 'LIMIT', 'UNION', 'INTERSECT', 'EXCEPT'];
/** Words that end an expression rather than name its alias. */
const RESERVED = new Set([
  ...EXPRESSION_WORDS,
  ...CLAUSES,
  'SELECT',
  'ON',
  'USING',
  'JOIN',
  'LEFT',
  'RIGHT',
  'FULL',
  'INNER',
  'OUTER',
  'CROSS',
  'NATURAL',
  'ALL',
]);

export interface ColumnRef {
  qualifier?: string;
  column: string;
}

export type ItemKind = 'column' | 'aggregate' | 'window' | 'star' | 'expression';

export interface SelectItem {
  tokens: Token[];
  /** The expression as written. */
  text: string;
  /** The result column's name: the alias, the column's name, or the expression's text (SQLite's rule). */
  name: string;
  kind: ItemKind;
  column?: ColumnRef;
  /** An aggregate's or window function's name (upper case) and argument. */
  fn?: string;
  arg?: Token[];
  distinct?: boolean;
  /** A window function's PARTITION BY expressions. */
  partitionBy?: Token[][];
}

export type JoinKind = 'first' | 'inner' | 'left' | 'other';

export interface FromItem {
  alias: string;
  /** A named relation (table or view), or */
  relation?: string;
  /** a subquery in parentheses. */
  subquery?: SelectShape;
  join: JoinKind;
  /** The ON condition, when there is one. */
  on?: Token[];
  /** Why this join is not an equi-join derivation can follow (USING, NATURAL, a non-equality ON ...). */
  unsupported?: string;
}

export interface SelectShape {
  sql: string;
  distinct: boolean;
  items: SelectItem[];
  from: FromItem[];
  where?: Token[];
  groupBy: Token[][];
  having?: Token[];
  /** A clause or construct derivation does not follow (ORDER BY, a compound SELECT, a subquery expression ...). */
  unsupported?: string;
}

export const textOf = (sql: string, tokens: readonly Token[]) => (tokens.length === 0 ? '' : sql.slice(tokens[0]!.start, tokens[tokens.length - 1]!.end));

/** A column reference: `c` or `q.c`. */
export function columnRef(tokens: readonly Token[]): ColumnRef | undefined {
  if (tokens.length === 1 && isName(tokens[0]) && !(tokens[0].kind === 'word' && RESERVED.has(tokens[0].value))) return { column: nameOf(tokens[0]) };
  if (tokens.length === 3 && isName(tokens[0]) && isOp(tokens[1], '.') && isName(tokens[2])) return { qualifier: nameOf(tokens[0]), column: nameOf(tokens[2]) };
  return undefined;
}

/** Parses one SELECT statement (a trailing `;` allowed). Anything that is not one SELECT is an error. */
export function parseSelect(sql: string): SelectShape {
  let tokens = tokenize(sql);
  while (tokens.length > 0 && isOp(tokens[tokens.length - 1], ';')) tokens = tokens.slice(0, -1);
  if (tokens.some((t) => isOp(t, ';'))) throw invalidInput('a definition is one SELECT; found a second statement');
  if (!isKeyword(tokens[0], 'SELECT', 'WITH')) throw invalidInput(`a definition is one SELECT; it starts with '${tokens[0]?.text ?? ''}'`);
  if (isKeyword(tokens[0], 'WITH')) return { sql, distinct: false, items: [], from: [], groupBy: [], unsupported: 'a WITH clause' };
  return parseSelectTokens(sql, tokens);
}

function parseSelectTokens(sql: string, tokens: Token[]): SelectShape {
  // Top-level clause positions.
  const at = new Map<string, number>();
  let depth = 0;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isOp(t, '(')) depth++;
    else if (isOp(t, ')')) depth--;
    else if (depth === 0 && t.kind === 'word' && CLAUSES.includes(t.value) && !at.has(t.value)) at.set(t.value, i);
  }
  const ends = [...at.values(), tokens.length].sort((a, b) => a - b);
  const clause = (word: string, skip = 1): Token[] | undefined => {
    const i = at.get(word);
    if (i === undefined) return undefined;
    return tokens.slice(
      i + skip,
      ends.find((e) => e > i),
    );
  };
  const shape: SelectShape = { sql, distinct: false, items: [], from: [], groupBy: [] };
  for (const word of ['UNION', 'INTERSECT', 'EXCEPT', 'ORDER', 'LIMIT', 'WINDOW']) {
    // A table has no order: ORDER BY alone changes nothing (with LIMIT it does).
    if (word === 'ORDER' && !at.has('LIMIT')) continue;
    if (at.has(word))
      shape.unsupported ??=
        word === 'ORDER' ? 'ORDER BY' : word === 'UNION' || word === 'INTERSECT' || word === 'EXCEPT' ? `a compound SELECT (${word})` : word;
  }
  let itemTokens = tokens.slice(
    1,
    ends.find((e) => e > 0),
  );
  if (isKeyword(itemTokens[0], 'DISTINCT')) {
    shape.distinct = true;
    itemTokens = itemTokens.slice(1);
  } else if (isKeyword(itemTokens[0], 'ALL')) itemTokens = itemTokens.slice(1);
  shape.items = splitTopLevel(itemTokens, (t) => isOp(t, ',')).map((part) => parseItem(sql, part));
  const from = clause('FROM');
  if (from) shape.from = parseFrom(sql, from);
  shape.where = clause('WHERE');
  const group = clause('GROUP', 2);
  if (group) shape.groupBy = splitTopLevel(group, (t) => isOp(t, ','));
  shape.having = clause('HAVING');
  const exprs = [...shape.items.map((i) => i.tokens), shape.where ?? [], shape.having ?? [], ...shape.from.map((f) => f.on ?? [])];
  if (exprs.some(hasSubquery)) shape.unsupported ??= 'a subquery inside an expression';
  return shape;
}

const hasSubquery = (tokens: readonly Token[]) => tokens.some((t, i) => isOp(t, '(') && isKeyword(tokens[i + 1], 'SELECT', 'WITH'));

/** Splits a trailing alias (`expr AS a` or `expr a`) off an expression. */
function splitAlias(tokens: Token[]): { expr: Token[]; alias?: string } {
  const n = tokens.length;
  if (n >= 3 && isKeyword(tokens[n - 2], 'AS') && isName(tokens[n - 1])) return { expr: tokens.slice(0, n - 2), alias: nameOf(tokens[n - 1]!) };
  const last = tokens[n - 1];
  const before = tokens[n - 2];
  if (n >= 2 && isName(last) && !(last.kind === 'word' && RESERVED.has(last.value)) && before !== undefined) {
    const joins = before.kind === 'op' ? isOp(before, ')') : !(before.kind === 'word' && RESERVED.has(before.value));
    if (joins) return { expr: tokens.slice(0, n - 1), alias: nameOf(last) };
  }
  return { expr: tokens };
}

function parseItem(sql: string, tokens: Token[]): SelectItem {
  if (tokens.length === 0) throw invalidInput('an empty item in the SELECT list');
  const { expr, alias } = splitAlias(tokens);
  const text = textOf(sql, expr);
  const item: SelectItem = { tokens: expr, text, name: alias ?? text, kind: 'expression' };
  if (isOp(expr[expr.length - 1], '*')) return { ...item, kind: 'star' };
  const column = columnRef(expr);
  if (column) return { ...item, kind: 'column', column, name: alias ?? column.column };
  // fn(args) [OVER (...)]: one call spanning the whole expression.
  if (expr[0]?.kind === 'word' && isOp(expr[1], '(')) {
    const close = closingParen(expr, 1);
    let args = expr.slice(2, close);
    const distinct = isKeyword(args[0], 'DISTINCT');
    if (distinct) args = args.slice(1);
    const fn = expr[0].value;
    if (close === expr.length - 1 && AGGREGATES.has(fn)) return { ...item, kind: 'aggregate', fn, arg: args, distinct };
    if (isKeyword(expr[close + 1], 'OVER') && isOp(expr[close + 2], '(') && closingParen(expr, close + 2) === expr.length - 1) {
      const over = expr.slice(close + 3, expr.length - 1);
      const partitionBy: Token[][] = [];
      if (isKeyword(over[0], 'PARTITION') && isKeyword(over[1], 'BY')) {
        const order = over.findIndex((t) => isKeyword(t, 'ORDER', 'RANGE', 'ROWS', 'GROUPS'));
        partitionBy.push(...splitTopLevel(over.slice(2, order < 0 ? over.length : order), (t) => isOp(t, ',')));
      }
      return { ...item, kind: 'window', fn, arg: args, partitionBy };
    }
  }
  return item;
}

function parseFrom(sql: string, tokens: Token[]): FromItem[] {
  const items: FromItem[] = [];
  let i = 0;
  let join: JoinKind = 'first';
  let joinWords: string[] = [];
  while (i < tokens.length) {
    // The relation: a name or a parenthesised subquery, with an optional alias.
    let relation: string | undefined;
    let subquery: SelectShape | undefined;
    const t = tokens[i]!;
    if (isOp(t, '(')) {
      const close = closingParen(tokens, i);
      const inner = tokens.slice(i + 1, close);
      if (!isKeyword(inner[0], 'SELECT')) throw invalidInput(`a parenthesised join in FROM is not supported at position ${t.start + 1}`);
      subquery = parseSelectTokens(sql, inner);
      i = close + 1;
    } else if (isName(t)) {
      relation = nameOf(t);
      i++;
      if (isOp(tokens[i], '.') && isName(tokens[i + 1])) {
        relation = nameOf(tokens[i + 1]!); // schema.table: SQLite's main schema is the only one gold reads
        i += 2;
      }
      if (isOp(tokens[i], '(')) throw invalidInput(`table-valued function '${relation}' in FROM is not supported`);
    } else throw invalidInput(`unexpected '${tokens[i]!.text}' in FROM at position ${tokens[i]!.start + 1}`);
    let alias = relation;
    if (isKeyword(tokens[i], 'AS')) i++;
    if (isName(tokens[i]) && !(tokens[i]!.kind === 'word' && RESERVED.has(tokens[i]!.value))) alias = nameOf(tokens[i++]!);
    if (alias === undefined) throw invalidInput('a subquery in FROM needs an alias');
    const item: FromItem = { alias, relation, subquery, join };
    if (joinWords.includes('NATURAL')) item.unsupported = 'a NATURAL join';
    // ON condition, up to the next join.
    const next = nextJoin(tokens, i);
    if (isKeyword(tokens[i], 'ON')) item.on = tokens.slice(i + 1, next.at);
    else if (isKeyword(tokens[i], 'USING')) item.unsupported = 'a join with USING';
    else if (i < next.at) throw invalidInput(`unexpected '${tokens[i]!.text}' in FROM at position ${tokens[i]!.start + 1}`);
    if (join !== 'first' && item.on === undefined && !item.unsupported) item.unsupported = 'a join without ON';
    items.push(item);
    i = next.after;
    joinWords = next.words;
    join = next.words.includes('LEFT') ? 'left' : next.words.some((w) => w === 'RIGHT' || w === 'FULL' || w === 'CROSS' || w === ',') ? 'other' : 'inner';
    if (next.words.includes(',')) joinWords.push(',');
  }
  for (const f of items) if (f.join === 'other' && !f.unsupported) f.unsupported = 'a join other than [INNER] JOIN or LEFT JOIN';
  return items;
}

/** The next top-level join operator from `from`: where it starts, where its relation starts, its words. */
function nextJoin(tokens: Token[], from: number): { at: number; after: number; words: string[] } {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isOp(t, '(')) depth++;
    else if (isOp(t, ')')) depth--;
    else if (depth === 0 && isOp(t, ',')) return { at: i, after: i + 1, words: [','] };
    else if (depth === 0 && isKeyword(t, 'JOIN', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'CROSS', 'NATURAL')) {
      const words: string[] = [];
      let j = i;
      while (j < tokens.length && !isKeyword(tokens[j], 'JOIN')) words.push(tokens[j++]!.value);
      return { at: i, after: j + 1, words };
    }
  }
  return { at: tokens.length, after: tokens.length, words: [] };
}

/**
 * Every relation a SELECT reads, subqueries and CTE bodies included (CTE names themselves excluded), in
 * order of first mention. Used for any shape, incremental or not.
 */
export function relationsRead(sql: string): string[] {
  const tokens = tokenize(sql);
  const found: string[] = [];
  const ctes = new Set<string>();
  // WITH name AS (...), name AS (...)
  for (let i = 0; i < tokens.length; i++) {
    if (
      isName(tokens[i]) &&
      isKeyword(tokens[i + 1], 'AS') &&
      isOp(tokens[i + 2], '(') &&
      (isKeyword(tokens[i - 1], 'WITH', 'RECURSIVE') || isOp(tokens[i - 1], ','))
    )
      ctes.add(nameOf(tokens[i]!).toLowerCase());
  }
  const inFrom: boolean[] = [false];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    if (isOp(t, '(')) {
      inFrom[++depth] = false;
      continue;
    }
    if (isOp(t, ')')) {
      depth--;
      continue;
    }
    if (isKeyword(t, 'FROM')) inFrom[depth] = true;
    else if ((t.kind === 'word' && CLAUSES.includes(t.value)) || isKeyword(t, 'ON', 'USING', 'SELECT')) inFrom[depth] = false;
    if (isKeyword(t, 'JOIN')) inFrom[depth] = true;
    const after = isKeyword(prev, 'FROM', 'JOIN') || (isOp(prev, ',') && inFrom[depth]);
    if (after && isName(t) && !isOp(tokens[i + 1], '(') && !(t.kind === 'word' && RESERVED.has(t.value))) {
      let name = nameOf(t);
      if (isOp(tokens[i + 1], '.') && isName(tokens[i + 2])) name = nameOf(tokens[i + 2]!);
      if (!ctes.has(name.toLowerCase()) && !found.includes(name)) found.push(name);
    }
  }
  return found;
}

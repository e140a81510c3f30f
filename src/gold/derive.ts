/**
 * From a definition's SELECT to how gold keeps it: its sources, key, column types, indexes, strategy
 * and, for an incremental one, the SQL listing the result keys a batch can affect. The rules and why
 * they are enough: docs/design.md, "Gold".
 */
import { invalidInput } from '../core/errors.ts';
import type { DataType, StructField } from '../delta/schema.ts';
import { field } from '../delta/schema.ts';
import { quote } from '../state/index.ts';
import { columnRef, parseSelect, relationsRead, textOf, type ColumnRef, type FromItem, type SelectItem, type SelectShape } from './select-shape.ts';
import { EXPRESSION_WORDS, isKeyword, isName, isOp, nameOf, splitTopLevel, tokenize, type Token } from './sql-tokens.ts';
import type { GoldDefinition } from './definition.ts';

export type Strategy = 'incremental' | 'whole';

/** The columns a relation has, when it exists: silver's schema, an earlier gold table's result, the ledger. */
export type RelationSchemas = (relation: string) => readonly StructField[] | undefined;

export const changedName = (source: string) => `changed:${source}`;

interface Occurrence {
  /** Index of the FROM item. */
  item: number;
  /** The FROM item reads this source through a subquery. */
  viaSubquery: boolean;
}

export class GoldPlan {
  readonly key: string[];
  readonly sources: string[];
  readonly strategy: Strategy;
  /** Why this strategy: the shape recognised, or what made it whole. */
  readonly reason: string;
  private readonly shape: SelectShape;
  /** Per key column, its expression in the outer SELECT. */
  private readonly keyExprs: string[] = [];

  constructor(readonly definition: GoldDefinition) {
    const fail = (what: string) => invalidInput(`gold ${definition.name}: ${what}`);
    let shape: SelectShape;
    try {
      shape = parseSelect(definition.sql);
    } catch (err) {
      throw fail((err as Error).message);
    }
    this.shape = shape;
    this.sources = relationsRead(definition.sql);
    if (this.sources.length === 0) throw fail('the SELECT reads no table');
    const why = this.incrementalObstacle();
    const key = definition.key ? [...definition.key] : this.derivedKey(fail);
    const names = shape.items.map((i) => i.name.toLowerCase());
    if (!shape.items.some((i) => i.kind === 'star')) {
      for (const k of key)
        if (!names.includes(k.toLowerCase()))
          throw fail(`key column '${k}' is not a result column (result columns: ${shape.items.map((i) => i.name).join(', ')})`);
    }
    this.key = key;
    const keyObstacle = why ?? this.keyObstacle();
    if (keyObstacle) {
      this.strategy = 'whole';
      this.reason = keyObstacle;
    } else {
      this.strategy = 'incremental';
      this.reason = this.shapeName();
    }
  }

  /** The key from GROUP BY, a window's partition, or (a one-row aggregate) every result column. */
  private derivedKey(fail: (what: string) => Error): string[] {
    const s = this.shape;
    if (s.groupBy.length > 0) {
      return s.groupBy.map((g) => {
        const item = this.itemFor(g);
        if (!item) throw fail(`GROUP BY ${textOf(s.sql, g)} is not a result column: select it, or set key = [...]`);
        return item.name;
      });
    }
    if (s.items.some((i) => i.kind === 'aggregate')) return s.items.map((i) => i.name);
    const windowed = s.from.find((f) => f.subquery?.items.some((i) => i.kind === 'window'));
    if (windowed && this.strategyForFrom() === undefined) {
      const win = windowed.subquery!.items.find((i) => i.kind === 'window')!;
      const key: string[] = [];
      for (const p of win.partitionBy ?? []) {
        const ref = columnRef(p);
        const inner = ref && windowed.subquery!.items.find((i) => i.kind === 'column' && i.column!.column.toLowerCase() === ref.column.toLowerCase());
        const outer =
          inner &&
          s.items.find(
            (i) =>
              i.kind === 'column' &&
              i.column!.column.toLowerCase() === inner.name.toLowerCase() &&
              (!i.column!.qualifier || i.column!.qualifier === windowed.alias),
          );
        if (!outer) throw fail(`the window's PARTITION BY ${textOf(s.sql, p)} is not a result column: select it, or set key = [...]`);
        key.push(outer.name);
      }
      if (key.length > 0) return key;
    }
    throw fail('a SELECT without GROUP BY has no key to derive: set key = [...] (the columns that identify a row)');
  }

  /** The SELECT item a GROUP BY expression names: by alias, by column name, or by the same tokens. */
  private itemFor(expr: Token[]): SelectItem | undefined {
    const ref = columnRef(expr);
    const same = (a: readonly Token[], b: readonly Token[]) => a.length === b.length && a.every((t, i) => t.value.toLowerCase() === b[i]!.value.toLowerCase());
    return (
      this.shape.items.find((i) => same(i.tokens, expr)) ??
      (ref && !ref.qualifier ? this.shape.items.find((i) => i.name.toLowerCase() === ref.column.toLowerCase() && i.kind !== 'aggregate') : undefined) ??
      (ref ? this.shape.items.find((i) => i.kind === 'column' && i.column!.column.toLowerCase() === ref.column.toLowerCase()) : undefined)
    );
  }

  /** What keeps the shape from being incremental, before the key is looked at. */
  private incrementalObstacle(): string | undefined {
    const s = this.shape;
    if (s.unsupported) return `${s.unsupported} is recomputed whole`;
    if (s.distinct) return 'SELECT DISTINCT is recomputed whole';
    if (s.items.some((i) => i.kind === 'star')) return 'SELECT * is recomputed whole (name the columns)';
    if (s.items.some((i) => i.kind === 'window')) return 'a window function in the outer SELECT is recomputed whole (put it in a subquery in FROM)';
    if (s.groupBy.length === 0 && s.items.some((i) => i.kind === 'aggregate')) return 'an aggregate without GROUP BY is one row, recomputed whole';
    return this.strategyForFrom();
  }

  private strategyForFrom(): string | undefined {
    for (const f of this.shape.from) {
      if (f.unsupported) return `${f.unsupported} is recomputed whole`;
      if (f.on && !equalities(f.on)) return 'a join condition other than column = column [AND ...] is recomputed whole';
      const q = f.subquery;
      if (q) {
        if (q.unsupported || q.distinct || q.groupBy.length > 0 || q.having || q.from.length !== 1 || !q.from[0]!.relation) {
          return `a subquery in FROM other than a projection of one table (with window functions) is recomputed whole`;
        }
        if (q.items.some((i) => i.kind !== 'column' && i.kind !== 'window')) return 'a subquery in FROM computing expressions is recomputed whole';
        const partitions = q.items.filter((i) => i.kind === 'window').map((i) => (i.partitionBy ?? []).map((p) => textOf(q.sql, p)).join(','));
        if (partitions.some((p) => p === '')) return 'a window function without PARTITION BY is recomputed whole';
        if (new Set(partitions).size > 1) return 'window functions with different PARTITION BY are recomputed whole';
      }
    }
    return undefined;
  }

  /** What keeps the key from being computed from the changed rows. */
  private keyObstacle(): string | undefined {
    const s = this.shape;
    const nullable = new Set(s.from.filter((f) => f.join === 'left').map((f) => f.alias.toLowerCase()));
    for (const k of this.key) {
      const item = s.items.find((i) => i.name.toLowerCase() === k.toLowerCase())!;
      if (item.kind === 'aggregate' || item.kind === 'window' || hasAggregate(item.tokens)) return `key column '${k}' is an aggregate; recomputed whole`;
      for (const ref of columnRefs(item.tokens)) {
        if (!ref.qualifier && s.from.length > 1 && nullable.size > 0)
          return `key column '${k}' names '${ref.column}' unqualified in a LEFT JOIN; recomputed whole (qualify it)`;
        const from = ref.qualifier ? s.from.find((f) => f.alias.toLowerCase() === ref.qualifier!.toLowerCase()) : s.from.length === 1 ? s.from[0] : undefined;
        if (ref.qualifier && nullable.has(ref.qualifier.toLowerCase()))
          return `key column '${k}' comes from the LEFT JOIN's optional side '${ref.qualifier}'; recomputed whole`;
        const inner = from?.subquery?.items.find((i) => i.name.toLowerCase() === ref.column.toLowerCase());
        if (inner?.kind === 'window') return `key column '${k}' is a window function's result; recomputed whole`;
      }
      this.keyExprs.push(item.text);
    }
    return undefined;
  }

  private shapeName(): string {
    const s = this.shape;
    const parts: string[] = [];
    if (s.groupBy.length > 0) parts.push(`GROUP BY ${this.key.join(', ')}`);
    if (s.from.length > 1) parts.push(`equi-join of ${s.from.length} relations`);
    if (s.from.some((f) => f.subquery?.items.some((i) => i.kind === 'window'))) parts.push('window per partition');
    if (parts.length === 0) parts.push(`rows by key ${this.key.join(', ')}`);
    return `${parts.join(', ')}: a batch recomputes the keys its changed rows reach`;
  }

  private occurrences(source: string): Occurrence[] {
    const out: Occurrence[] = [];
    this.shape.from.forEach((f, item) => {
      if (f.relation === source) out.push({ item, viaSubquery: false });
      else if (f.subquery?.from[0]?.relation === source) out.push({ item, viaSubquery: true });
    });
    return out;
  }

  /**
   * The SQL listing the result keys (columns in key order) that the batch's images of `source` can
   * affect, reading the CTE `"changed:S"` for every source S in `changed` (each holding `carried(S)`).
   * Undefined for a source the FROM clause does not read (a whole definition, or none of its sources).
   */
  affectedKeys(source: string, changed: ReadonlySet<string>, carried: (source: string) => readonly string[]): string | undefined {
    if (this.strategy !== 'incremental') return undefined;
    const occurrences = this.occurrences(source);
    if (occurrences.length === 0) return undefined;
    const keys = this.keyExprs.map((e, i) => `${e} AS ${quote(`k:${i}`)}`).join(', ');
    const terms: string[] = [];
    const from = this.shape.from;
    for (const occ of occurrences) {
      // Every other FROM item over a changed source is read now and as its images: one term per choice.
      const others = from.map((_, i) => i).filter((i) => i !== occ.item && changed.has(baseOf(from[i]!)));
      const choices = 1 << Math.min(others.length, 4);
      for (let mask = 0; mask < choices; mask++) {
        const parts = from.map((f, i) => {
          const mode =
            i === occ.item
              ? 'changed'
              : others.indexOf(i) >= 0 && others.indexOf(i) < 4 && (mask >> others.indexOf(i)) & 1
                ? 'images'
                : others.indexOf(i) >= 4
                  ? 'both'
                  : 'current';
          const relation = this.relationSql(f, mode, carried);
          if (i === 0) return relation;
          const join = f.join === 'left' && i !== occ.item ? 'LEFT JOIN' : 'JOIN';
          return `${join} ${relation} ON ${textOf(this.shape.sql, f.on!)}`;
        });
        terms.push(`SELECT ${keys} FROM ${parts.join(' ')}`);
      }
    }
    return terms.join(' UNION ');
  }

  /** A FROM item as the affected-keys SQL reads it. */
  private relationSql(f: FromItem, mode: 'current' | 'changed' | 'images' | 'both', carried: (source: string) => readonly string[]): string {
    const base = baseOf(f);
    const cols = () => carried(base).map(quote).join(', ');
    const read =
      mode === 'current'
        ? quote(base)
        : mode === 'images' || mode === 'changed'
          ? quote(changedName(base))
          : `(SELECT ${cols()} FROM ${quote(base)} UNION ALL SELECT ${cols()} FROM ${quote(changedName(base))})`;
    const q = f.subquery;
    if (!q) return `${read} AS ${quote(f.alias)}`;
    const inner = q.from[0]!;
    const items = q.items
      .filter((i) => i.kind === 'column')
      .map((i) => `${i.text} AS ${quote(i.name)}`)
      .join(', ');
    const window = q.items.find((i) => i.kind === 'window');
    if (mode !== 'changed' || !window) return `(SELECT ${items} FROM ${read} AS ${quote(inner.alias)}) AS ${quote(f.alias)}`;
    // A changed row moves its partition: every current row of the changed rows' partitions, and the images.
    const partition = window.partitionBy!.map((p) => textOf(q.sql, p));
    const distinct = partition.map((p, i) => `${p} AS ${quote(`p:${i}`)}`).join(', ');
    const match = partition.map((p, i) => `${p} IS ${quote('lh:partition')}.${quote(`p:${i}`)}`).join(' AND ');
    const partitions = `(SELECT DISTINCT ${distinct} FROM ${quote(changedName(base))} AS ${quote(inner.alias)}) AS ${quote('lh:partition')}`;
    return (
      `(SELECT ${items} FROM ${partitions} CROSS JOIN ${quote(base)} AS ${quote(inner.alias)} WHERE ${match}` +
      ` UNION ALL SELECT ${items} FROM ${quote(changedName(base))} AS ${quote(inner.alias)}) AS ${quote(f.alias)}`
    );
  }

  /**
   * Column lists worth an index, per relation: GROUP BY columns (the per-key recomputation filters on
   * them), join columns (the affected keys and the recomputation look rows up by them), window
   * partitions. `columnsOf` says which relation an unqualified column belongs to.
   */
  indexes(columnsOf: (relation: string) => readonly string[] | undefined): Record<string, string[][]> {
    const out: Record<string, string[][]> = {};
    const add = (relation: string | undefined, columns: (string | undefined)[]) => {
      if (!relation || columns.length === 0 || columns.some((c) => c === undefined)) return;
      const list = (out[relation] ??= []);
      if (!list.some((l) => l.join('\0') === columns.join('\0'))) list.push(columns as string[]);
    };
    const s = this.shape;
    if (s.from.some((f) => f.unsupported)) return out;
    const resolve = (ref: ColumnRef | undefined): { relation: string; column: string } | undefined => {
      if (!ref) return undefined;
      const f = ref.qualifier
        ? s.from.find((x) => x.alias.toLowerCase() === ref.qualifier!.toLowerCase())
        : s.from.length === 1
          ? s.from[0]
          : s.from.find((x) =>
              (x.relation ? columnsOf(x.relation) : x.subquery!.items.map((i) => i.name))?.some((c) => c.toLowerCase() === ref.column.toLowerCase()),
            );
      if (!f) return undefined;
      if (f.relation) return { relation: f.relation, column: ref.column };
      const inner = f.subquery!.items.find((i) => i.kind === 'column' && i.name.toLowerCase() === ref.column.toLowerCase());
      return inner && f.subquery!.from[0]?.relation ? { relation: f.subquery!.from[0].relation, column: inner.column!.column } : undefined;
    };
    const group = s.groupBy.map((g) => resolve(columnRef(g)));
    if (group.every((g) => g !== undefined) && new Set(group.map((g) => g!.relation)).size === 1)
      add(
        group[0]?.relation,
        group.map((g) => g!.column),
      );
    for (const f of s.from) {
      for (const [a, b] of f.on ? (equalities(f.on) ?? []) : []) {
        for (const side of [resolve(a), resolve(b)]) if (side) add(side.relation, [side.column]);
      }
      const window = f.subquery?.items.find((i) => i.kind === 'window');
      if (window && f.subquery!.from[0]?.relation)
        add(
          f.subquery!.from[0].relation,
          (window.partitionBy ?? []).map((p) => columnRef(p)?.column),
        );
    }
    return out;
  }

  /** The result columns' names as the SELECT list spells them; undefined for `SELECT *`. */
  get resultNames(): string[] | undefined {
    return this.shape.items.some((i) => i.kind === 'star') ? undefined : this.shape.items.map((i) => i.name);
  }

  /**
   * The result's columns with Delta types, from the prepared statement's column names and the sources'
   * schemas: a column keeps its source type; count -> long; sum/total of integers -> long, of a decimal
   * -> decimal(38,s), otherwise double; avg -> double; min/max -> their argument's type; a CAST -> its
   * type; anything else -> string. `notes` says where the type was a guess.
   */
  columns(names: readonly string[], schemas: RelationSchemas): { fields: StructField[]; notes: string[] } {
    const notes: string[] = [];
    const items = this.shape.items.some((i) => i.kind === 'star') ? [] : this.shape.items;
    const fields = names.map((name, i) => {
      const item = items[i];
      const type = item ? this.itemType(item, this.shape, schemas) : this.typeOfColumn({ column: name }, this.shape, schemas);
      if (type === undefined) notes.push(`${name}: type not derivable, stored as string`);
      return field(name, type ?? 'string');
    });
    return { fields, notes };
  }

  private itemType(item: SelectItem, shape: SelectShape, schemas: RelationSchemas): DataType | undefined {
    if (item.kind === 'column') return this.typeOfColumn(item.column!, shape, schemas);
    const argType = () => {
      const ref = item.arg && columnRef(item.arg);
      return ref ? this.typeOfColumn(ref, shape, schemas) : undefined;
    };
    const fn = item.fn;
    if (fn === 'COUNT' || fn === 'ROW_NUMBER' || fn === 'RANK' || fn === 'DENSE_RANK' || fn === 'NTILE') return 'long';
    if (fn === 'AVG' || fn === 'TOTAL' || fn === 'PERCENT_RANK' || fn === 'CUME_DIST') return 'double';
    if (fn === 'GROUP_CONCAT' || fn === 'STRING_AGG') return 'string';
    if (fn === 'SUM') {
      const t = argType();
      if (t === 'long' || t === 'integer' || t === 'short' || t === 'byte' || t === 'boolean') return 'long';
      const m = typeof t === 'string' ? /^decimal\(\s*\d+\s*,\s*(\d+)\s*\)$/.exec(t) : null;
      return m ? `decimal(38,${Number(m[1])})` : 'double';
    }
    if (fn === 'MIN' || fn === 'MAX' || fn === 'FIRST_VALUE' || fn === 'LAST_VALUE' || fn === 'LAG' || fn === 'LEAD') return argType();
    const t = item.tokens;
    if (isKeyword(t[0], 'CAST') && isOp(t[1], '(')) {
      const as = t.findLastIndex((x) => isKeyword(x, 'AS'));
      const type = as > 0 ? (t[as + 1]?.value.toUpperCase() ?? '') : '';
      if (/INT/.test(type)) return 'long';
      if (/REAL|FLOA|DOUB|NUMERIC|DECIMAL/.test(type)) return 'double';
      if (/CHAR|CLOB|TEXT/.test(type)) return 'string';
      if (/BOOL/.test(type)) return 'boolean';
    }
    if (t.length === 1 && t[0]!.kind === 'number') return /^[0-9]+$/.test(t[0]!.text) ? 'long' : 'double';
    if (t.length === 1 && t[0]!.kind === 'string') return 'string';
    return undefined;
  }

  private typeOfColumn(ref: ColumnRef, shape: SelectShape, schemas: RelationSchemas): DataType | undefined {
    const lower = ref.column.toLowerCase();
    const candidates = ref.qualifier ? shape.from.filter((f) => f.alias.toLowerCase() === ref.qualifier!.toLowerCase()) : shape.from;
    for (const f of candidates) {
      if (f.relation) {
        const found = schemas(f.relation)?.find((c) => c.name.toLowerCase() === lower);
        if (found) return found.type;
      } else if (f.subquery) {
        const inner = f.subquery.items.find((i) => i.name.toLowerCase() === lower);
        if (inner) return this.itemType(inner, f.subquery, schemas);
      }
    }
    return undefined;
  }

  /**
   * The first column a SELECT names that its relations lack, with the columns they have: for the check
   * at start, once the sources exist. Undefined when every qualified or unambiguous name resolves.
   */
  unknownColumn(schemas: RelationSchemas): { column: string; candidates: string[] } | undefined {
    const check = (shape: SelectShape): { column: string; candidates: string[] } | undefined => {
      const known = new Map<string, string[]>();
      for (const f of shape.from) {
        known.set(f.alias.toLowerCase(), f.relation ? (schemas(f.relation) ?? []).map((c) => c.name) : (f.subquery?.items.map((i) => i.name) ?? []));
      }
      const all = [...known.values()].flat();
      // Names given with AS (HAVING and ORDER BY may use them); a bare column's own name is not one.
      const aliases = new Set(shape.items.filter((i) => i.name !== (i.column?.column ?? i.text)).map((i) => i.name.toLowerCase()));
      const exprs = [...shape.items.map((i) => i.tokens), shape.where ?? [], shape.having ?? [], ...shape.groupBy, ...shape.from.map((f) => f.on ?? [])];
      for (const expr of exprs) {
        for (const ref of columnRefs(expr)) {
          const names = ref.qualifier ? known.get(ref.qualifier.toLowerCase()) : all;
          if (names === undefined) continue;
          if (!names.some((n) => n.toLowerCase() === ref.column.toLowerCase()) && !(!ref.qualifier && aliases.has(ref.column.toLowerCase()))) {
            return { column: ref.qualifier ? `${ref.qualifier}.${ref.column}` : ref.column, candidates: names };
          }
        }
      }
      for (const f of shape.from)
        if (f.subquery) {
          const inner = check(f.subquery);
          if (inner) return inner;
        }
      return undefined;
    };
    if (this.shape.unsupported === 'a WITH clause') return undefined;
    return check(this.shape);
  }
}

const baseOf = (f: FromItem) => (f.relation ?? f.subquery!.from[0]!.relation)!;

const hasAggregate = (tokens: readonly Token[]) =>
  tokens.some((t, i) => t.kind === 'word' && ['COUNT', 'SUM', 'TOTAL', 'AVG', 'MIN', 'MAX', 'GROUP_CONCAT'].includes(t.value) && isOp(tokens[i + 1], '('));

/** An ON condition as pairs of column references (`a.x = b.y AND ...`), or undefined when it is not one. */
function equalities(on: Token[]): [ColumnRef, ColumnRef][] | undefined {
  const pairs: [ColumnRef, ColumnRef][] = [];
  for (const part of splitTopLevel(on, (t) => isKeyword(t, 'AND'))) {
    let tokens = part;
    while (isOp(tokens[0], '(') && isOp(tokens[tokens.length - 1], ')')) tokens = tokens.slice(1, -1);
    const eq = tokens.findIndex((t) => isOp(t, '=') || isOp(t, '=='));
    const a = eq > 0 ? columnRef(tokens.slice(0, eq)) : undefined;
    const b = eq > 0 ? columnRef(tokens.slice(eq + 1)) : undefined;
    if (!a || !b) return undefined;
    pairs.push([a, b]);
  }
  return pairs;
}

/** Words that are SQL, not column names, where a column could stand. */
const NOT_COLUMNS = new Set([
  ...EXPRESSION_WORDS,
  'PARTITION',
  'ORDER',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'WHERE',
  'ROWS',
  'RANGE',
  'GROUPS',
  'UNBOUNDED',
  'PRECEDING',
  'FOLLOWING',
  'CURRENT',
  'ROW',
  'INTEGER',
  'INT',
  'BIGINT',
  'TEXT',
  'REAL',
  'NUMERIC',
  'BLOB',
  'DOUBLE',
  'FLOAT',
  'VARCHAR',
  'DECIMAL',
  'BOOLEAN',
  'ISNULL',
  'NOTNULL',
]);

/** The column references in an expression (names not called as functions, not SQL words). */
export function columnRefs(tokens: readonly Token[]): ColumnRef[] {
  const refs: ColumnRef[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!isName(t) || isOp(tokens[i - 1], '.') || isOp(tokens[i + 1], '(')) continue;
    if (t.kind === 'word' && NOT_COLUMNS.has(t.value)) continue;
    if (isKeyword(tokens[i - 1], 'AS', 'COLLATE')) continue; // CAST(x AS type), COLLATE nocase
    if (isOp(tokens[i + 1], '.') && isName(tokens[i + 2])) {
      refs.push({ qualifier: nameOf(t), column: nameOf(tokens[i + 2]!) });
      i += 2;
    } else refs.push({ column: nameOf(t) });
  }
  return refs;
}

/** The lower-cased names a SQL text mentions: which of a source's columns a definition can read. */
export function namesMentioned(sql: string): Set<string> {
  return new Set(
    tokenize(sql)
      .filter((t) => t.kind === 'word' || t.kind === 'name')
      .map((t) => nameOf(t).toLowerCase()),
  );
}

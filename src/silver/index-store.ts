/**
 * The SQLite side of an indexed table (indexed-table.ts): one SQL table holding each indexed row's
 * image with the data file and row that hold it in the Delta table, plus what the table's policy
 * needs (serving-store.ts: the latest state of each key; scd2-store.ts: every version of it). It is
 * the table's index and its serving copy: a view named after the table shows the live rows' data
 * columns, which is what SQL users query. Derived data, rebuilt from the Delta table.
 *
 * Values are stored in the canonical encoding (int64 as INTEGER, decimals and timestamps as text,
 * nested values as JSON text) so they come back out exactly as they went in.
 */
import type { Database } from 'bun:sqlite';
import { isArray, isMap, isStruct, type DataType, type StructField, type StructType } from '../delta/schema.ts';
import { addMissingColumns, quote, replaceView } from './store-schema.ts';

export type Row = Record<string, unknown>;

export type Codec = { toSql: (v: unknown) => unknown; fromSql: (v: unknown) => unknown };
const identity = (v: unknown) => v;
export function codecOf(t: DataType): Codec {
  if (t === 'long') return { toSql: (v) => (v == null ? null : BigInt(v as string)), fromSql: (v) => (v == null ? null : String(v)) };
  if (t === 'integer' || t === 'short' || t === 'byte') return { toSql: identity, fromSql: (v) => (v == null ? null : Number(v)) };
  if (t === 'boolean') return { toSql: (v) => (v == null ? null : v ? 1 : 0), fromSql: (v) => (v == null ? null : Number(v) !== 0) };
  if (t === 'float' || t === 'double') {
    return {
      toSql: (v) => (v == null ? null : typeof v === 'string' ? Number(v) : v),
      fromSql: (v) => (v == null ? null : Number.isFinite(v as number) ? v : String(v)),
    };
  }
  if (isStruct(t) || isArray(t) || isMap(t)) {
    return { toSql: (v) => (v == null ? null : JSON.stringify(v)), fromSql: (v) => (v == null ? null : JSON.parse(v as string)) };
  }
  return { toSql: identity, fromSql: identity };
}

/** What both kinds of index store say about their SQL table: which rows are live, in which order. */
export interface IndexLayout {
  /** The SQL condition of a live row (served, counted, in the view). */
  live: string;
  /** The order rows are served in. */
  order: string;
}

export abstract class IndexStore<E> {
  protected fields: StructField[] = [];
  protected codecs: Codec[] = [];

  protected constructor(
    protected readonly db: Database,
    /** The indexed table's name: also its SQL view's. */
    readonly table: string,
    protected readonly sqlName: string,
    private readonly layout: IndexLayout,
  ) {}

  /** Adds SQL columns for new schema fields (schema evolution only ever adds) and re-prepares. */
  setSchema(schema: StructType): void {
    addMissingColumns(this.db, this.sqlName, schema);
    this.fields = schema.fields;
    this.codecs = schema.fields.map((f) => codecOf(f.type));
    const columns = this.fields.map((f) => quote(f.name));
    this.prepare(columns);
    replaceView(this.db, this.table, this.sqlName, columns, this.layout.live);
  }

  /** Prepares the policy's statements for the data columns `columns` (quoted). */
  protected abstract prepare(columns: readonly string[]): void;

  /** Records an entry (its image and place), replacing the one of the same identity. */
  abstract put(entry: E): void;

  /** Live rows for the API, in the layout's order. */
  rows(limit: number, offset: number): Row[] {
    const stmt = this.db.query(
      `SELECT ${this.fields.map((f) => quote(f.name)).join(', ')} FROM ${this.sqlName} WHERE ${this.layout.live} ORDER BY ${this.layout.order} LIMIT ? OFFSET ?`,
    );
    stmt.safeIntegers(true);
    return (stmt.all(limit, offset) as Record<string, unknown>[]).map((r) => this.imageOf(r));
  }

  count(): number {
    return (this.db.query(`SELECT count(*) AS n FROM ${this.sqlName} WHERE ${this.layout.live}`).get() as { n: number }).n;
  }

  /** Forgets every entry, before a rebuild from the Delta table. */
  clear(): void {
    this.db.run(`DELETE FROM ${this.sqlName}`);
  }

  /** The data columns of a SQL row, decoded. */
  protected imageOf(r: Record<string, unknown>): Row {
    const image: Row = {};
    for (let i = 0; i < this.fields.length; i++) image[this.fields[i]!.name] = this.codecs[i]!.fromSql(r[this.fields[i]!.name]);
    return image;
  }

  /** Appends the data columns of an image to `values`, encoded in field order (nulls without an image). */
  protected appendValues(values: unknown[], image: Row | null): unknown[] {
    for (let i = 0; i < this.fields.length; i++) values.push(image ? this.codecs[i]!.toSql(image[this.fields[i]!.name]) : null);
    return values;
  }
}

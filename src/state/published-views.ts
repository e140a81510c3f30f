/**
 * The views users and gold definitions query, one place for their names. Each table is published
 * under its layer (`"silver.voters"`, `"gold.poll_results"`: a dot never occurs in a table name, so
 * these can meet neither a user's name nor an internal one), and under its bare name only while that
 * name is unique across layers: a source table and a gold table of one name are both reachable
 * qualified, and neither hides the other unqualified.
 */
import type { Database } from 'bun:sqlite';
import { quote } from './names.ts';

/** The layers whose tables lakehouse.db serves. */
export const SERVED_LAYERS = ['silver', 'gold'] as const;
export type ServedLayer = (typeof SERVED_LAYERS)[number];

/** The SQLite name of the view publishing `name` of `layer`: `silver.voters`. */
export const publishedViewName = (layer: ServedLayer, name: string): string => `${layer}.${name}`;

const viewExists = (db: Database, name: string) => db.query(`SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ? COLLATE NOCASE`).get(name) !== null;

/** (Re)creates the view of `name` in `layer` as `select`, and its bare name where unique. */
export function publishView(db: Database, layer: ServedLayer, name: string, select: string): void {
  const view = quote(publishedViewName(layer, name));
  db.run(`DROP VIEW IF EXISTS ${view}`);
  db.run(`CREATE VIEW ${view} AS ${select}`);
  refreshBareName(db, name);
}

/** Drops the view of `name` in `layer` (the table is no longer served), and settles its bare name. */
export function unpublishView(db: Database, layer: ServedLayer, name: string): void {
  db.run(`DROP VIEW IF EXISTS ${quote(publishedViewName(layer, name))}`);
  refreshBareName(db, name);
}

/** SQLite keeps names starting `sqlite_` for itself: a table of such a name is reachable qualified only. */
const RESERVED_BY_SQLITE = /^sqlite_/i;

/**
 * The bare name reads the one layer that has the table; none has it, or more than one (an ambiguous
 * name: SQL says which qualified names to use), and there is no bare view.
 */
function refreshBareName(db: Database, name: string): void {
  if (RESERVED_BY_SQLITE.test(name)) return;
  db.run(`DROP VIEW IF EXISTS ${quote(name)}`);
  const layers = SERVED_LAYERS.filter((layer) => viewExists(db, publishedViewName(layer, name)));
  if (layers.length === 1) db.run(`CREATE VIEW ${quote(name)} AS SELECT * FROM ${quote(publishedViewName(layers[0]!, name))}`);
}

/** A table name and the layers publishing it, from the views lakehouse.db holds. */
export interface PublishedTable {
  name: string;
  layers: ServedLayer[];
}

/** Every published table, by bare name, with the layers that have one of that name (case-insensitively). */
export function publishedTables(db: Database): PublishedTable[] {
  const byName = new Map<string, PublishedTable>();
  const views = db.query(`SELECT name FROM sqlite_master WHERE type = 'view'`).all() as { name: string }[];
  for (const { name: view } of views) {
    const dot = view.indexOf('.');
    const layer = view.slice(0, dot) as ServedLayer;
    if (dot < 0 || !SERVED_LAYERS.includes(layer)) continue;
    const name = view.slice(dot + 1);
    const key = name.toLowerCase();
    const entry = byName.get(key) ?? { name, layers: [] };
    entry.layers.push(layer);
    byName.set(key, entry);
  }
  return [...byName.values()];
}

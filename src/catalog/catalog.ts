/**
 * Where every table of a data folder lives and what a name means: the one place that knows the
 * folder layout (bronze/, dead_letters/, silver/<table>/, gold/<table>/) and resolves a name a user
 * gives (`voters`, `silver/voters`, `gold.poll_results`, `bronze`) to its layer and location. The
 * pipeline, the API, SQL time travel and the CLI all go through it, so they agree on every name, and
 * nothing outside the tables root can be named.
 */
import { notFound } from '../core/errors.ts';
import type { Storage } from '../storage/storage.ts';
import { Snapshot } from '../delta/index.ts';

export type Layer = 'bronze' | 'silver' | 'gold';

export interface TableEntry {
  name: string;
  layer: Layer;
  /** The table's folder under the tables root. */
  path: string;
}

/** The folder of each kind of table under the tables root. */
export const LAYOUT = {
  bronze: 'bronze',
  deadLetters: 'dead_letters',
  /** The change ledger's durable copy (src/gold/ledger-table.ts), what change_activity-like gold reads. */
  changeLedger: 'change_ledger',
  silver: 'silver',
  gold: 'gold',
} as const;

/** The tables of the bronze layer, by name: the raw records and the dead letters. */
const BRONZE_TABLES: Readonly<Record<string, string>> = { bronze: LAYOUT.bronze, dead_letters: LAYOUT.deadLetters };

/** A silver or gold table name: an SQL identifier of letters, digits and `_`. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The folder of table `name` of `layer`. */
export function tablePath(layer: Layer, name: string): string {
  if (layer === 'bronze') return BRONZE_TABLES[name] ?? LAYOUT.bronze;
  return `${layer === 'silver' ? LAYOUT.silver : LAYOUT.gold}/${name}`;
}

/** A name as a user writes it: an optional layer (`silver/`, `gold.`) and the table's name. */
export interface TableName {
  layer?: Layer;
  name: string;
}

/** Parses a table reference, or undefined when it is not one (a path, `..`, an empty name). */
export function parseTableName(ref: string): TableName | undefined {
  const m = /^(?:(bronze|silver|gold)[./])?([^./]+)$/.exec(ref);
  if (!m || !TABLE_NAME.test(m[2]!)) return undefined;
  return { layer: m[1] as Layer | undefined, name: m[2]! };
}

/**
 * The entry `ref` names among `entries`: a qualified name only in its layer; an unqualified one in
 * the bronze layer's own names, then silver, then gold (so a silver table named like a gold one is
 * reached unqualified, the gold one as `gold/NAME`).
 */
export function resolveIn<T extends { name: string; layer: Layer }>(ref: string, entries: readonly T[]): T | undefined {
  const parsed = parseTableName(ref);
  if (!parsed) return undefined;
  const order: Layer[] = parsed.layer ? [parsed.layer] : ['bronze', 'silver', 'gold'];
  for (const layer of order) {
    const found = entries.find((e) => e.layer === layer && e.name === parsed.name);
    if (found) return found;
  }
  return undefined;
}

export const noSuchTable = (ref: string, where: string) =>
  notFound(
    `no table named '${ref}' in ${where}`,
    'tables are named like voters, silver/voters, gold/poll_results, bronze or dead_letters (GET /api/tables, or ls the data folder)',
  );

/** The tables under one tables root (a local folder or an s3:// prefix), found by their Delta logs. */
export class TableCatalog {
  constructor(readonly root: Storage) {}

  /** The storage of a table's folder. */
  storage(entry: Pick<TableEntry, 'path'>): Storage {
    return this.root.at(entry.path);
  }

  /** The storage a layer's tables live under (silver/, gold/). */
  layerStorage(layer: 'silver' | 'gold'): Storage {
    return this.root.at(layer === 'silver' ? LAYOUT.silver : LAYOUT.gold);
  }

  /** Every table that exists, bronze first, then silver and gold by name. */
  async list(): Promise<TableEntry[]> {
    const files = await this.root.list('', { recursive: true });
    const logs = new Set(files.map((f) => /^(.*)\/_delta_log\//.exec(f.path)?.[1]).filter((p): p is string => !!p));
    const entries: TableEntry[] = [];
    for (const [name, path] of Object.entries(BRONZE_TABLES)) if (logs.has(path)) entries.push({ name, layer: 'bronze', path });
    for (const layer of ['silver', 'gold'] as const) {
      const names = [...logs].map((p) => p.split('/')).filter((parts) => parts.length === 2 && parts[0] === layer && TABLE_NAME.test(parts[1]!));
      for (const [, name] of names.sort((a, b) => a[1]!.localeCompare(b[1]!))) entries.push({ name: name!, layer, path: tablePath(layer, name!) });
    }
    return entries;
  }

  /** The table `ref` names, when it exists (a name only: never a path). */
  async resolve(ref: string): Promise<TableEntry | undefined> {
    const parsed = parseTableName(ref);
    if (!parsed) return undefined;
    const candidates: TableEntry[] = [];
    for (const layer of parsed.layer ? [parsed.layer] : (['bronze', 'silver', 'gold'] as const)) {
      if (layer === 'bronze' && !(parsed.name in BRONZE_TABLES)) continue;
      candidates.push({ name: parsed.name, layer, path: tablePath(layer, parsed.name) });
    }
    for (const c of candidates) if ((await Snapshot.latestVersion(this.storage(c))) !== undefined) return c;
    return undefined;
  }
}

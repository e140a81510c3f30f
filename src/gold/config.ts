/**
 * Gold definitions from configuration: `[gold.NAME]` tables of a TOML document (sql, key, description,
 * publish) and `NAME.sql` files (one SELECT; `-- key: a, b`, `-- description: ...` and
 * `-- publish: false` comment lines before it). Definitions are ordered so that each reads only
 * earlier ones, whatever order they were written in.
 */
import { LakehouseError, ErrorCode } from '../core/errors.ts';
import type { GoldDefinition } from './definition.ts';
import { relationsRead } from './select-shape.ts';

const configError = (message: string, hint?: string) => new LakehouseError(ErrorCode.config, message, { hint });
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYS = new Set(['sql', 'key', 'description', 'publish']);

/** The definitions of a TOML document's `gold` table; `where` names the file in errors. */
export function goldFromToml(doc: Record<string, unknown>, where: string): GoldDefinition[] {
  const gold = doc.gold;
  if (gold === undefined) return [];
  if (!isTable(gold)) throw configError(`${where}: gold must be tables [gold.NAME] with sql = "SELECT ..."`);
  return Object.entries(gold).map(([name, value]) => {
    const at = `${where}: [gold.${name}]`;
    if (!NAME.test(name)) throw configError(`${at}: a gold table name is letters, digits and _ (not starting with a digit)`);
    if (!isTable(value)) throw configError(`${at} must be a table with sql = "SELECT ..."`);
    for (const k of Object.keys(value)) if (!KEYS.has(k)) throw configError(`${at}: unknown setting '${k}'`, `settings: ${[...KEYS].join(', ')}`);
    const { sql, key, description, publish } = value;
    if (typeof sql !== 'string' || sql.trim() === '') throw configError(`${at}: sql must be one SELECT, as a string`);
    if (key !== undefined && !(Array.isArray(key) && key.length > 0 && key.every((k) => typeof k === 'string')))
      throw configError(`${at}: key must be a list of column names, e.g. key = ["id"]`);
    if (description !== undefined && typeof description !== 'string') throw configError(`${at}: description must be a string`);
    if (publish !== undefined && typeof publish !== 'boolean') throw configError(`${at}: publish must be true or false`);
    return { name, sql, key: key as string[] | undefined, description, publish };
  });
}

/** One `NAME.sql` file's definition. */
export function goldFromSqlFile(name: string, text: string, where: string): GoldDefinition {
  if (!NAME.test(name)) throw configError(`${where}: a gold table name is letters, digits and _ (rename the file)`);
  const def: GoldDefinition = { name, sql: text };
  for (const m of text.matchAll(/^\s*--\s*(key|description|publish)\s*:\s*(.*?)\s*$/gm)) {
    const [, setting, value] = m as unknown as [string, string, string];
    if (setting === 'key')
      def.key = value
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
    else if (setting === 'description') def.description = value;
    else if (value === 'false' || value === 'true') def.publish = value === 'true';
    else throw configError(`${where}: -- publish: must be true or false`);
  }
  if (text.trim() === '') throw configError(`${where}: the file is empty; write one SELECT`);
  return def;
}

/**
 * The definitions in dependency order (a definition after those it reads), names unique. A cycle is an
 * error naming it.
 */
export function orderGold(definitions: readonly GoldDefinition[]): GoldDefinition[] {
  const byName = new Map<string, GoldDefinition>();
  for (const d of definitions) {
    if (byName.has(d.name)) throw configError(`gold ${d.name} is defined twice`, 'a name is one [gold.NAME] table or one NAME.sql file');
    byName.set(d.name, d);
  }
  const ordered: GoldDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (d: GoldDefinition, path: string[]) => {
    if (state.get(d.name) === 'done') return;
    if (state.get(d.name) === 'visiting') throw configError(`gold definitions read each other in a cycle: ${[...path, d.name].join(' -> ')}`);
    state.set(d.name, 'visiting');
    let reads: string[] = [];
    try {
      reads = relationsRead(d.sql);
    } catch {
      // A definition that does not parse is reported, with its name, when its plan is made.
    }
    for (const r of reads) if (r !== d.name && byName.has(r)) visit(byName.get(r)!, [...path, d.name]);
    state.set(d.name, 'done');
    ordered.push(d);
  };
  for (const d of definitions) visit(d, []);
  return ordered;
}

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

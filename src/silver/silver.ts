/**
 * Silver: routes decoded change events to silver tables and applies them. By default a source table
 * `server.schema.voters` lands in silver `voters`; routing rules (regex on the topic -> table name)
 * override that. Tables are created on their first event.
 */
import type { Database } from 'bun:sqlite';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from '../storage/storage.ts';
import type { ChangeEvent } from '../cdc/index.ts';
import { SilverTable, type AppliedChange, type Quarantined } from './silver-table.ts';
import { silverFieldFor } from './schema-evolution.ts';

export interface RoutingRule {
  /** Matched against the Kafka topic. */
  pattern: RegExp;
  /** The silver table; `$1`… refer to the pattern's groups. */
  table: string;
}

export interface SilverBatchResult {
  applied: AppliedChange[];
  duplicates: number;
  quarantined: Quarantined[];
  versions: Map<string, number>;
}

const tableNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class Silver {
  private readonly tables = new Map<string, SilverTable>();

  private constructor(
    private readonly storage: Storage,
    private readonly db: Database,
    private readonly rules: readonly RoutingRule[],
  ) {}

  /** Opens every silver table that already exists under `storage`. */
  static async open(storage: Storage, db: Database, rules: readonly RoutingRule[] = []): Promise<Silver> {
    const silver = new Silver(storage, db, rules);
    const logs = await storage.list('', { recursive: true });
    const names = new Set(logs.map((f) => /^([^/]+)\/_delta_log\//.exec(f.path)?.[1]).filter((n): n is string => !!n));
    for (const name of [...names].filter((n) => tableNamePattern.test(n)).sort()) silver.tables.set(name, await SilverTable.open(storage.at(name), db, name, []));
    return silver;
  }

  /** The silver table an event belongs to. */
  route(ev: ChangeEvent): string {
    for (const rule of this.rules) {
      const m = rule.pattern.exec(ev.record.topic);
      if (m) return rule.table.replace(/\$(\d)/g, (_, i) => m[Number(i)] ?? '');
    }
    return ev.table;
  }

  list(): SilverTable[] {
    return [...this.tables.values()];
  }

  get(name: string): SilverTable | undefined {
    return this.tables.get(name);
  }

  /**
   * Swaps a table built in the sibling folder `scratch` in for `name`: the old folder is moved aside,
   * then deleted, and the serving copy is rebuilt from the new table.
   */
  async replace(name: string, scratch: string): Promise<void> {
    const dir = (n: string) => join(this.storage.root, n);
    const aside = `.replaced-${name}-${Date.now()}`;
    renameSync(dir(name), dir(aside));
    renameSync(dir(scratch), dir(name));
    rmSync(dir(aside), { recursive: true, force: true });
    this.db.run('DELETE FROM silver_state WHERE name = ?', [name]);
    this.tables.set(name, await SilverTable.open(this.storage.at(name), this.db, name, []));
  }

  /** The lowest bronze version every table has consumed (undefined: some table has consumed none). */
  get bronzeWatermark(): number | undefined {
    let min: number | undefined;
    for (const t of this.tables.values()) {
      const v = t.bronzeVersion;
      if (v === undefined) return undefined;
      min = min === undefined ? v : Math.min(min, v);
    }
    return min;
  }

  /** Applies the events of one bronze version, table by table, each table exactly once. */
  async apply(events: readonly ChangeEvent[], bronzeVersion: number): Promise<SilverBatchResult> {
    const byTable = new Map<string, ChangeEvent[]>();
    const quarantined: Quarantined[] = [];
    for (const ev of events) {
      const name = this.route(ev);
      if (!tableNamePattern.test(name)) {
        quarantined.push({ event: ev, reason: `routing gives silver table name '${name}', which is not a valid table name` });
        continue;
      }
      let list = byTable.get(name);
      if (!list) byTable.set(name, (list = []));
      list.push(ev);
    }
    const result: SilverBatchResult = { applied: [], duplicates: 0, quarantined, versions: new Map() };
    for (const [name, list] of byTable) {
      let table = this.tables.get(name);
      if (!table) {
        const first = list.find((e) => e.op !== 't');
        table = await SilverTable.open(this.storage.at(name), this.db, name, first ? first.columns.map(silverFieldFor) : []);
        this.tables.set(name, table);
      }
      const r = await table.apply(list, bronzeVersion);
      await table.compact();
      result.applied.push(...r.applied);
      result.duplicates += r.duplicates;
      result.quarantined.push(...r.quarantined);
      if (r.version !== undefined) result.versions.set(name, r.version);
    }
    return result;
  }
}

/**
 * Silver: routes decoded change events to silver tables and applies them. By default a source table
 * `server.schema.voters` lands in silver `voters`; routing rules (regex on the topic -> table name)
 * override that. Tables are created on their first event. A table with history enabled also keeps its
 * SCD type 2 history, `<table>__history` (history-table.ts); once created, a history is kept up to
 * date on every later run, so its existence is the durable record that history is on.
 */
import type { Database } from 'bun:sqlite';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from '../storage/storage.ts';
import type { ChangeEvent } from '../cdc/index.ts';
import { ErrorCode, LakehouseError } from '../core/errors.ts';
import { KEY_FORMAT, SilverTable, type AppliedChange, type ApplyResult, type BeforeCommit, type Quarantined } from './silver-table.ts';
import { HISTORY_SUFFIX, HistoryTable } from './history-table.ts';
import { silverFieldsFor } from './schema-evolution.ts';
import { DEFAULT_WRITE_MODE, chosenWriteMode, type WriteMode, type WriteModeChoice } from './write-mode.ts';

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
const isSilverTableName = (name: string) => tableNamePattern.test(name) && !name.endsWith(HISTORY_SUFFIX);

export class Silver {
  private readonly tables = new Map<string, SilverTable>();
  private readonly historyTables = new Map<string, HistoryTable>();

  private constructor(
    private readonly storage: Storage,
    private readonly db: Database,
    private readonly rules: readonly RoutingRule[],
    /** Tables whose history is to be kept from now on (besides those that have one already). */
    private readonly historyFor: ReadonlySet<string>,
    /** The mode of tables created from now on, for all or per table; existing ones keep theirs. */
    readonly writeMode: WriteMode | WriteModeChoice,
  ) {}

  /**
   * Opens every silver table that already exists under `storage`, with its history when it has one,
   * and starts the history of each table in `history` that exists without one. Tables created from now
   * on get `writeMode`.
   */
  static async open(
    storage: Storage,
    db: Database,
    rules: readonly RoutingRule[] = [],
    history: readonly string[] = [],
    writeMode: WriteMode | WriteModeChoice = DEFAULT_WRITE_MODE,
  ): Promise<Silver> {
    // A list flag typed on the command line keeps its commas (args.ts: route regexes may hold them).
    const wanted = history.flatMap((h) => h.split(',')).map((h) => h.trim()).filter(Boolean);
    for (const name of wanted) {
      if (!isSilverTableName(name)) {
        throw new LakehouseError(ErrorCode.config, `--history: '${name}' is not a silver table name`, {
          hint: `name silver tables (letters, digits, _), not ending in ${HISTORY_SUFFIX}, e.g. --history voters,polls`,
        });
      }
    }
    const silver = new Silver(storage, db, rules, new Set(wanted), writeMode);
    forgetStoresOfOtherKeyFormat(db);
    const logs = await storage.list('', { recursive: true });
    const names = new Set(logs.map((f) => /^([^/]+)\/_delta_log\//.exec(f.path)?.[1]).filter((n): n is string => !!n));
    for (const name of [...names].filter(isSilverTableName).sort()) {
      const table = await SilverTable.open(storage.at(name), db, name, []);
      silver.tables.set(name, table);
      if (names.has(name + HISTORY_SUFFIX) || silver.historyFor.has(name)) await silver.openHistory(table);
    }
    return silver;
  }

  private async openHistory(table: SilverTable): Promise<HistoryTable> {
    const history = await HistoryTable.open(this.storage.at(table.name + HISTORY_SUFFIX), this.db, table);
    this.historyTables.set(table.name, history);
    return history;
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

  /** The history tables, one per silver table that keeps one. */
  histories(): HistoryTable[] {
    return [...this.historyTables.values()];
  }

  get(name: string): SilverTable | undefined {
    return this.tables.get(name);
  }

  /** The history of silver table `name`, when it keeps one. */
  history(name: string): HistoryTable | undefined {
    return this.historyTables.get(name);
  }

  /**
   * Swaps a table built in the sibling folder `scratch` in for `name` (and its history built in
   * `scratch__history`, when it keeps one): each old folder is moved aside, then deleted, and the
   * serving copies are rebuilt from the new tables.
   */
  async replace(name: string, scratch: string): Promise<void> {
    const dir = (n: string) => join(this.storage.root, n);
    const swap = (target: string, built: string) => {
      const aside = `.replaced-${target}-${Date.now()}`;
      if (existsSync(dir(target))) renameSync(dir(target), dir(aside));
      renameSync(dir(built), dir(target));
      rmSync(dir(aside), { recursive: true, force: true });
    };
    const withHistory = existsSync(dir(scratch + HISTORY_SUFFIX));
    swap(name, scratch);
    if (withHistory) swap(name + HISTORY_SUFFIX, scratch + HISTORY_SUFFIX);
    this.db.run('DELETE FROM silver_state WHERE name = ?', [name]);
    if (withHistory) this.db.run('DELETE FROM history_state WHERE name = ?', [name + HISTORY_SUFFIX]);
    const table = await SilverTable.open(this.storage.at(name), this.db, name, []);
    this.tables.set(name, table);
    if (withHistory) await this.openHistory(table);
  }

  /** Whether silver table `name` keeps (or is to keep) a history. */
  keepsHistory(name: string): boolean {
    return this.historyTables.has(name) || this.historyFor.has(name);
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
  async apply(events: readonly ChangeEvent[], bronzeVersion: number, beforeCommit?: BeforeCommit): Promise<SilverBatchResult> {
    const byTable = new Map<string, ChangeEvent[]>();
    const quarantined: Quarantined[] = [];
    for (const ev of events) {
      const name = this.route(ev);
      if (!isSilverTableName(name)) {
        const why = tableNamePattern.test(name) ? `names ending in ${HISTORY_SUFFIX} are reserved for history tables` : 'which is not a valid table name';
        quarantined.push({ event: ev, reason: `routing gives silver table name '${name}', ${why}` });
        continue;
      }
      let list = byTable.get(name);
      if (!list) byTable.set(name, (list = []));
      list.push(ev);
    }
    const result: SilverBatchResult = { applied: [], duplicates: 0, quarantined, versions: new Map() };
    for (const [name, routed] of byTable) {
      let table = this.tables.get(name);
      if (!table) {
        const first = routed.find((e) => e.op !== 't');
        table = await SilverTable.open(this.storage.at(name), this.db, name, silverFieldsFor(first?.columns ?? []), chosenWriteMode(this.writeMode, name) ?? DEFAULT_WRITE_MODE);
        this.tables.set(name, table);
      }
      const history = this.historyTables.get(name) ?? (this.historyFor.has(name) ? await this.openHistory(table) : undefined);
      const r = await applyToTable(table, history, routed, bronzeVersion, beforeCommit);
      result.applied.push(...r.applied);
      result.duplicates += r.duplicates;
      result.quarantined.push(...r.quarantined);
      if (r.version !== undefined) result.versions.set(name, r.version);
    }
    return result;
  }

  /** Forgets delete tombstones stored before `cutoffMs` in every table's key index; returns how many. */
  purgeTombstones(cutoffMs: number): number {
    let purged = 0;
    for (const table of this.tables.values()) purged += table.purgeTombstones(cutoffMs);
    return purged;
  }

  /**
   * Background compaction of every table and history (SilverTable.compact): the pipeline runs it after
   * a batch's changes are published, so folding files away never delays their visibility.
   */
  async compact(): Promise<void> {
    for (const [name, table] of this.tables) {
      await this.historyTables.get(name)?.compact();
      await table.compact();
    }
  }
}

/**
 * One table's share of a bronze version (the batch path and `rebuild` both go through here): tombstone
 * deletes placed, then the history first (one that has committed nothing while its silver table has
 * was started on an existing table, which it then seeds from silver: history-table.ts), without the
 * events a committed truncate supersedes, then the table itself.
 */
export async function applyToTable(
  table: SilverTable,
  history: HistoryTable | undefined,
  routed: readonly ChangeEvent[],
  bronzeVersion: number,
  beforeCommit?: BeforeCommit,
): Promise<ApplyResult> {
  const events = table.placeTombstoneDeletes(routed);
  await history?.apply(table.notTruncated(events), bronzeVersion);
  return table.apply(events, bronzeVersion, beforeCommit);
}

/**
 * Key indexes written with another key spelling would not find their keys: marking every store as
 * behind its table makes each rebuild from its Delta table on open (delete tombstones are not in the
 * tables, so they are lost, as when lakehouse.db is deleted).
 */
function forgetStoresOfOtherKeyFormat(db: Database): void {
  db.run('CREATE TABLE IF NOT EXISTS silver_key_format (version INTEGER NOT NULL)');
  const row = db.query('SELECT version FROM silver_key_format').get() as { version: number } | null;
  if (row?.version === KEY_FORMAT) return;
  db.transaction(() => {
    for (const state of ['silver_state', 'history_state']) {
      if (db.query('SELECT 1 FROM sqlite_master WHERE name = ?').get(state)) db.run(`DELETE FROM ${state}`);
    }
    db.run('DELETE FROM silver_key_format');
    db.query('INSERT INTO silver_key_format (version) VALUES (?)').run(KEY_FORMAT);
  })();
}

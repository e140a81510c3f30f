/**
 * Silver: routes decoded change events to silver tables and applies them. By default a source table
 * `server.schema.voters` lands in silver `voters`; routing rules (regex on the topic -> table name)
 * override that. Tables are created on their first event. A table with history enabled also keeps its
 * SCD type 2 history, `<table>__history` (scd2-table.ts); once created, a history is kept up to
 * date on every later run, so its existence is the durable record that history is on.
 */
import { Database } from 'bun:sqlite';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from '../storage/storage.ts';
import { LocalStorage } from '../storage/index.ts';
import type { ChangeEvent, TombstoneEvent } from '../cdc/index.ts';
import { ErrorCode, LakehouseError, notFound } from '../core/errors.ts';
import { SilverTable, type AppliedChange, type ApplyResult, type BeforeCommit, type Quarantined } from './silver-table.ts';
import { HISTORY_SUFFIX, Scd2Table } from './scd2-table.ts';
import { silverFieldsFor } from './schema-evolution.ts';
import { DEFAULT_WRITE_MODE, chosenWriteMode, type WriteMode, type WriteModeChoice } from './write-mode.ts';
import { KEY_FORMAT } from './keys.ts';
import { StoreVersions, forgetStoresOfOtherKeyFormat } from './store-schema.ts';
import { TopicSources } from './topic-sources.ts';

export interface RoutingRule {
  /** Matched against the Kafka topic. */
  pattern: RegExp;
  /** The silver table; `$1`… refer to the pattern's groups. */
  table: string;
}

/** One bronze version's records, decoded, as a replay of bronze gives them (oldest first). */
export interface DecodedVersion {
  version: number;
  events: readonly (ChangeEvent | TombstoneEvent)[];
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
  private readonly historyTables = new Map<string, Scd2Table>();

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
    const wanted = history
      .flatMap((h) => h.split(','))
      .map((h) => h.trim())
      .filter(Boolean);
    for (const name of wanted) {
      if (!isSilverTableName(name)) {
        throw new LakehouseError(ErrorCode.config, `--history: '${name}' is not a silver table name`, {
          hint: `name silver tables (letters, digits, _), not ending in ${HISTORY_SUFFIX}, e.g. --history voters,polls`,
        });
      }
    }
    const silver = new Silver(storage, db, rules, new Set(wanted), writeMode);
    forgetStoresOfOtherKeyFormat(db, KEY_FORMAT);
    const logs = await storage.list('', { recursive: true });
    const names = new Set(logs.map((f) => /^([^/]+)\/_delta_log\//.exec(f.path)?.[1]).filter((n): n is string => !!n));
    for (const name of [...names].filter(isSilverTableName).sort()) {
      const table = await SilverTable.open(storage.at(name), db, name, []);
      silver.tables.set(name, table);
      if (names.has(name + HISTORY_SUFFIX) || silver.historyFor.has(name)) await silver.openHistory(table);
    }
    return silver;
  }

  private async openHistory(table: SilverTable): Promise<Scd2Table> {
    const history = await Scd2Table.open(this.storage.at(table.name + HISTORY_SUFFIX), this.db, table);
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
  histories(): Scd2Table[] {
    return [...this.historyTables.values()];
  }

  get(name: string): SilverTable | undefined {
    return this.tables.get(name);
  }

  /** The history of silver table `name`, when it keeps one. */
  history(name: string): Scd2Table | undefined {
    return this.historyTables.get(name);
  }

  /**
   * Recomputes silver table `name` from bronze alone (`replay`: every bronze version from the first,
   * through `lastVersion`), and its history when it keeps one. The new tables are built beside the old
   * ones, with their own scratch index, and swapped in only when complete, so an interrupted rebuild
   * changes nothing. A history seeded from silver's rows when it was turned on comes back whole: every
   * version bronze holds. The rebuilt table keeps the old one's write mode unless `writeMode` converts it.
   */
  async rebuild(name: string, replay: AsyncIterable<DecodedVersion>, lastVersion: number, writeMode?: WriteMode): Promise<SilverTable> {
    const current = this.tables.get(name);
    if (!current)
      throw notFound(
        `no silver table named '${name}'`,
        `silver tables: ${
          this.list()
            .map((t) => t.name)
            .join(', ') || 'none yet'
        }`,
      );
    if (!(this.storage instanceof LocalStorage)) {
      throw new LakehouseError(ErrorCode.unsupported, `rebuild needs the tables in a local folder; ${this.storage.root} is remote`, {
        hint: 'rebuild in a local data folder (lakehouse ingest from `lakehouse cat bronze --format ndjson`) and copy it over',
      });
    }
    const scratchName = `.rebuild-${name}`;
    rmSync(join(this.storage.root, scratchName), { recursive: true, force: true });
    rmSync(join(this.storage.root, scratchName + HISTORY_SUFFIX), { recursive: true, force: true });
    const scratchDb = new Database(':memory:');
    const topics = new TopicSources(scratchDb);
    let table: SilverTable | undefined;
    let history: Scd2Table | undefined;
    const withHistory = this.keepsHistory(name);
    let covered = 0;
    const apply = async (routed: readonly ChangeEvent[], version: number) => {
      table ??= await SilverTable.open(
        this.storage.at(scratchName),
        scratchDb,
        name,
        silverFieldsFor(routed.find((e) => e.op !== 't')?.columns ?? []),
        writeMode ?? current.writeMode,
      );
      if (withHistory) history ??= await Scd2Table.open(this.storage.at(scratchName + HISTORY_SUFFIX), scratchDb, table);
      await applyToTable(table, history, routed, version);
      await history?.compact();
      await table.compact();
      covered = version;
    };
    try {
      // Silver's result depends on the order of bronze's records, not on how they are batched.
      for await (const chunk of replay) {
        const routed = topics.resolve(chunk.events).events.filter((e) => this.route(e) === name);
        if (routed.length > 0) await apply(routed, chunk.version);
      }
      // Like the live table, the rebuilt one records the last bronze version it covers.
      if (covered < lastVersion) await apply([], lastVersion);
    } finally {
      scratchDb.close();
    }
    await this.replace(name, scratchName);
    return this.tables.get(name)!;
  }

  /**
   * Swaps a table built in the sibling folder `scratch` in for `name` (and its history built in
   * `scratch__history`, when it keeps one): each old folder is moved aside, then deleted, and the
   * serving copies are rebuilt from the new tables.
   */
  private async replace(name: string, scratch: string): Promise<void> {
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
    new StoreVersions(this.db, 'silver').forget(name);
    if (withHistory) new StoreVersions(this.db, 'history').forget(name + HISTORY_SUFFIX);
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
      const twin = !this.tables.has(name) && !byTable.has(name) ? this.caseTwin(name, byTable.keys()) : undefined;
      if (twin !== undefined) {
        quarantined.push({
          event: ev,
          reason: `silver table name '${name}' differs only by case from silver table '${twin}' (SQL names and many file systems ignore case); route one of them elsewhere with --route`,
        });
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
        table = await SilverTable.open(
          this.storage.at(name),
          this.db,
          name,
          silverFieldsFor(first?.columns ?? []),
          chosenWriteMode(this.writeMode, name) ?? DEFAULT_WRITE_MODE,
        );
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

  /** A table (existing, or new in this batch) whose name equals `name` but for case. */
  private caseTwin(name: string, batch: Iterable<string>): string | undefined {
    const folded = name.toLowerCase();
    for (const other of [...this.tables.keys(), ...batch]) if (other.toLowerCase() === folded) return other;
    return undefined;
  }

  /** Forgets delete tombstones stored before `cutoffMs` in every table's key index; returns how many. */
  purgeTombstones(cutoffMs: number): number {
    let purged = 0;
    for (const table of this.tables.values()) purged += table.purgeTombstones(cutoffMs);
    return purged;
  }

  /** Every table and history catches up with commits another writer made (IndexedTable.followForeignCommits). */
  async followForeignCommits(): Promise<void> {
    for (const [name, table] of this.tables) {
      await table.followForeignCommits();
      await this.historyTables.get(name)?.followForeignCommits();
    }
  }

  /**
   * Background compaction of every table and history (IndexedTable.compact): the pipeline runs it after
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
 * was started on an existing table, which it then seeds from silver: scd2-table.ts), without the
 * events a committed truncate supersedes, then the table itself.
 */
async function applyToTable(
  table: SilverTable,
  history: Scd2Table | undefined,
  routed: readonly ChangeEvent[],
  bronzeVersion: number,
  beforeCommit?: BeforeCommit,
): Promise<ApplyResult> {
  const events = table.placeTombstoneDeletes(routed);
  await history?.apply(table.notTruncated(events), bronzeVersion);
  return table.apply(events, bronzeVersion, beforeCommit);
}

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
import { ErrorCode, Interrupted, LakehouseError, isMachineFailure, notFound } from '../core/errors.ts';
import { SilverTable, type AppliedChange, type ApplyResult, type BeforeCommit, type Quarantined } from './silver-table.ts';
import { HISTORY_SUFFIX, Scd2Table } from './scd2-table.ts';
import { silverFieldsFor } from './schema-evolution.ts';
import { DEFAULT_WRITE_MODE, chosenWriteMode, type WriteMode, type WriteModeChoice } from './write-mode.ts';
import { KEY_FORMAT } from './keys.ts';
import { StoreVersions, forgetStoresOfOtherKeyFormat } from './store-schema.ts';
import { TopicSources } from './topic-sources.ts';
import { applyIsolated } from './poison.ts';
import { metadataFields } from './metadata-columns.ts';

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
  /** The tables' names in lower case: a new name that differs only by case from one of them is refused. */
  private readonly foldedNames = new Map<string, string>();

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
    // A table is one with a commit: a log holding only the temp file of a commit that a crash cut short
    // is not one yet (opening it would create it without its columns).
    const names = new Set(logs.map((f) => /^([^/]+)\/_delta_log\/\d{20}\./.exec(f.path)?.[1]).filter((n): n is string => !!n));
    for (const name of [...names].filter(isSilverTableName).sort()) {
      const table = await SilverTable.open(storage.at(name), db, name, []);
      silver.keep(name, table);
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
    const scratch = this.storage.at(scratchName);
    const applyOnce = async (events: readonly ChangeEvent[], version: number) => {
      const created = table === undefined;
      try {
        table ??= await SilverTable.open(scratch, scratchDb, name, initialFields(events), writeMode ?? current.writeMode);
        if (withHistory) history ??= await Scd2Table.open(this.storage.at(scratchName + HISTORY_SUFFIX), scratchDb, table);
        return await applyToTable(table, history, events, version);
      } catch (err) {
        // As in applyToNamed: a table this attempt created goes, so a retry creates it afresh.
        if (created && !isMachineFailure(err)) {
          table = history = undefined;
          await removeTableFolders(this.storage, scratchName);
        }
        throw err;
      }
    };
    const apply = async (routed: readonly ChangeEvent[], version: number) => {
      const what = `applying it to silver table '${name}' (rebuild)`;
      await applyIsolated(
        routed,
        what,
        (events) => applyOnce(events, version),
        (events) => this.trial(name, events, table),
      );
      await history?.compact();
      await table?.compact();
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
    this.keep(name, table);
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

  /**
   * Applies the events of one bronze version, table by table, each table exactly once. Once `stop` is
   * aborted no further table starts, and Interrupted is thrown when the running ones are done (the
   * tables left out apply when the version is replayed).
   */
  async apply(events: readonly ChangeEvent[], bronzeVersion: number, beforeCommit?: BeforeCommit, stop?: AbortSignal): Promise<SilverBatchResult> {
    const byTable = new Map<string, ChangeEvent[]>();
    /** The tables new in this batch, by their lower-case names. */
    const newFolded = new Map<string, string>();
    const quarantined: Quarantined[] = [];
    for (const ev of events) {
      const name = this.route(ev);
      if (!isSilverTableName(name)) {
        const why = tableNamePattern.test(name) ? `names ending in ${HISTORY_SUFFIX} are reserved for history tables` : 'which is not a valid table name';
        quarantined.push({ event: ev, reason: `routing gives silver table name '${name}', ${why}` });
        continue;
      }
      const twin = !this.tables.has(name) && !byTable.has(name) ? this.caseTwin(name, newFolded) : undefined;
      if (twin !== undefined) {
        quarantined.push({
          event: ev,
          reason: `silver table name '${name}' differs only by case from silver table '${twin}' (SQL names and many file systems ignore case); route one of them elsewhere with --route`,
        });
        continue;
      }
      let list = byTable.get(name);
      if (!list) {
        byTable.set(name, (list = []));
        if (!this.tables.has(name)) newFolded.set(name.toLowerCase(), name);
      }
      list.push(ev);
    }
    const result: SilverBatchResult = { applied: [], duplicates: 0, quarantined, versions: new Map() };
    // Tables are independent: a few at a time, so one table's file syncs overlap another's work. The
    // results are gathered in table order, as if applied one by one.
    const results = await inPool(
      [...byTable],
      TABLES_AT_ONCE,
      ([name, routed]) =>
        applyIsolated(
          routed,
          `applying it to silver table '${name}'`,
          (events) => this.applyToNamed(name, events, bronzeVersion, beforeCommit),
          (events) => this.trial(name, events, this.tables.get(name)),
        ),
      stop,
    );
    for (const [i, [name]] of [...byTable].entries()) {
      const r = results[i]!;
      result.applied.push(...r.applied);
      result.duplicates += r.duplicates;
      result.quarantined.push(...r.quarantined);
      if (r.version !== undefined) result.versions.set(name, r.version);
    }
    return result;
  }

  /**
   * Applies events to table `name`, creating it (with its history, when kept) if it is new. A table
   * this call created is removed again when the apply fails, so a retry without the records that broke
   * it (poison.ts) creates it afresh, from the records that remain.
   */
  private async applyToNamed(name: string, routed: readonly ChangeEvent[], bronzeVersion: number, beforeCommit?: BeforeCommit): Promise<ApplyResult> {
    const created = !this.tables.has(name);
    try {
      let table = this.tables.get(name);
      if (!table) {
        table = await SilverTable.open(
          this.storage.at(name),
          this.db,
          name,
          initialFields(routed),
          chosenWriteMode(this.writeMode, name) ?? DEFAULT_WRITE_MODE,
        );
        this.keep(name, table);
      }
      const history = this.historyTables.get(name) ?? (this.historyFor.has(name) ? await this.openHistory(table) : undefined);
      return await applyToTable(table, history, routed, bronzeVersion, beforeCommit);
    } catch (err) {
      if (created && !isMachineFailure(err)) {
        this.tables.delete(name);
        this.foldedNames.delete(name.toLowerCase());
        this.historyTables.delete(name);
        await removeTableFolders(this.storage, name);
      }
      throw err;
    }
  }

  /**
   * A trial of poison isolation (poison.ts): applies `events` to a scratch table under `.trial-<name>`,
   * with its own in-memory index, typed like `current` (the table they are for, when it exists) and
   * with a history when `name` keeps one; then throws the scratch away.
   */
  private async trial(name: string, events: readonly ChangeEvent[], current: SilverTable | undefined): Promise<void> {
    const folder = `.trial-${name}`;
    await removeTableFolders(this.storage, folder);
    const db = new Database(':memory:');
    try {
      const fields = current ? current.snapshot.schema.fields.filter((f) => !METADATA_NAMES.has(f.name)) : initialFields(events);
      const table = await SilverTable.open(
        this.storage.at(folder),
        db,
        name,
        fields,
        current?.writeMode ?? chosenWriteMode(this.writeMode, name) ?? DEFAULT_WRITE_MODE,
      );
      const history = this.keepsHistory(name) ? await Scd2Table.open(this.storage.at(folder + HISTORY_SUFFIX), db, table) : undefined;
      await applyToTable(table, history, events, 1);
    } finally {
      db.close();
      await removeTableFolders(this.storage, folder);
    }
  }

  /** A table (existing, or new in this batch: `batch`, by lower-case name) whose name equals `name` but for case. */
  private caseTwin(name: string, batch: ReadonlyMap<string, string>): string | undefined {
    const folded = name.toLowerCase();
    return batch.get(folded) ?? this.foldedNames.get(folded);
  }

  /** Keeps `table` as silver table `name` (and its name for caseTwin). */
  private keep(name: string, table: SilverTable): void {
    this.tables.set(name, table);
    this.foldedNames.set(name.toLowerCase(), name);
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

/** The columns a table is created with: its first row's. */
const initialFields = (events: readonly ChangeEvent[]) => silverFieldsFor(events.find((e) => e.op !== 't')?.columns ?? []);

const METADATA_NAMES = new Set(metadataFields.map((f) => f.name));

/** Deletes every file of table folder `name` under `storage`, and of its history's. */
async function removeTableFolders(storage: Storage, name: string): Promise<void> {
  for (const folder of [name, name + HISTORY_SUFFIX]) {
    // A local folder goes whole (deleting its files would leave the empty directories behind).
    if (storage instanceof LocalStorage) {
      rmSync(join(storage.root, folder), { recursive: true, force: true });
      continue;
    }
    const files = storage.at(folder);
    for (const f of await files.list('', { recursive: true })) await files.delete(f.path);
  }
}

/** How many tables a batch applies at once. */
const TABLES_AT_ONCE = 16;

/**
 * `work` on each item, at most `width` at a time; the results in item order. After a failure, or once
 * `stop` is aborted, no new item starts, and the first error (or Interrupted) is thrown once the
 * running ones have ended (nothing is left writing behind the caller's back).
 */
async function inPool<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>, stop?: AbortSignal): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      if (stop?.aborted) {
        failure = { error: new Interrupted() };
        break;
      }
      const i = next++;
      try {
        results[i] = await work(items[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
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

/**
 * The run loop's core: records in, bronze -> silver -> gold -> change feed, exactly once.
 *
 *   1. the records are prepared (batch-preparer.ts, in any thread): redeliveries dropped, the raw
 *      records written as bronze data files, and decoded; undecodable ones become dead letters;
 *   2. bronze commits the files in one Delta commit whose txns are the source positions;
 *   3. silver applies the events, each table committing `txn(silver, bronzeVersion)` with its data;
 *   4. gold recomputes the groups the silver changes touched and publishes (under a backlog, at most
 *      once a second: publishing rewrites each changed gold table);
 *   5. the changes go to the change feed; then silver and bronze compact, off the path to visibility.
 * A crash anywhere leaves bronze ahead of silver: `open` replays the bronze versions after the last
 * one fully processed, and every stage skips what it already committed. Sources resume from bronze's
 * positions, never from their own bookkeeping.
 */
import { Database } from 'bun:sqlite';
import { mkdirSync, rmSync } from 'node:fs';
import { vacuum } from '../delta/index.ts';
import { join } from 'node:path';
import type { Logger } from '../core/log.ts';
import { ErrorCode, LakehouseError, notFound } from '../core/errors.ts';
import { Metrics } from '../core/metrics.ts';
import { RateMeter } from '../core/rate-meter.ts';
import { LocalStorage, openStorage, type Storage } from '../storage/index.ts';
import { Bronze } from '../bronze/index.ts';
import { ChangeDecoder, type ChangeEvent, type DecoderOptions, type KafkaRecord } from '../cdc/index.ts';
import type { DataFileOptions } from '../delta/index.ts';
import { HISTORY_SUFFIX, HistoryTable, Silver, SilverTable, TopicSources, applyToTable, silverFieldsFor, chosenWriteMode, WRITE_MODE_PROPERTY, type AppliedChange, type RoutingRule, type WriteMode, type WriteModeChoice } from '../silver/index.ts';
import { ChangeLedger, openGold, publishGold, refreshGold, goldDefinitions, type GoldTable } from '../gold/index.ts';
import { ChangeFeed } from './change-feed.ts';
import { DeadLetters, refKey } from './dead-letters.ts';
import { BatchPreparer, decodeRecords, type DecodedBatch, type PreparedBatch } from './batch-preparer.ts';
import { lockDataDir } from './data-lock.ts';

export interface PipelineOptions {
  /** The local folder for lakehouse.db and the lock (and the tables, unless `tables` says otherwise). */
  dataDir: string;
  /** Where the Delta tables live, when not in dataDir: another folder or an s3:// URL. */
  tables?: string;
  log: Logger;
  metrics?: Metrics;
  routing?: readonly RoutingRule[];
  /** Silver tables whose SCD type 2 history to keep from now on (a table that has one keeps it anyway). */
  history?: readonly string[];
  /** How new silver tables replace rows (default merge-on-read); existing tables keep their own mode. */
  writeMode?: WriteMode | WriteModeChoice;
  /** Key columns per source table, for tables whose records carry no Kafka key (no primary key). */
  keyColumns?: Readonly<Record<string, readonly string[]>>;
  /** How long a delete's tombstone is kept (default 7 days); 0 keeps tombstones forever. */
  tombstoneRetentionMs?: number;
}

export const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 3_600_000;
/** Tombstones are purged at most this often (an index range scan and a delete). */
const TOMBSTONE_PURGE_EVERY_MS = 60_000;
/** With more batches waiting, gold's Delta tables are published at most this often. */
const GOLD_PUBLISH_EVERY_MS = 1_000;

export interface BatchSummary {
  records: number;
  /** Records already in bronze (redeliveries of the same Kafka offsets). */
  redelivered: number;
  applied: number;
  /** Events whose source position was not newer than the key's: duplicates and late redeliveries. */
  duplicates: number;
  quarantined: number;
  tombstones: number;
  messages: number;
  bronzeVersion: number | undefined;
}

export const emptySummary = (): BatchSummary => ({
  records: 0,
  redelivered: 0,
  applied: 0,
  duplicates: 0,
  quarantined: 0,
  tombstones: 0,
  messages: 0,
  bronzeVersion: undefined,
});

export function addSummaries(a: BatchSummary, b: BatchSummary): BatchSummary {
  return {
    records: a.records + b.records,
    redelivered: a.redelivered + b.redelivered,
    applied: a.applied + b.applied,
    duplicates: a.duplicates + b.duplicates,
    quarantined: a.quarantined + b.quarantined,
    tombstones: a.tombstones + b.tombstones,
    messages: a.messages + b.messages,
    bronzeVersion: b.bronzeVersion ?? a.bronzeVersion,
  };
}

export class Pipeline {
  readonly metrics: Metrics;
  lastCommitMs: number | null = null;
  /** Records received per second, over the last 10 s. */
  readonly throughput = new RateMeter();
  private unlock: () => void = () => {};
  private readonly decoder: ChangeDecoder;
  private readonly preparer: BatchPreparer;
  private readonly topics: TopicSources;
  private readonly ledger: ChangeLedger;
  private tombstoneRetentionMs = DEFAULT_TOMBSTONE_RETENTION_MS;
  private lastTombstonePurge = 0;
  /** Gold tables refreshed in SQLite whose Delta tables are not published yet. */
  private readonly unpublishedGold = new Set<GoldTable>();
  private lastGoldPublish = 0;

  private constructor(
    readonly dataDir: string,
    readonly storage: Storage,
    readonly db: Database,
    readonly bronze: Bronze,
    readonly silver: Silver,
    readonly gold: GoldTable[],
    readonly deadLetters: DeadLetters,
    readonly changes: ChangeFeed,
    private readonly log: Logger,
    metrics: Metrics,
    /** Where the Delta tables live: a local folder or an s3:// URL. */
    readonly tablesLocation: string,
    /** How records are decoded, wherever a batch is prepared (see BatchPreparer). */
    readonly decoderOptions: DecoderOptions,
  ) {
    this.metrics = metrics;
    this.topics = new TopicSources(db);
    this.ledger = new ChangeLedger(db);
    this.decoder = new ChangeDecoder(decoderOptions);
    this.preparer = new BatchPreparer(bronze.storage, bronze.fileOptions(), (topic, partition) => bronze.storedOffset(topic, partition), decoderOptions);
  }

  static async open(options: PipelineOptions): Promise<Pipeline> {
    mkdirSync(options.dataDir, { recursive: true });
    const unlock = lockDataDir(options.dataDir);
    try {
      const p = await Pipeline.openLocked(options);
      p.unlock = unlock;
      p.tombstoneRetentionMs = options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS;
      await p.catchUp();
      // A run that stopped while gold's publishing was deferred left Delta behind its SQLite rows.
      if (p.goldUnpublished) await p.publishGold(p.gold);
      return p;
    } catch (err) {
      unlock();
      throw err;
    }
  }

  private static async openLocked(options: PipelineOptions): Promise<Pipeline> {
    const tables = options.tables ?? options.dataDir;
    const storage = await openStorage(tables);
    const db = new Database(join(options.dataDir, 'lakehouse.db'), { create: true });
    // CLI commands share this file (the log index, the serving copy): wait for them rather than fail.
    db.run('PRAGMA busy_timeout = 5000');
    db.run('PRAGMA journal_mode = WAL');
    db.run('PRAGMA synchronous = NORMAL');
    db.run('CREATE TABLE IF NOT EXISTS pipeline_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL)');
    // Readers of lakehouse.db (SQL time travel) find the tables through it.
    db.run('CREATE TABLE IF NOT EXISTS pipeline_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    db.query(`INSERT OR REPLACE INTO pipeline_meta (name, value) VALUES ('tables', ?)`).run(tables);
    const bronze = await Bronze.open(storage.at('bronze'));
    const silver = await Silver.open(storage.at('silver'), db, options.routing, options.history, options.writeMode);
    for (const t of silver.list()) {
      const chosen = chosenWriteMode(options.writeMode, t.name);
      if (chosen && t.writeMode !== chosen) {
        options.log.warn(
          `silver table ${t.name} stays ${t.writeMode} (its ${WRITE_MODE_PROPERTY}); write mode ${chosen} applies to new tables; ` +
            `'lakehouse rebuild ${t.name} --write-mode ${chosen}' converts it`,
        );
      }
    }
    const gold = await openGold(storage.at('gold'), db, goldDefinitions);
    const deadLetters = await DeadLetters.open(storage.at('dead_letters'));
    return new Pipeline(options.dataDir, storage, db, bronze, silver, gold, deadLetters, new ChangeFeed(db), options.log, options.metrics ?? new Metrics(), tables, { keyColumns: options.keyColumns });
  }

  /** The bronze version through which every later stage is done. */
  private get processedVersion(): number {
    const row = this.db.query(`SELECT value FROM pipeline_state WHERE name = 'bronze_processed'`).get() as { value: number } | null;
    return row?.value ?? -1;
  }

  private set processedVersion(v: number) {
    this.db.query(`INSERT OR REPLACE INTO pipeline_state (name, value) VALUES ('bronze_processed', ?)`).run(v);
  }

  /** Whether gold's Delta tables may be behind its SQLite rows (publishing was deferred). */
  private get goldUnpublished(): boolean {
    return this.db.query(`SELECT 1 FROM pipeline_state WHERE name = 'gold_unpublished' AND value = 1`).get() !== null;
  }

  private set goldUnpublished(behind: boolean) {
    this.db.query(`INSERT OR REPLACE INTO pipeline_state (name, value) VALUES ('gold_unpublished', ?)`).run(behind ? 1 : 0);
  }

  private async publishGold(tables: Iterable<GoldTable>): Promise<void> {
    await publishGold(tables);
    this.unpublishedGold.clear();
    this.lastGoldPublish = Date.now();
    if (this.goldUnpublished) this.goldUnpublished = false;
  }

  /**
   * Publishes the gold tables whose publishing was deferred (processPrepared with `backlog`). Call it
   * when a run of batches ends; a run that stops without it is published when the pipeline next opens.
   */
  async publishPendingGold(): Promise<void> {
    if (this.unpublishedGold.size > 0) await this.publishGold(this.unpublishedGold);
  }

  /** Replays bronze versions that later stages have not finished (after a crash, or a lost SQLite file). */
  async catchUp(): Promise<BatchSummary> {
    let total = emptySummary();
    const last = this.bronze.version;
    // Version 0 creates the bronze table and holds no records.
    const from = Math.max(this.processedVersion + 1, 1);
    if (from > last) return total;
    this.log.info('catching up silver from bronze', { from, to: last });
    // Compaction merges only processed versions, so those were done even when lakehouse.db is lost:
    // their files only rebuild the topics' derived state, as every stage skips them (its txn).
    const processedThrough = Math.max(this.processedVersion, this.bronze.compactedThrough);
    for await (const chunk of this.bronze.replay(from)) {
      const decoded = decodeRecords(this.decoder, chunk.records);
      if (chunk.version <= processedThrough) this.topics.resolve(decoded.events);
      else total = addSummaries(total, await this.processBronzeVersion(chunk.version, decoded, true));
    }
    // Silver commits made before the interruption are skipped above, so their changes never reach
    // gold as changes: recompute gold whole once.
    for (const g of this.gold) g.refreshAll();
    await this.publishGold(this.gold);
    this.processedVersion = last;
    await this.compactBronze();
    return total;
  }

  /**
   * Folds small bronze files of processed versions together (Bronze.compact), after a batch is
   * published. The compaction commit adds no records, so it is processed as soon as it exists; a crash
   * before that is recorded replays it as an empty version.
   */
  private async compactBronze(): Promise<void> {
    const version = await this.bronze.compact(this.processedVersion);
    if (version === undefined) return;
    this.processedVersion = version;
    this.metrics.inc('lakehouse_bronze_compactions_total', 'bronze compactions: small files folded together in stored order', {});
    this.log.debug('bronze files compacted', { version });
  }

  /** Positions the source should resume after: topic:partition -> last offset stored in bronze. */
  resumePositions(): Map<string, bigint> {
    return this.bronze.positions();
  }

  /** How bronze data files are written, for a preparer in another thread (see BatchPreparer). */
  bronzeFileOptions(): DataFileOptions {
    return this.bronze.fileOptions();
  }

  async process(records: readonly KafkaRecord[], options: { backlog?: boolean } = {}): Promise<BatchSummary> {
    return this.processPrepared(await this.preparer.prepare(records), options);
  }

  /**
   * Commits a prepared batch to bronze and applies it; batches must come in source order. `backlog`
   * says more batches are waiting: gold's Delta tables are then published at most once a second (its
   * SQLite rows, which the API serves, are refreshed every batch).
   */
  async processPrepared(batch: PreparedBatch, options: { backlog?: boolean } = {}): Promise<BatchSummary> {
    const started = performance.now();
    this.metrics.inc('lakehouse_records_in_total', 'Kafka records received', { stage: 'bronze' }, batch.received);
    this.throughput.add(batch.received);
    if (!batch.bronze) return { ...emptySummary(), records: batch.received, redelivered: batch.redelivered };
    const version = await this.bronze.commit(batch.bronze);
    const summary = await this.processBronzeVersion(version, batch.decoded, options.backlog ?? false);
    this.processedVersion = version;
    this.purgeOldTombstones();
    this.lastCommitMs = performance.now() - started;
    this.metrics.set('lakehouse_commit_latency_ms', 'latency of the last batch, bronze commit to gold publish', {}, this.lastCommitMs);
    await this.compactBronze();
    return { ...summary, records: batch.received, redelivered: batch.redelivered };
  }

  private async processBronzeVersion(version: number, decoded: DecodedBatch, backlog: boolean): Promise<BatchSummary> {
    const { events, invalid, tombstones } = this.topics.resolve(decoded.events);
    const summary = { ...emptySummary(), bronzeVersion: version, tombstones, messages: decoded.messages };
    // The change ledger is written as each silver table commits, so a crash right after a commit,
    // whose replay skips that table, loses none of its activity.
    const ledger: Record<string, unknown>[] = [];
    const result = await this.silver.apply(events, version, (applied) => ledger.push(...this.ledger.record(applied, version)));
    const letters = [
      ...decoded.letters,
      ...invalid.map((i) => ({ record: i.record, reason: i.reason })),
      ...result.quarantined.map((q) => ({ record: q.event.record, reason: q.reason })),
    ];
    if (letters.length > 0) {
      // The raw bytes are in bronze (the preparer may have run in another thread): read them back.
      const raw = new Map((await this.bronze.recordsAt(version)).map((r) => [refKey(r), r]));
      await this.deadLetters.write(letters, raw, version);
      for (const l of letters) this.log.warn('record quarantined', { topic: l.record.topic, partition: l.record.partition, offset: l.record.offset, reason: l.reason });
    }
    // Gold's rows and the change feed derive from this batch's changes: one SQLite transaction writes
    // each page they touch once, rather than once per gold table.
    const refreshed = this.db.transaction(() => {
      this.publish(result.applied, result.versions);
      return refreshGold(this.gold, { changes: result.applied, ledger });
    })();
    for (const g of refreshed) this.unpublishedGold.add(g);
    if (!backlog || Date.now() - this.lastGoldPublish >= GOLD_PUBLISH_EVERY_MS) await this.publishPendingGold();
    else if (!this.goldUnpublished) this.goldUnpublished = true;
    await this.silver.compact();

    summary.applied = result.applied.length;
    summary.duplicates = result.duplicates;
    summary.quarantined = letters.length;
    this.metrics.inc('lakehouse_events_out_total', 'changes applied to silver', { stage: 'silver' }, result.applied.length);
    this.metrics.inc('lakehouse_duplicates_total', 'events skipped as not newer than the applied state', {}, result.duplicates);
    this.metrics.inc('lakehouse_dead_letters_total', 'records quarantined to the dead-letter table', {}, letters.length);
    return summary;
  }

  private publish(applied: readonly AppliedChange[], versions: ReadonlyMap<string, number>) {
    const ts = new Date().toISOString();
    this.changes.append(
      applied.map((c) => ({
        table: c.table,
        op: c.op,
        key: c.key,
        before: c.before,
        after: c.after,
        version: versions.get(c.table) ?? -1,
        position: c.position,
        ts,
      })),
    );
  }

  /**
   * Recomputes one silver table from bronze alone, and its history when it keeps one. The new tables
   * are built beside the old ones, with their own scratch index, and swapped in only when complete, so
   * an interrupted rebuild changes nothing. A history seeded from silver's rows when it was turned on
   * comes back whole: every version bronze holds. The rebuilt table keeps the old one's write mode
   * unless `writeMode` converts it.
   */
  async rebuild(name: string, writeMode?: WriteMode): Promise<{ version: number; rows: number; writeMode: WriteMode }> {
    const current = this.silver.get(name);
    if (!current) throw notFound(`no silver table named '${name}'`, `silver tables: ${this.silver.list().map((t) => t.name).join(', ') || 'none yet'}`);
    if (!(this.storage instanceof LocalStorage)) {
      throw new LakehouseError(ErrorCode.unsupported, `rebuild needs the tables in a local folder; ${this.storage.root} is remote`, {
        hint: 'rebuild in a local data folder (lakehouse ingest from `lakehouse cat bronze --format ndjson`) and copy it over',
      });
    }
    const scratchName = `.rebuild-${name}`;
    const scratchDir = join(this.storage.root, 'silver', scratchName);
    rmSync(scratchDir, { recursive: true, force: true });
    rmSync(scratchDir + HISTORY_SUFFIX, { recursive: true, force: true });
    const scratchDb = new Database(':memory:');
    const decoder = new ChangeDecoder(this.decoderOptions);
    const topics = new TopicSources(scratchDb);
    let table: SilverTable | undefined;
    let history: HistoryTable | undefined;
    const withHistory = this.silver.keepsHistory(name);
    const last = this.bronze.version;
    let covered = 0;
    const apply = async (routed: readonly ChangeEvent[], version: number) => {
      table ??= await SilverTable.open(
        this.storage.at(`silver/${scratchName}`),
        scratchDb,
        name,
        silverFieldsFor(routed.find((e) => e.op !== 't')?.columns ?? []),
        writeMode ?? current.writeMode,
      );
      if (withHistory) history ??= await HistoryTable.open(this.storage.at(`silver/${scratchName}${HISTORY_SUFFIX}`), scratchDb, table);
      await applyToTable(table, history, routed, version);
      await history?.compact();
      await table.compact();
      covered = version;
    };
    try {
      // Bronze in stored order from its live files (the commits of compacted versions may be gone), a
      // file at a time: silver's result depends on the order, not on the batching.
      for await (const chunk of this.bronze.replay(1)) {
        const routed = topics.resolve(decodeRecords(decoder, chunk.records).events).events.filter((e) => this.silver.route(e) === name);
        if (routed.length > 0) await apply(routed, chunk.version);
      }
      // Like the live table, the rebuilt one records the last bronze version it covers.
      if (covered < last) await apply([], last);
    } finally {
      scratchDb.close();
    }
    await this.silver.replace(name, scratchName);
    for (const g of this.gold) g.refreshAll();
    await this.publishGold(this.gold);
    const rebuilt = this.silver.get(name)!;
    return { version: rebuilt.snapshot.version, rows: rebuilt.rowCount, writeMode: rebuilt.writeMode };
  }

  /** Forgets silver's delete tombstones older than the retention, at most once a minute. */
  private purgeOldTombstones(now = Date.now()): void {
    if (this.tombstoneRetentionMs <= 0 || now - this.lastTombstonePurge < TOMBSTONE_PURGE_EVERY_MS) return;
    this.lastTombstonePurge = now;
    const purged = this.silver.purgeTombstones(now - this.tombstoneRetentionMs);
    if (purged > 0) this.log.info('forgot delete tombstones past their retention', { tombstones: purged, retentionHours: this.tombstoneRetentionMs / 3_600_000 });
  }

  /** Deletes data files that no version within its table's retention references. */
  async vacuum(now = Date.now()): Promise<number> {
    let deleted = 0;
    const tables = [this.bronze.delta, ...this.silver.list().map((t) => t.delta), ...this.silver.histories().map((h) => h.delta), ...this.gold.flatMap((g) => (g.table ? [g.table] : []))];
    for (const table of tables) {
      deleted += (await vacuum(table, { now })).files.length;
    }
    if (deleted > 0) this.log.info('vacuumed unreferenced data files', { files: deleted });
    return deleted;
  }

  close(): void {
    this.db.close();
    this.unlock();
  }
}

/**
 * The run loop's core: records in, bronze -> silver -> gold -> change feed, exactly once.
 *
 *   1. the records are prepared (batch-preparer.ts, in any thread): redeliveries dropped, the raw
 *      records written as bronze data files, and decoded; undecodable ones become dead letters;
 *   2. bronze commits the files in one Delta commit whose txns are the source positions;
 *   3. silver applies the events, each table committing `txn(silver, bronzeVersion)` with its data;
 *   4. gold recomputes the groups the silver changes touched and publishes;
 *   5. the changes go to the change feed; then background work (maintenance.ts) runs if due.
 * A crash anywhere leaves bronze ahead of silver: `open` replays the bronze versions after the last
 * one fully processed, and every stage skips what it already committed. Sources resume from bronze's
 * positions, never from their own bookkeeping.
 */
import type { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import type { Logger } from '../core/log.ts';
import { Metrics } from '../core/metrics.ts';
import { RateMeter } from '../core/rate-meter.ts';
import { stageClock, stageClockKind } from '../core/stage-clock.ts';
import { openStorage, type Storage } from '../storage/index.ts';
import { Bronze } from '../bronze/index.ts';
import { ChangeDecoder, type DecoderOptions, type KafkaRecord } from '../cdc/index.ts';
import type { DataFileOptions } from '../delta/index.ts';
import { asLakehouseError } from '../core/errors.ts';
import { answer, takeRequests } from './maintenance-requests.ts';
import { runHandedOver } from './handed-over.ts';
import {
  Silver,
  TopicSources,
  WRITE_MODE_PROPERTY,
  chosenWriteMode,
  type AppliedChange,
  type RoutingRule,
  type WriteMode,
  type WriteModeChoice,
} from '../silver/index.ts';
import { ChangeLedger, LedgerTable, openGold, type GoldDefinition, type GoldTable } from '../gold/index.ts';
import { GoldStage } from './gold-stage.ts';
import { StateStore } from '../state/index.ts';
import { LAYOUT, TableCatalog } from '../catalog/index.ts';
import { Maintenance, MaintenanceSchedule, type MaintenanceTask } from './maintenance.ts';
import { ChangeFeed } from './change-feed.ts';
import { DeadLetters, QuarantineLog, refKey } from './dead-letters.ts';
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
  /** The gold tables to keep, in dependency order (a definition reads only earlier ones). Default none. */
  gold?: readonly GoldDefinition[];
  /** Vacuum every table periodically (a long-running serve). */
  periodicVacuum?: boolean;
  /**
   * Publish gold's Delta tables at most this often (0: after every batch that is not followed by
   * more); its SQLite rows, which the API serves, still refresh every batch. A long-running serve sets
   * it (see GoldStage).
   */
  goldPublishEveryMs?: number;
  /**
   * Aborted when the user asks to stop: a batch (or the catch-up on open) then stops between silver
   * tables and throws Interrupted, leaving the rest to the next run's replay of bronze.
   */
  stop?: AbortSignal;
}

export const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 3_600_000;
/** Tries of a batch's commit whose failure says a retry can help (a lost race), and the first backoff (doubling). */
const COMMIT_ATTEMPTS = 5;
const COMMIT_RETRY_INITIAL_MS = 200;

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
  /** When the last batch committed (epoch ms), or null before the first. */
  lastCommitAt: number | null = null;
  /** Why the last batch's commit failed, while it is retried (or after it stopped the run); undefined once one succeeds. */
  commitFailure: string | undefined;
  /** Records received per second, over the last 10 s. */
  readonly throughput = new RateMeter();
  private unlock: () => void = () => {};
  /** See PipelineOptions.stop. */
  private stop: AbortSignal | undefined;
  /** The batch or maintenance job running now (serially). */
  private busy: Promise<unknown> = Promise.resolve();
  private readonly decoder: ChangeDecoder;
  private readonly preparer: BatchPreparer;
  private readonly topics: TopicSources;
  private readonly ledger: ChangeLedger;
  private readonly goldStage: GoldStage;
  private readonly maintenance: Maintenance;
  private readonly quarantines: QuarantineLog;

  private constructor(
    readonly dataDir: string,
    readonly storage: Storage,
    readonly state: StateStore,
    readonly bronze: Bronze,
    readonly silver: Silver,
    readonly gold: GoldTable[],
    readonly deadLetters: DeadLetters,
    /** The change ledger's durable copy: lakehouse.db's ledger is restored from it when lost. */
    readonly ledgerTable: LedgerTable,
    readonly changes: ChangeFeed,
    private readonly log: Logger,
    metrics: Metrics,
    /** Where the Delta tables live: a local folder or an s3:// URL. */
    readonly tablesLocation: string,
    /** How records are decoded, wherever a batch is prepared (see BatchPreparer). */
    readonly decoderOptions: DecoderOptions,
    schedule: MaintenanceSchedule,
    /** How long a delete's tombstone is kept; 0 keeps tombstones forever. */
    tombstoneRetentionMs: number,
    goldPublishEveryMs: number,
  ) {
    this.metrics = metrics;
    this.goldStage = new GoldStage(gold, state, schedule, goldPublishEveryMs);
    this.quarantines = new QuarantineLog(log, metrics);
    const processed = { get: () => this.processedVersion, set: (v: number) => (this.processedVersion = v) };
    this.maintenance = new Maintenance({ bronze, silver, gold, ledger: ledgerTable, processed, schedule, tombstoneRetentionMs, log, metrics });
    this.topics = new TopicSources(state.db);
    this.ledger = new ChangeLedger(state.db);
    this.decoder = new ChangeDecoder(decoderOptions);
    this.preparer = new BatchPreparer(bronze.storage, bronze.fileOptions(), (topic, partition) => bronze.storedOffset(topic, partition), decoderOptions);
  }

  static async open(options: PipelineOptions): Promise<Pipeline> {
    mkdirSync(options.dataDir, { recursive: true });
    const unlock = lockDataDir(options.dataDir);
    let p: Pipeline | undefined;
    try {
      p = await Pipeline.openLocked(options);
      p.unlock = unlock;
      p.stop = options.stop;
      await p.catchUp();
      await p.goldStage.open();
      return p;
    } catch (err) {
      if (p) p.close();
      else unlock();
      throw err;
    }
  }

  private static async openLocked(options: PipelineOptions): Promise<Pipeline> {
    const tables = options.tables ?? options.dataDir;
    const storage = await openStorage(tables);
    const state = StateStore.open(options.dataDir);
    const db = state.db;
    // Readers of lakehouse.db (SQL time travel) find the tables through it.
    state.setMeta('tables', tables);
    const catalog = new TableCatalog(storage);
    const bronze = await Bronze.open(catalog.storage({ path: LAYOUT.bronze }));
    const silver = await Silver.open(catalog.layerStorage('silver'), db, options.routing, options.history, options.writeMode);
    for (const t of silver.list()) {
      const chosen = chosenWriteMode(options.writeMode, t.name);
      if (chosen && t.writeMode !== chosen) {
        options.log.warn(
          `silver table ${t.name} stays ${t.writeMode} (its ${WRITE_MODE_PROPERTY}); write mode ${chosen} applies to new tables; ` +
            `'lakehouse rebuild ${t.name} --write-mode ${chosen}' converts it`,
        );
      }
    }
    const gold = await openGold(catalog.layerStorage('gold'), db, options.gold ?? [], (name) => silver.get(name)?.snapshot.schema.fields, options.log);
    const deadLetters = await DeadLetters.open(catalog.storage({ path: LAYOUT.deadLetters }));
    const ledgerTable = await LedgerTable.open(catalog.storage({ path: LAYOUT.changeLedger }));
    // Before any replay: a lost lakehouse.db gets its ledger back (gold reading it is then recomputed).
    const restored = await ledgerTable.restoreInto(db);
    if (restored > 0) options.log.info('change ledger restored from its Delta table', { rows: restored });
    const tasks: MaintenanceTask[] = ['goldPublish', 'tombstonePurge'];
    if (options.periodicVacuum) tasks.push('vacuum');
    return new Pipeline(
      options.dataDir,
      storage,
      state,
      bronze,
      silver,
      gold,
      deadLetters,
      ledgerTable,
      new ChangeFeed(db),
      options.log,
      options.metrics ?? new Metrics(),
      tables,
      { keyColumns: options.keyColumns },
      new MaintenanceSchedule(new Set(tasks)),
      options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS,
      options.goldPublishEveryMs ?? 0,
    );
  }

  /** The SQLite connection of lakehouse.db (the state store's). */
  get db(): Database {
    return this.state.db;
  }

  /** The bronze version through which every later stage is done. */
  private get processedVersion(): number {
    return this.state.mark('bronze_processed') ?? -1;
  }

  private set processedVersion(v: number) {
    this.state.setMark('bronze_processed', v);
  }

  /** Deletes data files that no version within its table's retention references. */
  vacuum(now = Date.now()): Promise<number> {
    return this.maintenance.vacuum(now);
  }

  /**
   * Publishes the gold tables whose publishing was deferred (processPrepared with `backlog`). Call it
   * when a run of batches ends; a run that stops without it is published when the pipeline next opens.
   */
  async publishPendingGold(): Promise<void> {
    await this.serially(() => this.goldStage.publishPending());
  }

  /** Publishes deferred gold once its interval has passed (goldPublishEveryMs): serve calls it while the source is quiet. */
  async publishDueGold(): Promise<void> {
    await this.serially(() => this.goldStage.publishIfDue());
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
    await this.goldStage.recomputeAll();
    this.processedVersion = last;
    await this.maintenance.compactBronze();
    return total;
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
    return this.serially(async () => {
      const summary = await this.processBatch(batch, options);
      await this.runMaintenanceRequests();
      return summary;
    });
  }

  /** Runs `work` after whatever the pipeline is doing: batches and maintenance never overlap. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.busy.then(work);
    this.busy = run.catch(() => {});
    return run;
  }

  /**
   * Does the maintenance other processes handed over (maintenance-requests.ts) and answers them.
   * Runs after every batch; call it when idle, too (serve does, on a timer), so a request never waits
   * for records to arrive.
   */
  serveMaintenanceRequests(): Promise<void> {
    return this.serially(() => this.runMaintenanceRequests());
  }

  private async runMaintenanceRequests(): Promise<void> {
    for (const { id, request } of takeRequests(this.dataDir)) {
      this.log.info('running handed-over maintenance', { ...request });
      try {
        answer(this.dataDir, id, { result: await runHandedOver(this, request) });
      } catch (error) {
        this.log.warn('handed-over maintenance failed', { ...request, error: (error as Error).message });
        answer(this.dataDir, id, { error });
      }
    }
  }

  private async processBatch(batch: PreparedBatch, options: { backlog?: boolean }): Promise<BatchSummary> {
    const started = performance.now();
    this.metrics.inc('lakehouse_records_in_total', 'Kafka records received', { stage: 'bronze' }, batch.received);
    this.throughput.add(batch.received);
    if (!batch.bronze) return { ...emptySummary(), records: batch.received, redelivered: batch.redelivered };
    const version = await stageClock.measureAsync('bronze-commit', () => this.bronze.commit(batch.bronze!));
    const summary = await this.applyRetrying(version, batch.decoded, options.backlog ?? false);
    this.processedVersion = version;
    this.lastCommitMs = performance.now() - started;
    this.lastCommitAt = Date.now();
    this.metrics.set('lakehouse_commit_latency_ms', 'latency of the last batch, bronze commit to gold publish', {}, this.lastCommitMs);
    await stageClock.measureAsync('maintenance', () => this.maintenance.afterBatch());
    for (const [stage, ns] of stageClock.snapshot())
      this.metrics.setTotal('lakehouse_stage_cpu_seconds_total', `CPU seconds per pipeline stage (${stageClockKind()} time)`, { stage }, ns / 1e9);
    return { ...summary, records: batch.received, redelivered: batch.redelivered };
  }

  /**
   * Applies a committed bronze version to every later stage; a commit that fails is logged at once and
   * named by /health (`commitFailure`). One that may succeed on a second try (a concurrent commit by
   * another writer won the race) is tried again after a backoff, on top of what that writer committed;
   * each stage skips what it committed already (its txn), and gold is recomputed whole, as after a
   * crash. Any other failure, or the last try's, is thrown: the run stops with it (non-zero exit).
   */
  private async applyRetrying(version: number, decoded: DecodedBatch, backlog: boolean): Promise<BatchSummary> {
    for (let attempt = 1; ; attempt++) {
      try {
        const summary = await this.processBronzeVersion(version, decoded, backlog);
        if (attempt > 1) {
          await this.goldStage.recomputeAll();
          this.log.info('commit succeeded after retrying', { bronzeVersion: version, attempts: attempt });
        }
        this.commitFailure = undefined;
        return summary;
      } catch (err) {
        const error = asLakehouseError(err);
        const retry = error.retryable && attempt < COMMIT_ATTEMPTS;
        const delayMs = retry ? COMMIT_RETRY_INITIAL_MS * 2 ** (attempt - 1) : 0;
        this.commitFailure = `commit of bronze version ${version} failed${retry ? ` (attempt ${attempt} of ${COMMIT_ATTEMPTS}, retrying in ${delayMs} ms)` : ''}: ${error.message}`;
        this.metrics.inc('lakehouse_commit_failures_total', 'batches whose commit failed (each try)', {});
        if (!retry) {
          this.log.error('commit failed; stopping', { bronzeVersion: version, attempt, error: error.message });
          throw err;
        }
        this.log.warn('commit failed; retrying', { bronzeVersion: version, attempt, delayMs, error: error.message });
        await Bun.sleep(delayMs);
        await this.followForeignCommits();
      }
    }
  }

  /** Every table handle catches up with commits other writers made to it. */
  private async followForeignCommits(): Promise<void> {
    await this.silver.followForeignCommits();
    for (const g of this.gold) await g.table?.refresh();
    await this.ledgerTable.delta.refresh();
    await this.deadLetters.delta.refresh();
  }

  private async processBronzeVersion(version: number, decoded: DecodedBatch, backlog: boolean): Promise<BatchSummary> {
    const { events, invalid, tombstones } = this.topics.resolve(decoded.events);
    const summary = { ...emptySummary(), bronzeVersion: version, tombstones, messages: decoded.messages };
    // The change ledger is written as each silver table commits, so a crash right after a commit,
    // whose replay skips that table, loses none of its activity.
    const ledger: Record<string, unknown>[] = [];
    const result = await stageClock.measureAsync('silver', () =>
      this.silver.apply(
        events,
        version,
        (applied) => stageClock.measure('change-ledger', () => ledger.push(...this.ledger.record(applied, version))),
        this.stop,
      ),
    );
    await stageClock.measureAsync('change-ledger-table', () => this.ledgerTable.record(this.db, version));
    const letters = [
      ...decoded.letters,
      ...invalid.map((i) => ({ record: i.record, reason: i.reason })),
      ...result.quarantined.map((q) => ({ record: q.event.record, reason: q.reason })),
    ];
    if (letters.length > 0) {
      // The raw bytes are in bronze (the preparer may have run in another thread): read them back.
      const raw = new Map((await this.bronze.recordsAt(version)).map((r) => [refKey(r), r]));
      await stageClock.measureAsync('dead-letters', () => this.deadLetters.write(letters, raw, version));
    }
    this.quarantines.note(letters);
    // Gold's rows and the change feed derive from this batch's changes: one SQLite transaction writes
    // each page they touch once, rather than once per gold table.
    this.db.transaction(() => {
      stageClock.measure('change-feed', () => this.appendToChangeFeed(result.applied, result.versions));
      stageClock.measure('gold', () => this.goldStage.refresh({ changes: result.applied, ledger }));
    })();
    await stageClock.measureAsync('gold-publish', () => this.goldStage.afterBatch(backlog));
    await stageClock.measureAsync('silver-compact', () => this.silver.compact());

    summary.applied = result.applied.length;
    summary.duplicates = result.duplicates;
    summary.quarantined = letters.length;
    this.metrics.inc('lakehouse_events_out_total', 'changes applied to silver', { stage: 'silver' }, result.applied.length);
    this.metrics.inc('lakehouse_duplicates_total', 'events skipped as not newer than the applied state', {}, result.duplicates);
    return summary;
  }

  private appendToChangeFeed(applied: readonly AppliedChange[], versions: ReadonlyMap<string, number>) {
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
   * Recomputes one silver table (and its history) from bronze alone (Silver.rebuild), then gold whole,
   * as its input was replaced rather than changed.
   */
  async rebuild(name: string, writeMode?: WriteMode): Promise<{ version: number; rows: number; writeMode: WriteMode }> {
    const decoder = new ChangeDecoder(this.decoderOptions);
    // Bronze in stored order from its live files (the commits of compacted versions may be gone), a file at a time.
    const replay = async function* (bronze: Bronze) {
      for await (const chunk of bronze.replay(1)) yield { version: chunk.version, events: decodeRecords(decoder, chunk.records).events };
    };
    const rebuilt = await this.silver.rebuild(name, replay(this.bronze), this.bronze.version, writeMode);
    await this.goldStage.recomputeAll();
    return { version: rebuilt.snapshot.version, rows: rebuilt.rowCount, writeMode: rebuilt.writeMode };
  }

  /** Resolves when the batch or maintenance job running now is done (call before close). */
  async settled(): Promise<void> {
    await this.busy;
  }

  close(): void {
    this.state.close();
    this.unlock();
  }
}

/**
 * When the pipeline's background work runs, in one place. Everything here happens between batches,
 * never beside one, and after the batch's changes are visible:
 *   - gold's Delta tables: published with every batch, or, while more batches wait, at most once a
 *     second (each publish rewrites a changed gold table; its SQLite rows still refresh every batch);
 *   - silver's delete tombstones past their retention: forgotten at most once a minute;
 *   - vacuum of every table: every minute, in a long-running `serve` (a one-off run leaves it to
 *     `lakehouse vacuum`);
 *   - small-file compaction of bronze and silver: after every batch (each decides for itself whether
 *     anything is due, which costs a look at its file list).
 */
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../core/metrics.ts';
import { vacuum } from '../delta/index.ts';
import type { Bronze } from '../bronze/index.ts';
import type { Silver } from '../silver/index.ts';
import type { GoldTable, LedgerTable } from '../gold/index.ts';

export const MAINTENANCE_INTERVALS_MS = {
  /** With more batches waiting, gold's Delta tables are published at most this often. */
  goldPublish: 1_000,
  /** Tombstones are purged at most this often (an index range scan and a delete). */
  tombstonePurge: 60_000,
  /** How often a long-running pipeline vacuums (its tables keep replaced files five minutes: retention.ts). */
  vacuum: 60_000,
} as const;

export type MaintenanceTask = keyof typeof MAINTENANCE_INTERVALS_MS;

/** The last run of each periodic task; a task is due when its interval has passed since. */
export class MaintenanceSchedule {
  private readonly last = new Map<MaintenanceTask, number>();

  constructor(
    /** Tasks this run performs; others are never due. */
    private readonly tasks: ReadonlySet<MaintenanceTask>,
    now = Date.now(),
  ) {
    // A fresh run vacuums only after a full interval, as the tables were just opened.
    this.last.set('vacuum', now);
  }

  /** Whether `task` is due; when it is, it counts as run now. */
  take(task: MaintenanceTask, now = Date.now()): boolean {
    if (!this.tasks.has(task) || !this.due(task, now)) return false;
    this.last.set(task, now);
    return true;
  }

  due(task: MaintenanceTask, now = Date.now()): boolean {
    return now - (this.last.get(task) ?? -Infinity) >= MAINTENANCE_INTERVALS_MS[task];
  }

  /** Records that `task` ran now (a publish that happened for another reason). */
  ran(task: MaintenanceTask, now = Date.now()): void {
    this.last.set(task, now);
  }
}

export interface MaintenanceParts {
  bronze: Bronze;
  silver: Silver;
  gold: readonly GoldTable[];
  ledger: LedgerTable;
  /** The bronze version through which every stage is done (a compaction commit is done as it exists). */
  processed: { get(): number; set(version: number): void };
  schedule: MaintenanceSchedule;
  /** How long a delete's tombstone is kept; 0 keeps tombstones forever. */
  tombstoneRetentionMs: number;
  log: Logger;
  metrics: Metrics;
}

/** The background work itself, run by the pipeline between batches. */
export class Maintenance {
  constructor(private readonly parts: MaintenanceParts) {}

  /** What is due after a batch (gold publishing is the gold stage's: gold-stage.ts). */
  async afterBatch(): Promise<void> {
    this.purgeOldTombstones();
    await this.compactBronze();
    if (this.parts.schedule.take('vacuum')) await this.vacuum();
  }

  /**
   * Folds small bronze files of processed versions together (Bronze.compact), after a batch is
   * published. The compaction commit adds no records, so it is processed as soon as it exists; a crash
   * before that is recorded replays it as an empty version.
   */
  async compactBronze(): Promise<void> {
    const { bronze, processed, metrics, log } = this.parts;
    const version = await bronze.compact(processed.get());
    if (version === undefined) return;
    processed.set(version);
    metrics.inc('lakehouse_bronze_compactions_total', 'bronze compactions: small files folded together in stored order', {});
    log.debug('bronze files compacted', { version });
  }

  /** Forgets silver's delete tombstones older than the retention, at most once a minute. */
  private purgeOldTombstones(now = Date.now()): void {
    const { tombstoneRetentionMs, schedule, silver, log } = this.parts;
    if (tombstoneRetentionMs <= 0 || !schedule.take('tombstonePurge', now)) return;
    const purged = silver.purgeTombstones(now - tombstoneRetentionMs);
    if (purged > 0) log.info('forgot delete tombstones past their retention', { tombstones: purged, retentionHours: tombstoneRetentionMs / 3_600_000 });
  }

  /** Deletes data files that no version within its table's retention references. */
  async vacuum(now = Date.now()): Promise<number> {
    const { bronze, silver, gold, ledger, log } = this.parts;
    let deleted = 0;
    const tables = [
      bronze.delta,
      ledger.delta,
      ...silver.list().map((t) => t.delta),
      ...silver.histories().map((h) => h.delta),
      ...gold.flatMap((g) => (g.table ? [g.table] : [])),
    ];
    for (const table of tables) {
      deleted += (await vacuum(table, { now })).files.length;
    }
    if (deleted > 0) log.info('vacuumed unreferenced data files', { files: deleted });
    return deleted;
  }
}

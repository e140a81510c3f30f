/**
 * When the pipeline's background work runs, in one place. Everything here happens between batches,
 * never beside one, and after the batch's changes are visible:
 *   - gold's Delta tables: published with every batch, or, while more batches wait, at most once a
 *     second (each publish rewrites a changed gold table; its SQLite rows still refresh every batch);
 *   - silver's delete tombstones past their retention: forgotten at most once a minute;
 *   - vacuum of every table: every ten minutes, in a long-running `serve` (a one-off run leaves it to
 *     `lakehouse vacuum`);
 *   - small-file compaction of bronze and silver: after every batch (each decides for itself whether
 *     anything is due, which costs a look at its file list).
 */
export const MAINTENANCE_INTERVALS_MS = {
  /** With more batches waiting, gold's Delta tables are published at most this often. */
  goldPublish: 1_000,
  /** Tombstones are purged at most this often (an index range scan and a delete). */
  tombstonePurge: 60_000,
  /** How often a long-running pipeline vacuums. */
  vacuum: 10 * 60_000,
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

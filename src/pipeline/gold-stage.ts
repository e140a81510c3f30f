/**
 * Gold within the pipeline: refreshes the gold tables' SQLite rows with every batch and publishes their
 * Delta tables when the maintenance schedule allows (maintenance.ts), and, with `publishEveryMs`, at
 * most that often: a publish rewrites every changed gold table (a file and a commit each), which at a
 * demo's rate of a batch or two a second was most of serve's CPU and of its tables' log growth. A durable mark says when Delta is
 * behind the rows (publishing deferred), so a run stopped in between publishes when it next opens.
 */
import { publishGold, refreshGold, type GoldBatch, type GoldTable } from '../gold/index.ts';
import type { StateStore } from '../state/index.ts';
import type { MaintenanceSchedule } from './maintenance.ts';

const BEHIND_MARK = 'gold_unpublished';

export class GoldStage {
  /** Tables refreshed in SQLite whose Delta tables are not published yet. */
  private readonly unpublished = new Set<GoldTable>();
  private lastPublishAt = 0;

  constructor(
    readonly tables: readonly GoldTable[],
    private readonly state: StateStore,
    private readonly schedule: MaintenanceSchedule,
    private readonly publishEveryMs = 0,
  ) {}

  /** Whether gold's Delta tables may be behind its SQLite rows. */
  private get behind(): boolean {
    return this.state.mark(BEHIND_MARK) === 1;
  }

  private set behind(behind: boolean) {
    this.state.setMark(BEHIND_MARK, behind ? 1 : 0);
  }

  /**
   * On open: publishes what a stopped run left unpublished, and computes whole (and publishes) the
   * tables never computed, such as a definition new to this data folder, whose sources exist.
   */
  async open(): Promise<void> {
    if (this.behind) await this.publish(this.tables);
    const fresh = this.tables.filter((g) => !g.computed);
    for (const g of fresh) g.refreshAll();
    const computed = fresh.filter((g) => g.computed);
    if (computed.length > 0) await this.publish(computed);
  }

  /** Recomputes the rows a batch can affect (call inside the batch's SQLite transaction). */
  refresh(batch: GoldBatch): void {
    for (const g of refreshGold(this.tables, batch)) this.unpublished.add(g);
  }

  /** After a batch: publishes, or, with more batches waiting and a publish not due, defers. */
  async afterBatch(backlog: boolean): Promise<void> {
    // A table whose sources just appeared is listed (an empty Delta table) even while publishing waits.
    await Promise.all(this.tables.filter((g) => g.published && !g.table && g.computed).map((g) => g.createTable()));
    const waits = backlog || this.publishEveryMs > 0;
    if (!waits || this.publishDue()) await this.publishPending();
    else if (this.unpublished.size > 0 && !this.behind) this.behind = true;
  }

  /** Publishes what was deferred if a publish is due. */
  async publishIfDue(): Promise<void> {
    if (this.unpublished.size > 0 && this.publishDue()) await this.publish(this.unpublished);
  }

  private publishDue(now = Date.now()): boolean {
    return this.schedule.due('goldPublish', now) && now - this.lastPublishAt >= this.publishEveryMs;
  }

  /** Publishes what was deferred. Call it when a run of batches ends. */
  async publishPending(): Promise<void> {
    if (this.unpublished.size > 0) await this.publish(this.unpublished);
  }

  /**
   * Recomputes every table whole and publishes them: after silver commits gold never saw as changes
   * (a replay after a crash, a rebuilt table).
   */
  async recomputeAll(): Promise<void> {
    for (const g of this.tables) g.refreshAll();
    await this.publish(this.tables);
  }

  private async publish(tables: Iterable<GoldTable>): Promise<void> {
    await publishGold([...tables]);
    this.lastPublishAt = Date.now();
    this.unpublished.clear();
    this.schedule.ran('goldPublish');
    if (this.behind) this.behind = false;
  }
}

/**
 * The LakehouseView the API server thread serves from. What must be fast and must not wait for ingest
 * is answered in this thread: SQL (the query engine reads lakehouse.db itself), the change feed
 * (`changes` in lakehouse.db, read-only, plus live changes the main thread forwards), gold tables'
 * latest rows (lakehouse.db, with the version the main thread last reported), health and
 * metrics (the latest state the main thread pushed, a few times a second). Table metadata and rows ask
 * the main thread, which answers between batches.
 */
import type { Database } from 'bun:sqlite';
import { StateStore } from '../state/index.ts';
import { LakehouseError, type ErrorCode } from '../core/errors.ts';
import { ChangeFeed } from '../pipeline/change-feed.ts';
import { readGoldRows } from '../gold/index.ts';
import type { ChangeRecord, HealthStatus, HistoryEntry, LakehouseView, Row, RowsQuery, TableDetail, TableSummary } from '../pipeline/lakehouse-view.ts';
import type { RemoteMethod, WireError } from './server-thread-protocol.ts';

export class RemoteView implements LakehouseView {
  private latest: { health: HealthStatus; metrics: string };
  private readonly listeners = new Set<(c: ChangeRecord) => void>();
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  private readonly db: Database;
  private readonly feed: ChangeFeed;
  /** The newest change handed to listeners, while there are any. */
  private lastDelivered: number | undefined;

  constructor(
    readonly dataDir: string,
    private readonly call: (id: number, method: RemoteMethod, args: unknown[]) => void,
    initial: { health: HealthStatus; metrics: string },
    /** Says whether live changes are wanted (the main thread then forwards them). */
    private readonly watch: (live: boolean) => void = () => {},
  ) {
    this.latest = initial;
    const state = StateStore.openReader(dataDir);
    if (!state) throw new Error(`internal: the pipeline's lakehouse.db is missing from ${dataDir}`);
    this.db = state.db;
    this.feed = new ChangeFeed(this.db, undefined, false);
  }

  /** The main thread's newest health and metrics. */
  update(state: { health: HealthStatus; metrics: string }): void {
    this.latest = state;
  }

  /**
   * Live changes forwarded by the main thread. It forwards only once told someone listens, so the
   * first changes after a subscription may come from the stored feed instead: listeners see every
   * change from their subscription on, each once, in id order.
   */
  deliver(changes: readonly ChangeRecord[]): void {
    if (this.lastDelivered === undefined || changes.length === 0) return;
    const first = changes[0]!.id;
    const missed = first > this.lastDelivered + 1 ? this.feed.since(this.lastDelivered, first - this.lastDelivered - 1).filter((c) => c.id < first) : [];
    for (const c of [...missed, ...changes]) {
      if (c.id <= this.lastDelivered) continue;
      this.lastDelivered = c.id;
      for (const l of this.listeners) l(c);
    }
  }

  settle(id: number, value: unknown, error: WireError | undefined): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (!p) return;
    if (error) p.reject(new LakehouseError(error.code as ErrorCode, error.message, { hint: error.hint }));
    else p.resolve(value);
  }

  private ask<T>(method: RemoteMethod, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.call(id, method, args);
    });
  }

  status(): HealthStatus['status'] {
    return this.latest.health.status;
  }

  health(): HealthStatus {
    return this.latest.health;
  }

  metrics(): string {
    return this.latest.metrics;
  }

  tables(): Promise<TableSummary[]> {
    return this.ask('tables');
  }

  table(name: string): Promise<TableDetail> {
    return this.ask('table', name);
  }

  history(name: string): Promise<HistoryEntry[]> {
    return this.ask('history', name);
  }

  /** A gold table's latest rows are read here (they are small and asked for often); the rest asks. */
  rows(name: string, query: RowsQuery): Promise<{ version: number; rows: Row[] }> {
    const plain = name.replace(/^gold\//, '');
    // health lists the published gold tables with their versions.
    const version = this.latest.health.versions.gold[plain];
    const rows =
      version !== undefined && query.version === undefined && query.timestamp === undefined
        ? readGoldRows(this.db, plain, query.limit, query.offset)
        : undefined;
    if (rows) return Promise.resolve({ version: version!, rows });
    return this.ask('rows', name, query);
  }

  changesSince(afterId: number, limit: number, table?: string): ChangeRecord[] {
    return this.feed.since(afterId, limit, table);
  }

  onChange(listener: (change: ChangeRecord) => void): () => void {
    if (this.listeners.size === 0) {
      this.lastDelivered = this.feed.latestId();
      this.watch(true);
    }
    this.listeners.add(listener);
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.lastDelivered = undefined;
      this.watch(false);
    };
  }

  close(): void {
    this.db.close();
  }
}

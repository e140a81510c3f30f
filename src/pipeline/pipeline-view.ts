/**
 * LakehouseView over a running Pipeline: current rows come from the SQLite serving copies, older
 * versions and metadata from the Delta tables themselves.
 */
import { notFound } from '../core/errors.ts';
import type { Storage } from '../storage/storage.ts';
import { Snapshot, history, liveRecordCount, scan } from '../delta/index.ts';
import { readingOrder } from '../bronze/index.ts';
import { resolveIn, tablePath } from '../catalog/index.ts';
import { publishedViewName } from '../state/index.ts';
import { keyModeOf } from '../silver/index.ts';
import type { Pipeline } from './pipeline.ts';
import type {
  ChangeRecord,
  HealthStatus,
  HistoryEntry,
  LakehouseView,
  Layer,
  Row,
  RowsQuery,
  SourceInfo,
  TableDetail,
  TableSummary,
} from './lakehouse-view.ts';

interface TableRef {
  name: string;
  layer: Layer;
  storage: Storage;
  /** The pipeline's own handle knows the latest version: no log read for current metadata. */
  current(): Snapshot;
  /** Current rows without touching Delta, when a serving copy exists. */
  serving?: { rows(limit: number, offset: number): Row[]; count(): number };
}

export interface RunStatus {
  status: HealthStatus['status'];
  source: SourceInfo;
  startedAt: number;
  lag(): number;
  message?: string;
  /** Records not yet delivered per `topic:partition`, when the source knows. */
  partitionLag?(): ReadonlyMap<string, number>;
  /** A running pipeline whose source retries after a failure is degraded. */
  sourceHealth?(): { degraded: boolean; message?: string };
  /** With records waiting and no commit for this long, the pipeline is degraded (default 60 s). */
  stallAfterMs?: number;
}

export const DEFAULT_STALL_AFTER_MS = 60_000;

export class PipelineView implements LakehouseView {
  constructor(
    private readonly pipeline: Pipeline,
    private readonly run: RunStatus,
  ) {}

  private refs(): TableRef[] {
    const p = this.pipeline;
    const at = (layer: Layer, name: string) => p.storage.at(tablePath(layer, name));
    const refs: TableRef[] = [{ name: 'bronze', layer: 'bronze', storage: at('bronze', 'bronze'), current: () => p.bronze.snapshot }];
    // Silver tables and their histories alike: indexed tables with a serving copy.
    for (const t of [...p.silver.list(), ...p.silver.histories()]) {
      refs.push({
        name: t.name,
        layer: 'silver',
        storage: at('silver', t.name),
        current: () => t.snapshot,
        serving: { rows: (l, o) => t.rows(l, o), count: () => t.rowCount },
      });
    }
    for (const g of p.gold) {
      const table = g.table;
      if (g.published && table) refs.push({ name: g.name, layer: 'gold', storage: at('gold', g.name), current: () => table.snapshot(), serving: g });
    }
    refs.push({ name: 'dead_letters', layer: 'bronze', storage: at('bronze', 'dead_letters'), current: () => p.deadLetters.snapshot });
    return refs;
  }

  private ref(name: string): TableRef {
    const found = resolveIn(name, this.refs());
    if (!found) throw notFound(`no table named '${name}'`, 'GET /api/tables lists the tables');
    return found;
  }

  get dataDir(): string {
    return this.pipeline.dataDir;
  }

  status(): HealthStatus['status'] {
    return this.run.status;
  }

  health(): HealthStatus {
    const p = this.pipeline;
    const source = this.run.sourceHealth?.();
    const lag = this.run.lag();
    const stalled = this.stalled(lag);
    const degradedGold = Object.fromEntries(p.gold.filter((g) => g.failing !== undefined).map((g) => [g.name, g.failing!]));
    const goldDegraded = Object.keys(degradedGold).length > 0;
    const commitFailure = p.commitFailure;
    const message =
      this.run.message ??
      commitFailure ??
      source?.message ??
      stalled ??
      (goldDegraded ? `gold table(s) failing to refresh or publish: ${Object.keys(degradedGold).join(', ')}` : undefined);
    const silver: Record<string, number> = {};
    for (const t of p.silver.list()) silver[t.name] = t.snapshot.version;
    const gold: Record<string, number> = {};
    for (const g of p.gold) if (g.table) gold[g.name] = g.table.snapshot().version;
    return {
      status: this.run.status === 'ok' && (commitFailure || source?.degraded || stalled || goldDegraded) ? 'degraded' : this.run.status,
      source: this.run.source,
      uptimeSeconds: Math.round((Date.now() - this.run.startedAt) / 1000),
      eventsPerSecond: p.throughput.perSecond(),
      lag,
      lastCommitMs: p.lastCommitMs === null ? null : Math.round(p.lastCommitMs),
      deadLetters: p.deadLetters.count,
      versions: { bronze: p.bronze.version, silver, gold },
      ...(goldDegraded ? { degradedGold } : {}),
      ...(message ? { message } : {}),
    };
  }

  /** Why the pipeline counts as stalled: records wait at the source and nothing committed for a while. */
  private stalled(lag: number, now = Date.now()): string | undefined {
    const idleMs = now - (this.pipeline.lastCommitAt ?? this.run.startedAt);
    if (lag <= 0 || idleMs < (this.run.stallAfterMs ?? DEFAULT_STALL_AFTER_MS)) return undefined;
    return `no commit for ${Math.round(idleMs / 1000)} s while the source has ${lag} records waiting`;
  }

  async tables(): Promise<TableSummary[]> {
    return Promise.all(this.refs().map((r) => this.summary(r)));
  }

  private async summary(r: TableRef, snap?: Snapshot): Promise<TableSummary> {
    snap ??= r.current();
    const rows = r.serving ? r.serving.count() : snap.files().reduce((n, a) => n + liveRecordCount(a), 0);
    const sqlName = r.layer === 'bronze' ? r.name : publishedViewName(r.layer, r.name);
    const key = r.layer === 'silver' ? keyModeOf(snap.tableProperties) : undefined;
    return {
      name: r.name,
      layer: r.layer,
      sqlName,
      version: snap.version,
      rows,
      lastCommit: new Date(snap.timestamp).toISOString(),
      ...(key ? { key: { mode: key.mode, columns: key.mode === 'keyed' ? key.columns : [] } } : {}),
    };
  }

  async table(name: string): Promise<TableDetail> {
    const r = this.ref(name);
    const snap = r.current();
    const files = snap.files();
    return {
      ...(await this.summary(r, snap)),
      schema: { fields: snap.schema.fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable })) },
      protocol: wireProtocol(snap.protocol),
      partitionColumns: snap.partitionColumns,
      configuration: snap.tableProperties,
      files: files.length,
      sizeBytes: files.reduce((n, a) => n + a.size, 0),
    };
  }

  async history(name: string): Promise<HistoryEntry[]> {
    const entries = await history(this.ref(name).storage);
    return entries.map((e) => ({
      version: e.version,
      timestamp: new Date(e.timestamp).toISOString(),
      operation: e.operation ?? null,
      operationParameters: e.operationParameters ?? {},
    }));
  }

  async rows(name: string, q: RowsQuery): Promise<{ version: number; rows: Row[] }> {
    const r = this.ref(name);
    const latest = q.version === undefined && q.timestamp === undefined;
    const snap = latest ? r.current() : await Snapshot.open(r.storage, { version: q.version, timestamp: q.timestamp });
    if (latest && r.serving) return { version: snap.version, rows: r.serving.rows(q.limit, q.offset) };
    const rows: Row[] = [];
    let skip = q.offset;
    for await (const row of scan(snap, r.storage, { limit: q.offset + q.limit, files: readingOrder(snap.files()) })) {
      if (skip > 0) {
        skip--;
        continue;
      }
      rows.push(row);
    }
    return { version: snap.version, rows };
  }

  changesSince(afterId: number, limit: number, table?: string): ChangeRecord[] {
    return this.pipeline.changes.since(afterId, limit, table);
  }

  onChange(listener: (change: ChangeRecord) => void): () => void {
    return this.pipeline.changes.subscribe(listener);
  }

  metrics(): string {
    const p = this.pipeline;
    const m = p.metrics;
    m.set('lakehouse_table_version', 'latest Delta version per table', { layer: 'bronze', table: 'bronze' }, p.bronze.version);
    for (const t of p.silver.list()) m.set('lakehouse_table_version', 'latest Delta version per table', { layer: 'silver', table: t.name }, t.snapshot.version);
    for (const g of p.gold)
      if (g.table) m.set('lakehouse_table_version', 'latest Delta version per table', { layer: 'gold', table: g.name }, g.table.snapshot().version);
    for (const g of p.gold)
      m.set(
        'lakehouse_gold_degraded',
        '1 while a gold table fails to refresh or publish (it keeps its last rows and retries)',
        { table: g.name },
        g.failing === undefined ? 0 : 1,
      );
    m.set('lakehouse_source_lag', 'records the source has that are not yet in bronze', {}, this.run.lag());
    for (const [tp, lag] of this.run.partitionLag?.() ?? []) {
      const at = tp.lastIndexOf(':');
      m.set(
        'lakehouse_kafka_consumer_lag',
        'records in Kafka not yet committed to bronze, per partition',
        { topic: tp.slice(0, at), partition: tp.slice(at + 1) },
        lag,
      );
    }
    return m.render();
  }
}

/** A protocol action as the wire type says: feature lists present or absent, never null (a log may write null). */
function wireProtocol(p: TableDetail['protocol'] & { readerFeatures?: string[] | null; writerFeatures?: string[] | null }): TableDetail['protocol'] {
  return {
    minReaderVersion: p.minReaderVersion,
    minWriterVersion: p.minWriterVersion,
    ...(p.readerFeatures ? { readerFeatures: p.readerFeatures } : {}),
    ...(p.writerFeatures ? { writerFeatures: p.writerFeatures } : {}),
  };
}

/**
 * The live change stream that the API's SSE endpoint and the TUI read. Changes are kept in SQLite with
 * monotonically increasing ids, so a client that reconnects with Last-Event-ID gets what it missed;
 * the newest `retain` changes are kept.
 *
 * A batch's changes of one table are stored as one row, a JSON array, holding ids first_id..last_id:
 * a row per change cost an insert and two JSON texts each, a large share of a batch's time, for a feed
 * read far less often than it is written.
 */
import type { Database, Statement } from 'bun:sqlite';
import { STATE_TABLES } from '../state/index.ts';
import type { ChangeRecord, Row } from './lakehouse-view.ts';

const BATCHES = STATE_TABLES.changeBatches;

type NewChange = Omit<ChangeRecord, 'id'>;
/** A change as stored in its row's array: [op, key, before, after, version, position, ts]. */
type StoredChange = [ChangeRecord['op'], Row, Row | null, Row | null, number, string, string];

export class ChangeFeed {
  private listeners = new Set<(c: ChangeRecord) => void>();
  private nextId = 1;
  private insert?: Statement;

  /** `writer`: this connection appends (the pipeline's); readers (the API thread's) only read. */
  constructor(
    private readonly db: Database,
    private readonly retain = 100_000,
    writer = true,
  ) {
    if (!writer) return;
    this.nextId = this.latestId() + 1;
    this.insert = db.query(`INSERT INTO ${BATCHES} (first_id, last_id, tbl, changes) VALUES (?, ?, ?, ?)`);
  }

  /** Appends changes in order; each run of one table's changes becomes one row. */
  append(changes: readonly NewChange[]): void {
    if (changes.length === 0) return;
    const insert = this.insert;
    if (!insert) throw new Error('internal: the change feed is read-only on this connection');
    const stored: ChangeRecord[] = [];
    this.db.transaction(() => {
      for (let start = 0; start < changes.length; ) {
        const table = changes[start]!.table;
        let end = start + 1;
        while (end < changes.length && changes[end]!.table === table) end++;
        const run = changes.slice(start, end);
        const firstId = this.nextId;
        insert.run(
          firstId,
          firstId + run.length - 1,
          table,
          JSON.stringify(run.map((c): StoredChange => [c.op, c.key, c.before, c.after, c.version, c.position, c.ts])),
        );
        for (const c of run) stored.push({ ...c, id: this.nextId++ });
        start = end;
      }
      this.db.query(`DELETE FROM ${BATCHES} WHERE last_id <= ?`).run(this.nextId - 1 - this.retain);
    })();
    for (const c of stored) for (const l of this.listeners) l(c);
  }

  /** The id of the newest stored change (0 when there is none). */
  latestId(): number {
    return (this.db.query(`SELECT max(last_id) AS id FROM ${BATCHES}`).get() as { id: number | null }).id ?? 0;
  }

  /** Up to `limit` changes with ids above `afterId`, oldest first, of one table or all. */
  since(afterId: number, limit: number, table?: string): ChangeRecord[] {
    const rows = table
      ? this.db.query(`SELECT first_id, tbl, changes FROM ${BATCHES} WHERE last_id > ? AND tbl = ? ORDER BY first_id`).iterate(afterId, table)
      : this.db.query(`SELECT first_id, tbl, changes FROM ${BATCHES} WHERE last_id > ? ORDER BY first_id`).iterate(afterId);
    const out: ChangeRecord[] = [];
    for (const row of rows as Iterable<{ first_id: number; tbl: string; changes: string }>) {
      const stored = JSON.parse(row.changes) as StoredChange[];
      for (let i = Math.max(0, afterId + 1 - row.first_id); i < stored.length && out.length < limit; i++) {
        const [op, key, before, after, version, position, ts] = stored[i]!;
        out.push({ id: row.first_id + i, table: row.tbl, op, key, before, after, version, position, ts });
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  subscribe(listener: (c: ChangeRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * The live change stream that the API's SSE endpoint and the TUI read. Changes are kept in SQLite with
 * a monotonically increasing id, so a client that reconnects with Last-Event-ID gets what it missed;
 * the newest `retain` changes are kept.
 */
import type { Database } from 'bun:sqlite';
import type { ChangeRecord, Row } from './view.ts';

export class ChangeFeed {
  private listeners = new Set<(c: ChangeRecord) => void>();
  private appended = 0;

  constructor(
    private readonly db: Database,
    private readonly retain = 100_000,
  ) {
    db.run(`CREATE TABLE IF NOT EXISTS changes (
      id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, op TEXT NOT NULL, key TEXT NOT NULL,
      before TEXT, after TEXT, version INTEGER NOT NULL, position TEXT NOT NULL, ts TEXT NOT NULL)`);
  }

  append(changes: readonly Omit<ChangeRecord, 'id'>[]): void {
    if (changes.length === 0) return;
    const insert = this.db.query('INSERT INTO changes (tbl, op, key, before, after, version, position, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const stored: ChangeRecord[] = [];
    this.db.transaction(() => {
      for (const c of changes) {
        const { lastInsertRowid } = insert.run(c.table, c.op, JSON.stringify(c.key), json(c.before), json(c.after), c.version, c.position, c.ts);
        stored.push({ ...c, id: Number(lastInsertRowid) });
      }
    })();
    this.appended += changes.length;
    if (this.appended > this.retain / 10) {
      this.appended = 0;
      this.db.query('DELETE FROM changes WHERE id <= (SELECT max(id) FROM changes) - ?').run(this.retain);
    }
    for (const c of stored) for (const l of this.listeners) l(c);
  }

  since(afterId: number, limit: number, table?: string): ChangeRecord[] {
    const rows = table
      ? this.db.query('SELECT * FROM changes WHERE id > ? AND tbl = ? ORDER BY id LIMIT ?').all(afterId, table, limit)
      : this.db.query('SELECT * FROM changes WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit);
    return (rows as Record<string, unknown>[]).map((r) => ({
      id: r.id as number,
      table: r.tbl as string,
      op: r.op as ChangeRecord['op'],
      key: JSON.parse(r.key as string) as Row,
      before: r.before === null ? null : (JSON.parse(r.before as string) as Row),
      after: r.after === null ? null : (JSON.parse(r.after as string) as Row),
      version: r.version as number,
      position: r.position as string,
      ts: r.ts as string,
    }));
  }

  subscribe(listener: (c: ChangeRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

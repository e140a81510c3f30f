/**
 * The embedded voters book: the application's SQLite database plus a change capture that behaves like
 * the Debezium PostgreSQL connector. Every committed operation writes, in the same SQLite transaction,
 * its row changes and their Debezium records into `_outbox`, so the outbox and the tables can never
 * disagree, and a reader can resume from any outbox position after a restart.
 *
 * LSNs, transaction ids and per-topic offsets live in `_book_state` / `_outbox` and continue across
 * restarts. REPLICA IDENTITY FULL (default) gives complete before images; DEFAULT gives none for
 * updates and only the key for deletes, as PostgreSQL does.
 */
import { Database, type Statement } from 'bun:sqlite';
import { LakehouseError, ErrorCode } from '../src/core/errors.ts';
import type { KafkaRecord } from '../src/cdc/record.ts';
import { PostgresEnvelopes } from './debezium-envelope.ts';
import { TABLES, TABLE_BY_NAME, keyOf, sqliteDdl, type AppRow, type TableDef, type TableName } from './tables.ts';
import { DEFAULT_START_MS, initialState, type FakeOp, type WorkloadState } from './workload.ts';

export type ReplicaIdentity = 'full' | 'default';

export interface VotersBookOptions {
  /** Debezium topic prefix (topic.prefix); fixed when the book is created. Default 'votersbook'. */
  serverName?: string;
  /** The database name the records report in source.db. Default 'votersbook'. */
  dbName?: string;
  replicaIdentity?: ReplicaIdentity;
  /** Emit a tombstone after each delete, like Debezium's tombstones.on.delete (default true). */
  tombstones?: boolean;
  /** Seeds the workload of a new book; an existing book continues its own stream. */
  seed?: number;
}

export interface OutboxEntry {
  /** Global, gap-free order of the outbox, starting at 1. */
  position: number;
  record: KafkaRecord;
}

interface BookState {
  server_name: string;
  db_name: string;
  lsn: number;
  last_commit_lsn: number | null;
  tx_id: number;
  seq: number;
  clock_ms: number;
  prng_state: number;
  next_poll_id: number;
}

interface TableStatements {
  envelopes: PostgresEnvelopes;
  select: Statement;
  insert: Statement;
  delete: Statement;
  updates: Map<string, Statement>;
}

const FIRST_LSN = 24_023_128;
const FIRST_TX_ID = 750;

export class VotersBook {
  private state: BookState;
  private readonly tables: Record<TableName, TableStatements>;
  private readonly nextOffset = new Map<string, number>();
  private readonly replicaIdentity: ReplicaIdentity;
  private readonly tombstones: boolean;
  private readonly insertOutbox: Statement;

  private constructor(
    private readonly db: Database,
    options: VotersBookOptions,
  ) {
    this.replicaIdentity = options.replicaIdentity ?? 'full';
    this.tombstones = options.tombstones ?? true;
    this.state = this.loadState(options);
    this.tables = Object.fromEntries(TABLES.map((t) => [t.name, this.statements(t)])) as Record<TableName, TableStatements>;
    for (const r of db.query('SELECT topic, MAX(offset) AS last FROM _outbox GROUP BY topic').all() as { topic: string; last: number }[]) {
      this.nextOffset.set(r.topic, r.last + 1);
    }
    this.insertOutbox = db.prepare('INSERT INTO _outbox (topic, partition, offset, timestamp, key, value) VALUES (?, 0, ?, ?, ?, ?)');
  }

  /** Opens (creating if needed) the voters book at `path` (':memory:' for a throwaway one). */
  static open(path: string, options: VotersBookOptions = {}): VotersBook {
    let db: Database;
    try {
      db = new Database(path, { create: true });
    } catch (err) {
      throw new LakehouseError(ErrorCode.io, `cannot open the voters book at ${path}: ${(err as Error).message}`, {
        hint: 'check that the folder exists and is writable',
        cause: err,
      });
    }
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000');
    db.transaction(() => {
      for (const t of TABLES) db.exec(sqliteDdl(t));
      db.exec(`CREATE TABLE IF NOT EXISTS _outbox (
        position INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, partition INTEGER NOT NULL,
        offset INTEGER NOT NULL, timestamp INTEGER NOT NULL, key TEXT, value TEXT)`);
      db.exec(`CREATE TABLE IF NOT EXISTS _book_state (
        id INTEGER PRIMARY KEY CHECK (id = 1), server_name TEXT NOT NULL, db_name TEXT NOT NULL, lsn INTEGER NOT NULL,
        last_commit_lsn INTEGER, tx_id INTEGER NOT NULL, seq INTEGER NOT NULL, clock_ms INTEGER NOT NULL,
        prng_state INTEGER NOT NULL, next_poll_id INTEGER NOT NULL)`);
      db.exec('CREATE TABLE IF NOT EXISTS _book_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    })();
    return new VotersBook(db, options);
  }

  get serverName(): string {
    return this.state.server_name;
  }

  /** The Kafka topic of a table's change records. */
  topicOf(table: TableName): string {
    return this.tables[table].envelopes.topic;
  }

  /** Where the workload continues: live keys in key order plus the persisted generator state. */
  resumeState(): WorkloadState {
    const s = this.state;
    return {
      live: {
        voters: (this.db.query('SELECT id FROM voters ORDER BY id').all() as { id: number }[]).map((r) => r.id),
        polls: (this.db.query('SELECT poll_id, voter_id FROM polls ORDER BY poll_id').all() as { poll_id: number; voter_id: number }[]).map((r) => ({
          pollId: r.poll_id,
          voterId: r.voter_id,
        })),
        ballots: (
          this.db.query('SELECT voter_id, election_id FROM ballots ORDER BY voter_id, election_id').all() as {
            voter_id: number;
            election_id: string;
          }[]
        ).map((r) => ({ voterId: r.voter_id, electionId: r.election_id })),
      },
      seq: s.seq,
      clockMs: s.clock_ms,
      prngState: s.prng_state,
      nextPollId: s.next_poll_id,
    };
  }

  /** Applies one operation as one transaction and returns the outbox entries it wrote. */
  apply(op: FakeOp): OutboxEntry[] {
    if (op.seq !== this.state.seq + 1) {
      throw new LakehouseError(ErrorCode.internal, `internal error (a bug, please report it): op ${op.seq} applied after op ${this.state.seq}`);
    }
    return this.db.transaction(() => {
      const s = { ...this.state };
      s.tx_id += 1;
      const entries: OutboxEntry[] = [];
      for (const change of op.changes) {
        const t = this.tables[change.table];
        const def = TABLE_BY_NAME[change.table];
        const key = change.kind === 'insert' ? keyOf(def, change.row) : change.key;
        const keyParams = def.key.map((k) => key[k]!);
        const before = change.kind === 'insert' ? null : (t.select.get(...keyParams) as AppRow | null);
        if (change.kind !== 'insert' && !before) {
          throw new LakehouseError(ErrorCode.internal, `internal error (a bug, please report it): ${change.table} ${JSON.stringify(key)} does not exist`);
        }
        if (change.kind === 'insert') t.insert.run(...def.columns.map((c) => change.row[c.name] ?? null));
        else if (change.kind === 'update') this.updateStatement(def, t, Object.keys(change.set)).run(...Object.values(change.set), ...keyParams);
        else t.delete.run(...keyParams);
        const after = change.kind === 'delete' ? null : (t.select.get(...keyParams) as AppRow);

        const afterJson = after && t.envelopes.rowJson(after);
        const beforeJson = !before
          ? null
          : this.replicaIdentity === 'full'
            ? t.envelopes.rowJson(before)
            : change.kind === 'delete'
              ? t.envelopes.rowJson(before, def.key)
              : null;
        s.lsn += 56 + (afterJson?.length ?? 0) + (beforeJson?.length ?? 0);
        const processedMs = op.atMs + 5 + (s.lsn % 200);
        const source = { tsMs: op.atMs, lsn: s.lsn, lastCommitLsn: s.last_commit_lsn, txId: s.tx_id, processedMs };
        const opCode = change.kind === 'insert' ? 'c' : change.kind === 'update' ? 'u' : 'd';
        const keyText = t.envelopes.keyText(key);
        entries.push(this.emit(t.envelopes.topic, processedMs, keyText, t.envelopes.valueText(opCode, beforeJson, afterJson, source)));
        if (change.kind === 'delete' && this.tombstones) entries.push(this.emit(t.envelopes.topic, processedMs, keyText, null));
      }
      s.lsn += 48; // the commit record
      s.last_commit_lsn = s.lsn;
      s.seq = op.seq;
      s.clock_ms = op.atMs;
      s.prng_state = op.prngState;
      s.next_poll_id = op.nextPollId;
      this.saveState(s);
      this.state = s;
      return entries;
    })();
  }

  /** Outbox entries after `fromPositionExclusive` (0 = from the start), in order, at most `limit`. */
  readOutbox(fromPositionExclusive: number, limit: number): OutboxEntry[] {
    const rows = this.db
      .query('SELECT position, topic, partition, offset, timestamp, key, value FROM _outbox WHERE position > ? ORDER BY position LIMIT ?')
      .all(fromPositionExclusive, limit) as {
      position: number;
      topic: string;
      partition: number;
      offset: number;
      timestamp: number;
      key: string | null;
      value: string | null;
    }[];
    return rows.map((r) => ({
      position: r.position,
      record: { topic: r.topic, partition: r.partition, offset: String(r.offset), timestamp: r.timestamp, key: r.key, value: r.value },
    }));
  }

  /**
   * Forgets outbox entries up to `position` once a consumer has stored them durably, as a replication
   * slot releases WAL: the book then stays small however long it runs. Each topic's newest entry stays,
   * since it carries the topic's next offset.
   */
  pruneOutbox(position: number): number {
    return this.db.query('DELETE FROM _outbox WHERE position <= ? AND position NOT IN (SELECT MAX(position) FROM _outbox GROUP BY topic)').run(position)
      .changes;
  }

  /** The position of the newest outbox entry (0 when empty). */
  lastPosition(): number {
    return (this.db.query('SELECT COALESCE(MAX(position), 0) AS p FROM _outbox').get() as { p: number }).p;
  }

  /** All rows of a table in key order: the truth a consumer's copy is compared with. */
  rows(table: TableName): AppRow[] {
    return this.db.query(`SELECT * FROM ${table} ORDER BY ${TABLE_BY_NAME[table].key.join(', ')}`).all() as AppRow[];
  }

  getMeta(name: string): string | null {
    return (this.db.query('SELECT value FROM _book_meta WHERE name = ?').get(name) as { value: string } | null)?.value ?? null;
  }

  setMeta(name: string, value: string): void {
    this.db.query('INSERT INTO _book_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  close(): void {
    this.db.close();
  }

  private emit(topic: string, timestamp: number, key: string, value: string | null): OutboxEntry {
    const offset = this.nextOffset.get(topic) ?? 0;
    const result = this.insertOutbox.run(topic, offset, timestamp, key, value);
    this.nextOffset.set(topic, offset + 1);
    return {
      position: Number(result.lastInsertRowid),
      record: { topic, partition: 0, offset: String(offset), timestamp, key, value },
    };
  }

  private loadState(options: VotersBookOptions): BookState {
    const stored = this.db.query('SELECT * FROM _book_state WHERE id = 1').get() as (BookState & { id: number }) | null;
    if (stored) {
      if (options.serverName !== undefined && options.serverName !== stored.server_name) {
        throw new LakehouseError(ErrorCode.config, `this voters book was created with server name '${stored.server_name}', not '${options.serverName}'`, {
          hint: `pass --server-name ${stored.server_name}, or use a new --db file`,
        });
      }
      const { id: _id, ...state } = stored;
      return state;
    }
    const fresh = initialState(options.seed ?? 1, DEFAULT_START_MS);
    const state: BookState = {
      server_name: options.serverName ?? 'votersbook',
      db_name: options.dbName ?? 'votersbook',
      lsn: FIRST_LSN,
      last_commit_lsn: null,
      tx_id: FIRST_TX_ID,
      seq: fresh.seq,
      clock_ms: fresh.clockMs,
      prng_state: fresh.prngState,
      next_poll_id: fresh.nextPollId,
    };
    this.db
      .query(
        `INSERT INTO _book_state (id, server_name, db_name, lsn, last_commit_lsn, tx_id, seq, clock_ms, prng_state, next_poll_id)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(state.server_name, state.db_name, state.lsn, state.last_commit_lsn, state.tx_id, state.seq, state.clock_ms, state.prng_state, state.next_poll_id);
    return state;
  }

  private saveState(s: BookState): void {
    this.db
      .query('UPDATE _book_state SET lsn = ?, last_commit_lsn = ?, tx_id = ?, seq = ?, clock_ms = ?, prng_state = ?, next_poll_id = ? WHERE id = 1')
      .run(s.lsn, s.last_commit_lsn, s.tx_id, s.seq, s.clock_ms, s.prng_state, s.next_poll_id);
  }

  private statements(t: TableDef): TableStatements {
    const where = t.key.map((k) => `${k} = ?`).join(' AND ');
    return {
      envelopes: new PostgresEnvelopes(t, this.state.server_name, this.state.db_name),
      select: this.db.prepare(`SELECT * FROM ${t.name} WHERE ${where}`),
      insert: this.db.prepare(`INSERT INTO ${t.name} (${t.columns.map((c) => c.name).join(', ')}) VALUES (${t.columns.map(() => '?').join(', ')})`),
      delete: this.db.prepare(`DELETE FROM ${t.name} WHERE ${where}`),
      updates: new Map(),
    };
  }

  private updateStatement(def: TableDef, t: TableStatements, columns: string[]): Statement {
    const signature = columns.join(',');
    let stmt = t.updates.get(signature);
    if (!stmt) {
      stmt = this.db.prepare(`UPDATE ${def.name} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE ${def.key.map((k) => `${k} = ?`).join(' AND ')}`);
      t.updates.set(signature, stmt);
    }
    return stmt;
  }
}

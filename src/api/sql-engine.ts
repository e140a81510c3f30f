/**
 * Runs read-only SQL on a small pool of query workers (sql-worker.ts), each with its own read-only
 * connection to lakehouse.db (WAL mode, so readers never block the pipeline and see a consistent
 * snapshot per query). The first chunk is computed before answering, so SQL errors and a timeout
 * before any output become a JSON error with a status; later chunks stream as the client reads them.
 * A query past its deadline is stopped: a worker waiting for the client is told to close its
 * statement, a worker still computing is killed and replaced, so the statement stops using the CPU at
 * once (bun:sqlite cannot interrupt a statement, and a terminated Worker thread would keep spinning in it).
 */
import type { Subprocess } from 'bun';
import { ErrorCode, LakehouseError } from '../core/errors.ts';
import type { FromWorker, ToWorker } from './sql-protocol.ts';
import { rowFormat, type RowFormatName } from './row-formats/index.ts';
import { workerProcessCommand } from '../core/worker-url.ts';

export interface QueryOptions {
  format: RowFormatName;
  /** Rows returned at most; more are cut and the result is marked truncated. */
  limit: number;
  /** Wall-clock time for the whole query, from the call until the last chunk. */
  timeoutMs: number;
}

export interface QueryResult {
  columns: string[];
  body: ReadableStream<Uint8Array>;
  /** Known when the whole result fit in the first chunk. */
  rowCount?: number;
  truncated?: boolean;
}

type Chunk = Extract<FromWorker, { type: 'chunk' }>;

interface Slot {
  worker: Subprocess<'ignore', 'ignore', 'inherit'>;
  /** The reply the engine waits for: while set, the worker is computing. */
  pending?: { resolve: (m: FromWorker) => void; reject: (e: unknown) => void };
}

const CHUNK_ROWS = 500;
const sqlWorker = workerProcessCommand('api/sql-worker.ts', new URL('./sql-worker.ts', import.meta.url));
const encoder = new TextEncoder();

const timeoutError = (ms: number) =>
  new LakehouseError(ErrorCode.timeout, `the query ran longer than its ${ms} ms timeout and was stopped`, {
    hint: 'narrow it (WHERE, LIMIT, an aggregate) or pass ?timeout_ms= (at most 120000)',
  });

export class QueryEngine {
  private readonly idle: Slot[] = [];
  private readonly slots = new Set<Slot>();
  private readonly waiting: ((slot: Slot) => void)[] = [];
  private started = 0;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly dataDir: string,
    private readonly size = 4,
  ) {}

  async run(sql: string, options: QueryOptions): Promise<QueryResult> {
    const deadline = Date.now() + options.timeoutMs;
    const format = rowFormat(options.format);
    const slot = await this.acquire(options.timeoutMs);
    const id = this.nextId++;
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let finished = false;
    const finish = () => {
      finished = true;
      clearTimeout(timer);
      this.release(slot);
    };
    const timer = setTimeout(
      () => {
        if (finished) return;
        const err = timeoutError(options.timeoutMs);
        if (slot.pending) this.replace(slot, err);
        else {
          this.send(slot, { type: 'close', id });
          controller?.enqueue(encoder.encode(format.failure(err) ?? ''));
          controller?.close();
        }
        finish();
      },
      Math.max(0, deadline - Date.now()),
    );

    let first: FromWorker;
    try {
      first = await this.request(slot, { type: 'open', id, dataDir: this.dataDir, sql, format: options.format, limit: options.limit, chunkRows: CHUNK_ROWS });
    } catch (err) {
      if (!finished) finish();
      throw err;
    }
    if (first.type === 'error') {
      finish();
      throw new LakehouseError(first.error.code as ErrorCode, first.error.message, { hint: first.error.hint });
    }
    if (first.done) finish();
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
        c.enqueue(encoder.encode(first.text));
        if ((first as Chunk).done) c.close();
      },
      pull: async (c) => {
        if (finished) return;
        let m: FromWorker;
        try {
          m = await this.request(slot, { type: 'next', id });
        } catch (err) {
          // Timed out while computing: the timer already replaced the worker and ended the stream.
          if (!finished) finish();
          const e = err as LakehouseError;
          c.enqueue(encoder.encode(format.failure({ code: e.code, message: e.message }) ?? ''));
          c.close();
          return;
        }
        if (finished) return;
        if (m.type === 'error') {
          finish();
          if (m.text) c.enqueue(encoder.encode(m.text));
          if (format.failure(m.error) === undefined) c.error(new Error(m.error.message));
          else c.close();
          return;
        }
        c.enqueue(encoder.encode(m.text));
        if (m.done) {
          finish();
          c.close();
        }
      },
      cancel: () => {
        if (finished) return;
        if (slot.pending) this.replace(slot, new LakehouseError(ErrorCode.io, 'the client went away'));
        else this.send(slot, { type: 'close', id });
        finish();
      },
    });
    return { columns: first.columns ?? [], body, ...(first.done ? { rowCount: first.rowCount, truncated: first.truncated } : {}) };
  }

  close(): void {
    this.closed = true;
    this.idle.length = 0;
    for (const slot of this.slots) slot.worker.kill('SIGKILL');
  }

  private spawn(): Slot {
    const slot = {} as Slot;
    this.slots.add(slot);
    this.attachWorker(slot);
    return slot;
  }

  private attachWorker(slot: Slot): void {
    const settle = (outcome: (p: NonNullable<Slot['pending']>) => void) => {
      const p = slot.pending;
      slot.pending = undefined;
      if (p) outcome(p);
    };
    const worker = Bun.spawn(sqlWorker, {
      stdio: ['ignore', 'ignore', 'inherit'],
      serialization: 'advanced',
      ipc: (message: FromWorker) => {
        if (slot.worker === worker) settle((p) => p.resolve(message));
      },
      onExit: (_proc, exitCode, signal) => {
        // A worker this engine killed was already replaced; any other end is a crash.
        if (slot.worker !== worker || this.closed) return;
        this.attachWorker(slot);
        settle((p) =>
          p.reject(new LakehouseError(ErrorCode.internal, `internal error (a bug, please report it): query worker ended (${signal ?? `exit ${exitCode}`})`)),
        );
      },
    });
    worker.unref();
    slot.worker = worker;
  }

  /** Terminates a worker stuck in a statement and gives the slot a fresh one. */
  private replace(slot: Slot, reason: unknown): void {
    const p = slot.pending;
    slot.pending = undefined;
    slot.worker.kill('SIGKILL');
    this.attachWorker(slot);
    p?.reject(reason);
  }

  private send(slot: Slot, message: ToWorker): void {
    slot.worker.send(message);
  }

  private request(slot: Slot, message: ToWorker): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      slot.pending = { resolve, reject };
      this.send(slot, message);
    });
  }

  private acquire(timeoutMs: number): Promise<Slot> {
    if (this.closed) throw new LakehouseError(ErrorCode.unavailable, 'the query engine is shut down');
    const slot = this.idle.pop();
    if (slot) return Promise.resolve(slot);
    if (this.started < this.size) {
      this.started++;
      return Promise.resolve(this.spawn());
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(take);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(timeoutError(timeoutMs));
      }, timeoutMs);
      const take = (s: Slot) => {
        clearTimeout(timer);
        resolve(s);
      };
      this.waiting.push(take);
    });
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else if (this.closed) slot.worker.kill('SIGKILL');
    else this.idle.push(slot);
  }
}

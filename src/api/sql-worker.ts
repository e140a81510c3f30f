/**
 * A query worker: runs one query at a time on its own read-only SqlSession and hands the result over in
 * chunks, one per `next`, so a slow client holds back the query instead of filling memory. It is a
 * process of its own (IPC with the engine), which is what makes the timeout stop the work: bun:sqlite
 * can neither interrupt a statement nor set a progress handler, and terminating a Worker thread leaves
 * a statement running in native code spinning until the process ends, so the engine kills the process.
 */
import type { Statement } from 'bun:sqlite';
import { asLakehouseError, ErrorCode, invalidInput, LakehouseError } from '../core/errors.ts';
import { SqlSession } from './sql-session.ts';
import { rowBytes } from './row-bytes.ts';
import { rowFormat, type RowEncoder, type RowFormat } from './row-formats/index.ts';
import type { FromWorker, ToWorker } from './sql-protocol.ts';

/** Bytes one answer may take, over all its chunks (a row cap alone lets a few huge values through). */
const MAX_RESULT_BYTES = 64 * 1024 * 1024;

const resultTooLarge = () =>
  new LakehouseError(ErrorCode.limit, `the result is larger than ${MAX_RESULT_BYTES / 1024 / 1024} MB, the most one query may return`, {
    hint: 'return fewer rows (WHERE, LIMIT), fewer or smaller columns (substr(), length() of a large value), or an aggregate',
  });

interface Running {
  id: number;
  rows: IterableIterator<Record<string, unknown>>;
  stmt: Statement;
  format: RowFormat;
  encoder: RowEncoder;
  rowCount: number;
  /** Columns read straight from a Delta long column (declared BIGINT): answered as text, as the canonical encoding spells int64. */
  longs: string[];
  /** Bytes of the rows so far (rowBytes). */
  bytes: number;
  limit: number;
  chunkRows: number;
}

let session: SqlSession | undefined;
let sessionDir: string | undefined;
let running: Running | undefined;

function finish() {
  running?.stmt.finalize();
  running = undefined;
}

/** Encodes up to chunkRows rows; the chunk is the last one when the rows or the row limit run out. */
function nextChunk(r: Running, prefix = ''): Extract<FromWorker, { type: 'chunk' }> {
  let text = prefix;
  for (let count = 0; count < r.chunkRows; count++) {
    const step = r.rows.next();
    const truncated = !step.done && r.rowCount === r.limit;
    if (step.done || truncated) {
      text += r.encoder.end({ rowCount: r.rowCount, truncated });
      finish();
      return { type: 'chunk', id: r.id, text, done: true, rowCount: r.rowCount, truncated };
    }
    for (const c of r.longs) if (step.value[c] !== null) step.value[c] = String(step.value[c]);
    r.bytes += rowBytes(Object.values(step.value));
    if (r.bytes > MAX_RESULT_BYTES) throw resultTooLarge();
    text += r.encoder.row(step.value);
    r.rowCount++;
  }
  return { type: 'chunk', id: r.id, text, done: false, rowCount: r.rowCount, truncated: false };
}

/**
 * What running a statement throws, as the user's error. SQLite refusing the query's own work (a function's
 * error, an overflow, a value too big, a function it may not call) is the query's fault, said as SQLite
 * says it; anything else (I/O, a corrupt file, a bug) keeps its meaning.
 */
function runError(err: unknown): LakehouseError {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || typeof message !== 'string') return asLakehouseError(err);
  if (code === 'SQLITE_TOOBIG')
    return new LakehouseError(ErrorCode.limit, `the query made a value larger than allowed (${message})`, {
      hint: 'build smaller values: substr(), length(), an aggregate',
    });
  if (['SQLITE_ERROR', 'SQLITE_MISMATCH', 'SQLITE_RANGE', 'SQLITE_AUTH', 'SQLITE_CONSTRAINT'].includes(code))
    return invalidInput(
      `the query failed: ${message}`,
      message === 'not authorized' ? 'the query called a function or read an object that queries may not use' : undefined,
    );
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
    return new LakehouseError(ErrorCode.unavailable, `the serving copy is busy (${message})`, { retryable: true, hint: 'retry' });
  return asLakehouseError(err);
}

async function open(m: Extract<ToWorker, { type: 'open' }>): Promise<FromWorker> {
  if (!session || sessionDir !== m.dataDir) {
    session?.close();
    session = SqlSession.open(m.dataDir);
    sessionDir = m.dataDir;
  }
  const stmt = await session.prepare(m.sql);
  const columns = stmt.columnNames;
  const format = rowFormat(m.format);
  const encoder = format.encoder(columns);
  running = {
    id: m.id,
    rows: stmt.iterate() as IterableIterator<Record<string, unknown>>,
    stmt,
    format,
    encoder,
    rowCount: 0,
    longs: columns.filter((_, i) => stmt.declaredTypes[i] === 'BIGINT'),
    bytes: 0,
    limit: m.limit,
    chunkRows: m.chunkRows,
  };
  // The first chunk is computed before the engine answers, so errors up to here get a proper status.
  return { ...nextChunk(running, encoder.begin({ columns })), columns };
}

const reply = (m: FromWorker) => process.send!(m);

process.on('message', async (m: ToWorker) => {
  try {
    if (m.type === 'open') reply(await open(m));
    else if (m.type === 'next' && running?.id === m.id) reply(nextChunk(running));
    else if (m.type === 'close' && running?.id === m.id) finish();
  } catch (err) {
    const e = runError(err);
    const mine = running?.id === m.id;
    const text = mine ? running!.format.failure({ code: e.code, message: e.message }) : undefined;
    if (mine) finish();
    reply({ type: 'error', id: m.id, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) }, text });
  }
});
// The engine gone (its process ended) is this worker's end too: at once when idle; while a statement
// runs (this thread is inside SQLite), a watchdog thread sees the parent change and kills the process.
process.on('disconnect', () => process.exit(0));
const parent = process.ppid;
const watchdog = `setInterval(() => { if (process.ppid !== ${parent}) process.kill(process.pid, 'SIGKILL'); }, 500);`;
new Worker(URL.createObjectURL(new Blob([watchdog], { type: 'application/javascript' }))).unref();

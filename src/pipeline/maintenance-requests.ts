/**
 * Maintenance of a live data folder goes through the process that holds its lock (data-lock.ts): that
 * process owns the writer and the SQLite index of where every row lives, so it runs the job between
 * two batches, and nobody else commits beside it. `lakehouse optimize|vacuum|checkpoint|rebuild` on a
 * locked folder hands its job over here instead of racing the pipeline (docs/design.md, "Live
 * maintenance").
 *
 * The mailbox is a folder beside the lock: a request is `<id>.json` (written whole, then renamed into
 * place), its answer `<id>.answer.json`. Whoever can write the data folder can ask; no port or token
 * is involved, and `ingest` answers as `serve` does.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ErrorCode, LakehouseError, asLakehouseError } from '../core/errors.ts';
import { lockHolder } from './data-lock.ts';

/** A job for the process holding the folder; `table` is the table's folder under the tables root. */
export type MaintenanceRequest =
  | { command: 'optimize'; table: string; targetFileSize?: number }
  | { command: 'vacuum'; table: string; retentionHours?: number; dryRun?: boolean; enforceRetention?: boolean }
  | { command: 'checkpoint'; table: string }
  | { command: 'rebuild'; table: string; writeMode?: string };

/** A request before the table is named as the holder names it. */
export type MaintenanceJob = MaintenanceRequest extends infer R ? (R extends MaintenanceRequest ? Omit<R, 'table'> : never) : never;

type Answer = { result: unknown } | { error: { code: string; message: string; hint?: string } };

const MAILBOX = '.maintenance';
const ANSWER = '.answer.json';
/** How often a waiting command looks for its answer and at the holder's pid. */
const POLL_MS = 100;

const mailbox = (stateDir: string) => join(stateDir, MAILBOX);

/** Writes `text` to `path` so that a reader never sees it half written. */
function writeWhole(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/**
 * Hands `request` to the process holding `stateDir` (pid `holder`) and waits for its answer: the
 * result, or its error rethrown here as one.
 */
export async function handOver<T>(stateDir: string, holder: number, request: MaintenanceRequest): Promise<T> {
  const dir = mailbox(stateDir);
  mkdirSync(dir, { recursive: true });
  const id = randomUUID();
  writeWhole(join(dir, `${id}.json`), JSON.stringify(request));
  const answerPath = join(dir, id + ANSWER);
  for (;;) {
    if (existsSync(answerPath)) {
      const answer = JSON.parse(readFileSync(answerPath, 'utf8')) as Answer;
      rmSync(answerPath, { force: true });
      if ('error' in answer) {
        const { code, message, hint } = answer.error;
        throw new LakehouseError(code as ErrorCode, message, hint ? { hint } : {});
      }
      return answer.result as T;
    }
    if (lockHolder(stateDir) !== holder) {
      rmSync(join(dir, `${id}.json`), { force: true });
      throw new LakehouseError(ErrorCode.conflict, `the lakehouse process (pid ${holder}) holding ${stateDir} stopped before doing the ${request.command}`, {
        hint: 'run the command again',
      });
    }
    await Bun.sleep(POLL_MS);
  }
}

/** The requests waiting in `stateDir`'s mailbox, oldest first; each is taken (removed) as it is read. */
export function takeRequests(stateDir: string): { id: string; request: MaintenanceRequest }[] {
  const dir = mailbox(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json') && !n.endsWith(ANSWER));
  } catch {
    return [];
  }
  const taken: { id: string; request: MaintenanceRequest }[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    try {
      taken.push({ id: name.slice(0, -'.json'.length), request: JSON.parse(readFileSync(path, 'utf8')) as MaintenanceRequest });
    } finally {
      rmSync(path, { force: true });
    }
  }
  return taken;
}

/** Answers request `id` with its result or the error it failed with. */
export function answer(stateDir: string, id: string, outcome: { result: unknown } | { error: unknown }): void {
  let body: Answer;
  if ('result' in outcome) body = { result: outcome.result };
  else {
    const err = asLakehouseError(outcome.error);
    body = { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
  }
  writeWhole(join(mailbox(stateDir), id + ANSWER), JSON.stringify(body));
}

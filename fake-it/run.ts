/** `lakehouse fake-it`: options, target selection and the paced run loop. */
import { usageError } from '../src/core/errors.ts';
import type { Logger } from '../src/core/log.ts';
import { EmbeddedTarget } from './embedded-target.ts';
import { KafkaTarget } from './kafka-target.ts';
import { MysqlTarget } from './mysql-target.ts';
import { PostgresTarget } from './postgres-target.ts';
import type { SourceDatabase } from './source-database.ts';
import type { ReplicaIdentity } from './voters-book.ts';
import { Workload, type FakeOp } from './workload.ts';

export type FakeItTarget =
  | { kind: 'embedded'; path: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'mysql'; url: string }
  /** `bookPath` keeps the outbox that is produced to Kafka (default: an in-memory book). */
  | { kind: 'kafka'; brokers: string[]; bookPath: string };

export interface FakeItOptions {
  target: FakeItTarget;
  /** Operations per second; 0 = as fast as possible. */
  rate: number;
  /** Stop after this many operations; undefined = until `signal` aborts. */
  ops?: number;
  seed: number;
  /** Debezium topic prefix / server name. */
  serverName: string;
  replicaIdentity: ReplicaIdentity;
  /** Emit tombstones after deletes (embedded and Kafka targets). */
  tombstones: boolean;
  signal?: AbortSignal;
  log?: Logger;
  /** Called after each operation is committed. */
  onOp?: (op: FakeOp) => void;
}

export interface FakeItSummary {
  ops: number;
  changes: number;
  elapsedMs: number;
  /** seq of the last operation applied. */
  lastSeq: number;
}

export const DEFAULT_BOOK_PATH = './voters-book.db';

/**
 * Turns parsed CLI flags (names as in the `fake-it` command spec: db, postgres, mysql, kafka, rate, ops,
 * seed, server-name, replica-identity, no-tombstones) into options. Throws a usage error for
 * conflicting targets or bad values.
 */
export function fakeItOptionsFromFlags(flags: Readonly<Record<string, unknown>>): FakeItOptions {
  const str = (name: string): string | undefined => {
    const v = flags[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw usageError(`--${name} needs a value`);
    return v;
  };
  const int = (name: string, fallback: number | undefined, min = 0): number | undefined => {
    const v = flags[name];
    if (v === undefined) return fallback;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n) || n < min) throw usageError(`--${name} must be an integer >= ${min}, got '${String(v)}'`);
    return n;
  };
  const postgres = str('postgres');
  const mysql = str('mysql');
  const kafka = str('kafka');
  const db = str('db');
  const targets = [postgres && '--postgres', mysql && '--mysql', kafka && '--kafka'].filter(Boolean);
  if (targets.length > 1) throw usageError(`${targets.join(' and ')} are different targets; pass one of them`);
  if ((postgres || mysql) && db) throw usageError(`--db is the embedded book; it does not go with ${postgres ? '--postgres' : '--mysql'}`);
  const replicaIdentity = (str('replica-identity') ?? 'full') as ReplicaIdentity;
  if (replicaIdentity !== 'full' && replicaIdentity !== 'default') {
    throw usageError(`--replica-identity must be full or default, got '${replicaIdentity}'`);
  }
  const target: FakeItTarget = postgres
    ? { kind: 'postgres', url: postgres }
    : mysql
      ? { kind: 'mysql', url: mysql }
      : kafka
        ? {
            kind: 'kafka',
            brokers: kafka
              .split(',')
              .map((b) => b.trim())
              .filter(Boolean),
            bookPath: db ?? ':memory:',
          }
        : { kind: 'embedded', path: db ?? DEFAULT_BOOK_PATH };
  return {
    target,
    rate: int('rate', 50)!,
    ops: int('ops', undefined),
    seed: int('seed', 1, -(2 ** 31))!,
    serverName: str('server-name') ?? 'votersbook',
    replicaIdentity,
    tombstones: flags['no-tombstones'] !== true,
  };
}

export function createTarget(options: FakeItOptions): SourceDatabase {
  const bookOptions = {
    serverName: options.serverName,
    replicaIdentity: options.replicaIdentity,
    tombstones: options.tombstones,
    seed: options.seed,
  };
  const t = options.target;
  switch (t.kind) {
    case 'embedded':
      return new EmbeddedTarget(t.path, bookOptions);
    case 'postgres':
      return new PostgresTarget(t.url, options.replicaIdentity, options.seed);
    case 'mysql':
      return new MysqlTarget(t.url, options.seed);
    case 'kafka':
      return new KafkaTarget(t.brokers, t.bookPath, bookOptions);
  }
}

/** Runs the simulator until `ops` operations are applied or `signal` aborts. */
export async function runFakeIt(options: FakeItOptions, target: SourceDatabase = createTarget(options)): Promise<FakeItSummary> {
  const started = performance.now();
  const state = await target.open();
  options.log?.info('fake-it started', { target: target.description, seed: options.seed, rate: options.rate, resumeAfter: state.seq });
  const workload = new Workload(state);
  let ops = 0;
  let changes = 0;
  let lastSeq = state.seq;
  try {
    while ((options.ops === undefined || ops < options.ops) && !options.signal?.aborted) {
      if (options.rate > 0) {
        const due = started + (ops * 1000) / options.rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait, options.signal);
        if (options.signal?.aborted) break;
      }
      const op = workload.next();
      await target.apply(op);
      ops++;
      changes += op.changes.length;
      lastSeq = op.seq;
      options.onOp?.(op);
    }
  } finally {
    await target.close();
  }
  const summary = { ops, changes, elapsedMs: Math.round(performance.now() - started), lastSeq };
  options.log?.info('fake-it stopped', { ...summary });
  return summary;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

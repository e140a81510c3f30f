/**
 * Helpers for the real-stack tests: the launcher (compose/local/up and down), the lakehouse binary as
 * a child process that can be killed and restarted, fake-it against the source database, and the
 * comparison of silver with PostgreSQL or MariaDB in the canonical encoding (int64 and decimals as strings, timestamps 'YYYY-MM-DDTHH:MM:SS.ffffff' UTC,
 * dates 'YYYY-MM-DD'), metadata columns (`__*`) left out.
 */
import { expect } from 'bun:test';
import { chmodSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SQL } from 'bun';
import { Kafka, logLevel } from 'kafkajs';

export const repoRoot = resolve(import.meta.dir, '../..');

export interface Stack {
  /** The source database's URL: PG_URL by default, MYSQL_URL with --source mariadb (the other is ''). */
  PG_URL: string;
  MYSQL_URL: string;
  KAFKA_BROKERS: string;
  CONNECT_URL: string;
  STACK_DIR: string;
  LOG_DIR: string;
}

/** Runs compose/local/up (with `--source` when not PostgreSQL); on failure throws with the launcher's own message. */
export async function stackUp(env: Record<string, string>, source: 'postgres' | 'mariadb' = 'postgres'): Promise<Stack> {
  const proc = Bun.spawn([join(repoRoot, 'compose/local/up'), '--source', source], { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`compose/local/up failed (exit ${code}):\n${err.split('\n').slice(-40).join('\n')}`);
  const vars = Object.fromEntries(out.split('\n').flatMap((l) => (/^[A-Z_]+=/.test(l) ? [[l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]] : [])));
  for (const k of [source === 'mariadb' ? 'MYSQL_URL' : 'PG_URL', 'KAFKA_BROKERS', 'CONNECT_URL', 'STACK_DIR', 'LOG_DIR']) {
    if (!vars[k]) throw new Error(`compose/local/up printed no ${k}=...; its output:\n${out}`);
  }
  return { PG_URL: '', MYSQL_URL: '', ...vars } as unknown as Stack;
}

export async function stackDown(env: Record<string, string>, ...args: string[]): Promise<void> {
  const proc = Bun.spawn([join(repoRoot, 'compose/local/down'), ...args], { env: { ...process.env, ...env }, stdout: 'inherit', stderr: 'pipe' });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`compose/local/down failed (exit ${code}): ${err}`);
}

/** The compiled ./lakehouse when it exists (test/run.sh builds it), else the sources under Bun. */
export const lakehouseCommand = (): string[] =>
  existsSync(join(repoRoot, 'lakehouse')) ? [join(repoRoot, 'lakehouse')] : [process.execPath, join(repoRoot, 'src/cli/main.ts')];

/** Runs a lakehouse command to completion; throws with its stderr when it fails. */
export async function lakehouse(args: string[], env: Record<string, string> = {}): Promise<string> {
  const proc = Bun.spawn([...lakehouseCommand(), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`lakehouse ${args.join(' ')} failed (exit ${code}):\n${err}`);
  return out;
}

/** `lakehouse serve --kafka` as a child process, its output appended to `logPath`. */
export class LakehouseServer {
  private proc: ReturnType<typeof Bun.spawn> | undefined;
  /** Exits the test did not cause: each is a crash. */
  readonly unexpectedExits: number[] = [];
  private expectingExit = false;

  constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly brokers: string,
    readonly logPath: string,
    private readonly topics = 'votersbook\\..*',
    /** More serve flags (e.g. --gold DIR). */
    private readonly extraArgs: readonly string[] = [],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const fd = openSync(this.logPath, 'a');
    const args = ['serve', '--kafka', this.brokers, '--topics', this.topics, '--data', this.dataDir, '--port', String(this.port), ...this.extraArgs];
    const proc = Bun.spawn([...lakehouseCommand(), ...args], { cwd: repoRoot, stdout: fd, stderr: fd, stdin: 'ignore' });
    closeSync(fd);
    this.proc = proc;
    this.expectingExit = false;
    proc.exited.then((code) => {
      if (!this.expectingExit) this.unexpectedExits.push(code);
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`lakehouse serve exited with ${proc.exitCode}:\n${this.logTail()}`);
      const ok = await fetch(`${this.url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await Bun.sleep(200);
    }
    throw new Error(`lakehouse serve did not answer /health within 60 s:\n${this.logTail()}`);
  }

  /** kill -9: no chance to finish the batch in flight. */
  async kill9(): Promise<void> {
    this.expectingExit = true;
    this.proc?.kill(9);
    await this.proc?.exited;
  }

  /** SIGTERM: a clean stop. */
  async stop(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.expectingExit = true;
    this.proc.kill('SIGTERM');
    const exited = await Promise.race([this.proc.exited.then(() => true), Bun.sleep(30_000).then(() => false)]);
    if (!exited) {
      this.proc.kill(9);
      await this.proc.exited;
      throw new Error(`lakehouse serve did not stop within 30 s of SIGTERM:\n${this.logTail()}`);
    }
  }

  /** The serve process's id while it runs (for benchmarks that read its CPU time). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null;
  }

  logTail(lines = 40): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
  }
}

/**
 * Launcher settings for a stack of a test's own: its state under `dir` and free ports, so it never
 * meets a stack another test (or another checkout's test run) started.
 */
export function privateStackEnv(dir: string): Record<string, string> {
  chmodSync(dir, 0o755); // the database servers run as their own users (postgres, mysql) when we are root
  const ports = new Set<number>();
  while (ports.size < 5) ports.add(freePort());
  const [pg, mariadb, kafka, controller, connect] = [...ports].map(String);
  return {
    LAKEHOUSE_STACK_DIR: join(dir, 'stack'),
    PG_PORT: pg!,
    MARIADB_PORT: mariadb!,
    KAFKA_PORT: kafka!,
    KAFKA_CONTROLLER_PORT: controller!,
    CONNECT_PORT: connect!,
  };
}

/** A free TCP port on loopback. */
export function freePort(): number {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

type Row = Record<string, unknown>;

/** How each PostgreSQL type reads in the canonical encoding (what silver holds). */
function canonicalExpr(column: string, type: string): string {
  const c = `"${column}"`;
  switch (type) {
    case 'smallint':
    case 'integer':
    case 'boolean':
    case 'text':
    case 'character varying':
    case 'real':
    case 'double precision':
      return c;
    case 'timestamp with time zone':
      return `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
    case 'timestamp without time zone':
      return `to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
    case 'date':
      return `to_char(${c}, 'YYYY-MM-DD')`;
    default: // bigint, numeric (at its scale), uuid, ...
      return `${c}::text`;
  }
}

/** SELECT * FROM table, canonically encoded, with the primary-key columns. */
export async function postgresTable(sql: SQL, table: string): Promise<{ key: string[]; rows: Row[] }> {
  const columns = (await sql`SELECT column_name, data_type FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = ${table} ORDER BY ordinal_position`) as { column_name: string; data_type: string }[];
  const key = (
    (await sql`SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
    WHERE i.indrelid = ${'public.' + table}::regclass AND i.indisprimary ORDER BY a.attnum`) as { attname: string }[]
  ).map((r) => r.attname);
  const select = columns.map((c) => `${canonicalExpr(c.column_name, c.data_type)} AS "${c.column_name}"`).join(', ');
  const rows = (await sql.unsafe(`SELECT row_to_json(t)::text AS j FROM (SELECT ${select} FROM public."${table}") t`)) as { j: string }[];
  return { key, rows: rows.map((r) => JSON.parse(r.j) as Row) };
}

/** How each MariaDB type reads in the canonical encoding (the session must be UTC for TIMESTAMP). */
function mariadbCanonicalExpr(column: string, type: string): string {
  const c = `\`${column}\``;
  switch (type) {
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
      return `CAST(${c} AS SIGNED)`;
    case 'float':
    case 'double':
      return `CAST(${c} AS DOUBLE)`;
    case 'date':
      return `DATE_FORMAT(${c}, '%Y-%m-%d')`;
    case 'datetime':
    case 'timestamp':
      return `DATE_FORMAT(${c}, '%Y-%m-%dT%H:%i:%s.%f')`;
    default: // bigint, decimal (at its scale), texts
      return `CAST(${c} AS CHAR)`;
  }
}

/** SELECT * FROM table in MariaDB (a UTC session), canonically encoded, with the primary-key columns. */
export async function mariadbTable(sql: SQL, table: string): Promise<{ key: string[]; rows: Row[] }> {
  const columns = (await sql`SELECT column_name AS name, data_type AS type, column_key AS k FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = ${table} ORDER BY ordinal_position`) as { name: string; type: string; k: string }[];
  const select = columns.map((c) => `${mariadbCanonicalExpr(c.name, c.type)} AS \`${c.name}\``).join(', ');
  const rows = (await sql.unsafe(`SELECT ${select} FROM \`${table}\``)) as Row[];
  const numeric = new Set(columns.filter((c) => ['tinyint', 'smallint', 'mediumint', 'int', 'float', 'double'].includes(c.type)).map((c) => c.name));
  const canonical = rows.map((r) =>
    Object.fromEntries(columns.map((c) => [c.name, r[c.name] !== null && numeric.has(c.name) ? Number(r[c.name]) : r[c.name]])),
  );
  return { key: columns.filter((c) => c.k === 'PRI').map((c) => c.name), rows: canonical };
}

/** `lakehouse fake-it` with `target` (['--postgres', URL] or ['--mysql', URL]) as a child process. */
export function startFakeIt(target: string[], ops: number, seed: number, rate: number): { done: () => Promise<void> } {
  const args = ['fake-it', ...target, '--ops', String(ops), '--seed', String(seed), '--rate', String(rate)];
  const proc = Bun.spawn([...lakehouseCommand(), ...args], { cwd: repoRoot, stdout: 'ignore', stderr: 'pipe' });
  const stderr = new Response(proc.stderr).text();
  return {
    done: async () => {
      const code = await proc.exited;
      if (code !== 0) throw new Error(`lakehouse ${args.join(' ')} failed (exit ${code}):\n${await stderr}`);
    },
  };
}

export interface SilverTarget {
  tables: readonly string[];
  dataDir: string;
  brokers: string;
  /** The topics lakehouse consumes start with this. */
  topicPrefix: string;
  source: (table: string) => Promise<{ key: string[]; rows: Row[] }>;
  server: LakehouseServer;
  timeoutMs: number;
}

/**
 * Polls until every silver table equals its source table, then checks lakehouse has consumed every
 * record and that nothing changed silver afterwards. Returns how long silver took to be equal.
 */
export async function expectSilverReaches(target: SilverTarget): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + target.timeoutMs;
  for (;;) {
    const problems = await silverDifferences(target);
    if (problems.length === 0) break;
    if (Date.now() > deadline) {
      throw new Error(
        `silver did not reach the source state within ${target.timeoutMs / 1000} s:\n${problems.join('\n')}\n--- lakehouse log:\n${target.server.logTail()}`,
      );
    }
    await Bun.sleep(1_000);
  }
  const caughtUp = performance.now() - started;
  await expectAllConsumed(target);
  expect(await silverDifferences(target)).toEqual([]);
  return caughtUp;
}

async function silverDifferences(target: SilverTarget): Promise<string[]> {
  const problems: string[] = [];
  for (const table of target.tables) {
    const source = await target.source(table);
    const silver = await silverTable(target.dataDir, table).catch((err: Error) => err);
    if (silver instanceof Error) problems.push(`${table}: ${silver.message.split('\n').slice(0, 3).join(' ')}`);
    else problems.push(...tableDiff(source.key, source.rows, silver).map((p) => `${table}: ${p}`));
  }
  return problems;
}

/** The group's committed offsets (written after each pipeline commit) reach every partition's end. */
async function expectAllConsumed(target: SilverTarget, timeoutMs = 60_000): Promise<void> {
  const admin = new Kafka({ brokers: [target.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    let behind: string[] = [];
    while (Date.now() < deadline) {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(target.topicPrefix));
      behind = [];
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: 'lakehouse', topics: [topic] });
        for (const end of ends) {
          const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          if (end.high !== '0' && c !== end.high) behind.push(`${topic}:${end.partition} committed ${c} of ${end.high}`);
        }
      }
      if (behind.length === 0) return;
      await Bun.sleep(500);
    }
    throw new Error(`lakehouse has not consumed everything:\n${behind.join('\n')}`);
  } finally {
    await admin.disconnect();
  }
}

/** A silver table through `lakehouse cat --format ndjson`, without `__*` columns. */
export async function silverTable(dataDir: string, table: string): Promise<Row[]> {
  const out = await lakehouse(['cat', table, '--data', dataDir, '--format', 'ndjson']);
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Object.fromEntries(Object.entries(JSON.parse(l) as Row).filter(([k]) => !k.startsWith('__'))));
}

const sortedJson = (row: Row) => JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1))));

/** The differences between source and silver rows, by primary key; empty when the tables are equal. */
export function tableDiff(key: readonly string[], source: readonly Row[], silver: readonly Row[], show = 5): string[] {
  const keyOf = (r: Row) => JSON.stringify(key.map((k) => String(r[k])));
  const bySource = new Map(source.map((r) => [keyOf(r), r]));
  const bySilver = new Map<string, Row>();
  const problems: string[] = [];
  for (const r of silver) {
    const k = keyOf(r);
    if (bySilver.has(k)) problems.push(`key ${k} appears more than once in silver`);
    bySilver.set(k, r);
  }
  for (const [k, r] of bySource) {
    const s = bySilver.get(k);
    if (!s) problems.push(`key ${k} is missing from silver; source: ${sortedJson(r)}`);
    else if (sortedJson(s) !== sortedJson(r)) problems.push(`key ${k} differs:\n    source: ${sortedJson(r)}\n    silver: ${sortedJson(s)}`);
  }
  for (const [k, s] of bySilver) if (!bySource.has(k)) problems.push(`key ${k} is in silver but not in the source: ${sortedJson(s)}`);
  return problems.length > show ? [...problems.slice(0, show), `... and ${problems.length - show} more`] : problems;
}

/** pgbench (PostgreSQL's own benchmark) against the database at `pgUrl`: its command line and environment. */
export function pgbenchCommand(pgUrl: string, args: readonly string[]): { cmd: string[]; env: Record<string, string | undefined> } {
  const url = new URL(pgUrl);
  return {
    cmd: ['pgbench', '-h', url.hostname, '-p', url.port, '-U', url.username, ...args, url.pathname.slice(1)],
    env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) },
  };
}

/** Runs pgbench to completion; its output, or an error with its stderr. */
export function pgbench(pgUrl: string, ...args: string[]): string {
  const { cmd, env } = pgbenchCommand(pgUrl, args);
  const r = Bun.spawnSync(cmd, { env, stdout: 'pipe', stderr: 'pipe' });
  if (r.exitCode !== 0) throw new Error(`pgbench ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout.toString() + r.stderr.toString();
}

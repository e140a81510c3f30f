/**
 * The real stack at scale: PostgreSQL -> Debezium -> Kafka -> `lakehouse serve --kafka`, on this machine.
 *   bun test/bench/pgbench-stack.bench.ts [scale=10] [live seconds=60] [clients=4] [tps, default unthrottled]
 * 1. Bulk: `pgbench -i -s SCALE` (100,000 accounts a scale unit) is captured into Kafka first; then
 *    serve starts on an empty data folder: rows/s from Kafka to committed silver (every pgbench table's
 *    row count equal to PostgreSQL's), and the CPU seconds serve spent on it.
 * 2. Live: `pgbench -c CLIENTS -T SECONDS` runs while a probe commits one row at a time into its own
 *    table: freshness is the time from the probe's COMMIT to the row being visible through the HTTP API,
 *    split at the moment the record reaches Kafka (Debezium's part, then lakehouse's).
 * Figures only. Build with `npm run build` first; the stack's components install on the first run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { Kafka, logLevel } from 'kafkajs';
import { LakehouseServer, freePort, pgbench, pgbenchCommand, privateStackEnv, stackDown, stackUp } from '../integration/real-stack-support.ts';

const scale = Number(Bun.argv[2] ?? 10);
const liveSeconds = Number(Bun.argv[3] ?? 60);
const clients = Number(Bun.argv[4] ?? 4);
/** pgbench's target tps in the live run (-R), or unthrottled. */
const rate = Bun.argv[5] === undefined ? undefined : Number(Bun.argv[5]);
const workDir = mkdtempSync(join(tmpdir(), 'lh-pgbench-stack-'));
const stackEnv = privateStackEnv(workDir);
const dataDir = join(workDir, 'lake');
const tables = ['pgbench_accounts', 'pgbench_branches', 'pgbench_tellers'];
const seconds = (ms: number) => (ms / 1000).toFixed(1);

const stack = await stackUp(stackEnv);
const sql = new SQL(stack.PG_URL, { max: 2 });
const kafka = new Kafka({ brokers: [stack.KAFKA_BROKERS], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
let server: LakehouseServer | undefined;

/** Records in the topics of the pgbench tables (end offsets summed). */
async function recordsInKafka(): Promise<number> {
  const topics = (await admin.listTopics()).filter((t) => tables.some((table) => t.endsWith(`.${table}`)));
  let total = 0;
  try {
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high);
  } catch (err) {
    // A topic Debezium just created may not have its leader yet: count again on the next poll.
    if ((err as { retriable?: boolean }).retriable) return 0;
    throw err;
  }
  return total;
}

async function query(sqlText: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${server!.url}/api/query?format=ndjson`, { method: 'POST', body: sqlText });
  if (!response.ok) throw new Error(`${sqlText}: ${response.status} ${await response.text()}`);
  return (await response.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

try {
  // 1. Bulk load into Kafka, then serve from an empty folder.
  const loadStarted = performance.now();
  pgbench(stack.PG_URL, '-i', '-I', 'dtpg', '-s', String(scale));
  const loaded = performance.now();
  const expectedRows = new Map<string, number>();
  for (const t of tables) expectedRows.set(t, Number(((await sql.unsafe(`SELECT count(*)::int AS n FROM ${t}`)) as { n: number }[])[0]!.n));
  const expectedRecords = [...expectedRows.values()].reduce((a, b) => a + b, 0);
  while ((await recordsInKafka()) < expectedRecords) await Bun.sleep(500);
  const inKafka = performance.now();
  console.log(
    `pgbench -i -s ${scale}: ${expectedRecords.toLocaleString()} rows loaded in ${seconds(loaded - loadStarted)} s; all in Kafka ${seconds(inKafka - loadStarted)} s after the load started (Debezium: ${Math.round(expectedRecords / ((inKafka - loadStarted) / 1000)).toLocaleString()} rows/s)`,
  );

  server = new LakehouseServer(dataDir, freePort(), stack.KAFKA_BROKERS, join(workDir, 'serve.log'), 'votersbook\\..*');
  const serveStarted = performance.now();
  await server.start();
  const pid = server.pid!;
  for (;;) {
    const counts = await Promise.all(
      tables.map((t) =>
        query(`SELECT count(*) AS n FROM ${t}`)
          .then((r) => Number(r[0]?.n))
          .catch(() => 0),
      ),
    );
    if (counts.every((n, i) => n === expectedRows.get(tables[i]!))) break;
    await Bun.sleep(200);
  }
  const caughtUp = performance.now();
  const bulkCpu = cpuSeconds(pid);
  console.log(
    `serve --kafka from an empty folder: ${expectedRecords.toLocaleString()} rows in silver ${seconds(caughtUp - serveStarted)} s after start: ${Math.round(expectedRecords / ((caughtUp - serveStarted) / 1000)).toLocaleString()} rows/s, ${bulkCpu.toFixed(1)} CPU-s (${((bulkCpu * 1e6) / expectedRecords).toFixed(0)} µs a row)`,
  );

  // 2. Live: pgbench running, a probe measuring commit -> Kafka -> HTTP.
  await sql.unsafe('CREATE TABLE lh_probe (id int PRIMARY KEY, note text)');
  const arrivedInKafka = new Map<number, number>();
  const consumer = kafka.consumer({ groupId: `probe-${Date.now()}` });
  await consumer.connect();
  while (!(await admin.listTopics()).some((t) => t.endsWith('.lh_probe'))) {
    await sql.unsafe('INSERT INTO lh_probe VALUES (0, $1) ON CONFLICT (id) DO NOTHING', ['warm-up']);
    await Bun.sleep(500);
  }
  const probeTopic = (await admin.listTopics()).find((t) => t.endsWith('.lh_probe'))!;
  await consumer.subscribe({ topics: [probeTopic], fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const id = /"id":(\d+)/.exec(message.key?.toString() ?? '')?.[1];
      if (id !== undefined && !arrivedInKafka.has(Number(id))) arrivedInKafka.set(Number(id), performance.now());
    },
  });
  // The probe's table is new to serve: its topic joins the subscription (a resubscribe and a consumer
  // group rebalance) before its first row can be seen. That is timed on its own; freshness is measured
  // once the table exists.
  const probeCreated = performance.now();
  while (Number((await query('SELECT count(*) AS n FROM lh_probe').catch(() => []))[0]?.n ?? 0) < 1) await Bun.sleep(100);
  console.log(
    `a new table (lh_probe) in silver ${seconds(performance.now() - probeCreated)} s after its topic appeared (serve resubscribes on a topic change)`,
  );

  const cpuBefore = cpuSeconds(pid);
  const live = pgbenchCommand(stack.PG_URL, ['-c', String(clients), '-j', '2', '-T', String(liveSeconds), '-n', ...(rate ? ['-R', String(rate)] : [])]);
  const bench = Bun.spawn(live.cmd, { env: live.env, stdout: 'pipe', stderr: 'pipe' });
  const benchOut = new Response(bench.stdout).text();
  const total: number[] = [];
  const debezium: number[] = [];
  const lakehouse: number[] = [];
  const liveEnds = performance.now() + liveSeconds * 1000;
  for (let id = 1; performance.now() < liveEnds; id++) {
    await sql.unsafe('INSERT INTO lh_probe VALUES ($1, $2)', [id, 'probe']);
    const committed = performance.now();
    const deadline = committed + 30_000;
    while (performance.now() < deadline) {
      const rows = await query(`SELECT count(*) AS n FROM lh_probe WHERE id = ${id}`).catch(() => []);
      if (Number(rows[0]?.n) === 1) break;
      // Polled at 40 Hz: each poll is a query through serve's SQL workers, load on the thing measured.
      await Bun.sleep(25);
    }
    const visible = performance.now();
    const kafkaAt = arrivedInKafka.get(id) ?? visible;
    total.push(visible - committed);
    debezium.push(kafkaAt - committed);
    lakehouse.push(visible - kafkaAt);
    await Bun.sleep(200);
  }
  await bench.exited;
  const liveCpu = cpuSeconds(pid) - cpuBefore;
  const tps = /tps = ([\d.]+)/.exec(await benchOut)?.[1];
  await consumer.disconnect();
  const line = (name: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${name} p50 ${percentile(s, 50).toFixed(0)} ms, p99 ${percentile(s, 99).toFixed(0)} ms, max ${s[s.length - 1]!.toFixed(0)} ms`;
  };
  console.log(
    `pgbench -c ${clients} -T ${liveSeconds}${rate ? ` -R ${rate}` : ''}: ${tps} tps; serve used ${((100 * liveCpu) / liveSeconds).toFixed(0)}% of a core`,
  );
  console.log(`freshness over ${total.length} probes (COMMIT -> visible over HTTP): ${line('total', total)}`);
  console.log(`  of which COMMIT -> in Kafka (Debezium): ${line('', debezium)}`);
  console.log(`  of which Kafka -> visible (lakehouse):  ${line('', lakehouse)}`);
} finally {
  await server?.stop().catch(() => {});
  await admin.disconnect();
  await sql.close();
  await stackDown(stackEnv, '--purge');
  rmSync(workDir, { recursive: true, force: true });
}

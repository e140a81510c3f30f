import { votersBookGold } from '../../src/gold/index.ts';
/**
 * Gold query latency while ingest runs. Figures only, never asserted.
 *   bun test/bench/api-gold-query.bench.ts [seconds=20] [events_per_second=10000] [requests_per_second=500] [thread|main]
 * This process runs `serve`'s stack (pipeline + API on Bun.serve, loopback, ephemeral port; the API in
 * its own thread with `thread`, the default, or on the pipeline's thread with `main`) and feeds
 * it the voters book's Debezium records (20,000 up front, then the given rate in batches every 100 ms;
 * rate 0: no ingest during the measurement). A separate process
 * (this file with --load) sends an open-loop schedule of requests (one every 1/rate s, never waiting
 * for answers) for a bounded time, and reports latency percentiles per endpoint (from each request's
 * scheduled time, so a stall counts against every request it delays):
 *   GET  /health                         (control: what the machine and loopback cost by themselves)
 *   GET  /api/tables/poll_results/rows   (the gold table's serving copy)
 *   POST /api/query  SELECT * FROM poll_results WHERE poll_name = ...   (SQL through the query workers)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/log.ts';
import { Pipeline, PipelineView } from '../../src/pipeline/index.ts';
import { startServer, startServerThread } from '../../src/api/index.ts';
import type { KafkaRecord } from '../../src/cdc/index.ts';
import { votersNdjson } from './voters-ndjson.ts';
import { BENCH_CACHE } from './bench-tables.ts';

const PRELOAD = 20_000;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function load(base: string, seconds: number, rps: number) {
  const targets: [string, () => Promise<Response>][] = [
    ['GET /health (control: a constant answer)', () => fetch(`${base}/health`)],
    ['GET /api/tables/poll_results/rows', () => fetch(`${base}/api/tables/poll_results/rows`)],
    [
      'POST /api/query (gold SELECT)',
      () =>
        fetch(`${base}/api/query`, { method: 'POST', body: `SELECT answer, votes FROM poll_results WHERE poll_name = 'School calendar' ORDER BY votes DESC` }),
    ],
  ];
  for (const [, request] of targets) for (let i = 0; i < 200; i++) await (await request()).arrayBuffer(); // warm-up: workers, JIT
  for (const [name, request] of targets) {
    const latencies: number[] = [];
    let failed = 0;
    const total = Math.round(seconds * rps);
    const started = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rps;
      const wait = due - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      // From the scheduled time, or from the send when a timer fired early.
      const from = Math.min(due, performance.now());
      inflight.push(
        request().then(
          async (res) => {
            await res.arrayBuffer();
            if (res.ok) latencies.push(performance.now() - from);
            else failed++;
          },
          () => void failed++,
        ),
      );
    }
    await Promise.all(inflight);
    latencies.sort((a, b) => a - b);
    const achieved = (total / ((performance.now() - started) / 1000)).toFixed(0);
    console.log(
      `${name}: ${latencies.length} ok, ${failed} failed, ~${achieved} req/s; latency ms p50 ${percentile(latencies, 50).toFixed(2)} p90 ${percentile(latencies, 90).toFixed(2)} p99 ${percentile(latencies, 99).toFixed(2)} max ${latencies[latencies.length - 1]!.toFixed(2)}`,
    );
  }
}

async function main() {
  const [seconds = 20, eventsPerSecond = 10_000, rps = 500] = process.argv.slice(2, 5).map(Number);
  const onMainThread = process.argv[5] === 'main';
  const ndjson = await votersNdjson(200_000, 3, join(BENCH_CACHE, 'voters-200000-3.ndjson'));
  const records: KafkaRecord[] = (await Bun.file(ndjson).text())
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-bench-gold-'));
  const pipeline = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  const view = new PipelineView(pipeline, { status: 'ok', source: { kind: 'file' }, startedAt: Date.now(), lag: () => 0 });
  const server = onMainThread ? startServer(view, { host: '127.0.0.1', port: 0 }) : await startServerThread(view, { host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${server.port}`;
  console.log(
    `API ${onMainThread ? 'on the pipeline thread' : 'in its own thread'}; ingest target ${eventsPerSecond}/s; ${rps} req/s for ${seconds} s per endpoint`,
  );

  // A head start so gold has rows, then a batch every 100 ms at the target rate for the whole run.
  let fed = 0;
  for (; fed < PRELOAD; fed += 2000) await pipeline.process(records.slice(fed, fed + 2000));
  let stop = false;
  const batch = Math.round(eventsPerSecond / 10);
  const ingestStarted = performance.now();
  const ingest = (async () => {
    for (let tick = 0; batch > 0 && !stop && fed < records.length; tick++) {
      const due = ingestStarted + tick * 100;
      const wait = due - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      const slice = records.slice(fed, fed + batch);
      await pipeline.process(slice);
      fed += slice.length;
    }
  })();
  const loadProc = Bun.spawn([process.execPath, import.meta.path, '--load', base, String(seconds), String(rps)], { stdout: 'inherit', stderr: 'inherit' });
  await loadProc.exited;
  stop = true;
  await ingest;
  const elapsed = (performance.now() - ingestStarted) / 1000;
  fed -= PRELOAD;
  console.log(`ingest: ${fed} records in ${elapsed.toFixed(1)} s = ${(fed / elapsed).toFixed(0)} records/s (target ${eventsPerSecond})`);
  await server.stop(true);
  pipeline.close();
  rmSync(dataDir, { recursive: true, force: true });
}

if (process.argv[2] === '--load') await load(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
else await main();

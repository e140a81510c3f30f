/**
 * `lakehouse serve`: the composition root. It picks the source (the embedded simulator, or Kafka),
 * opens the pipeline, starts the API, and runs until Ctrl-C, then stops cleanly: the batch in flight
 * commits, nothing is lost, and a restart resumes from the committed positions.
 */
import { basename, join, relative } from 'node:path';
import { createLogger } from '../../core/log.ts';
import { appendFileSync, mkdirSync } from 'node:fs';
import { Pipeline, PipelineView, type RunStatus } from '../../pipeline/index.ts';
import { bindAddress, startServerThread } from '../../api/index.ts';
import { openSource } from '../../source/registry.ts';
import { pipelineOptions } from '../pipeline-options.ts';
import { resolveLocations } from '../locations.ts';
import { startTui } from '../start-tui.ts';
import type { CommandContext } from '../command.ts';
import type { serveSpec } from './specs.ts';

import { isRemote } from '../table-ref.ts';
import { CatalogSync } from '../../iceberg/index.ts';
import { ErrorCode, Interrupted, LakehouseError } from '../../core/errors.ts';

/** How often serve brings the Iceberg catalog's entries up to date. */
const CATALOG_SYNC_EVERY_MS = 5_000;
/** How often an idle serve looks for maintenance handed over by the CLI. */
const MAINTENANCE_POLL_MS = 500;
const STOP_GRACE_MS = 3_000;

/** A signal that aborts `ms` after `signal` does. */
function afterGrace(signal: AbortSignal, ms: number): AbortSignal {
  const delayed = new AbortController();
  const arm = () => setTimeout(() => delayed.abort(signal.reason), ms).unref();
  if (signal.aborted) arm();
  else signal.addEventListener('abort', arm, { once: true });
  return delayed.signal;
}

/** How often a running serve publishes gold's Delta tables at most (the API's gold rows refresh every batch). */
const GOLD_PUBLISH_EVERY_MS = 5_000;

export async function run({ args, log: terminalLog, stopSignal }: CommandContext<typeof serveSpec>): Promise<number> {
  const f = args.flags;
  // The token rule first: a refused --host must leave no trace in --data.
  const host = await bindAddress(f.host, f.token);
  const { tables, state: dataDir } = resolveLocations(f.data, f.state);
  // With the TUI on this terminal, log lines would tear its screen: they go to a file instead.
  const logFile = join(dataDir, 'lakehouse.log');
  const log = f.tui ? createLogger({ format: f['log-format'], level: f['log-level'], write: (line) => appendFileSync(logFile, line + '\n') }) : terminalLog;
  if (f.tui) mkdirSync(dataDir, { recursive: true });
  const { source, description } = await openSource({
    kafka: f.kafka,
    topics: f.topics,
    file: f.file,
    rate: f.rate,
    seed: f.seed,
    maxLatencyMs: f['max-latency'],
    stateDir: dataDir,
    env: process.env,
    log,
  });
  const status: RunStatus = {
    status: 'starting',
    source: source.info,
    startedAt: Date.now(),
    lag: () => source.lag(),
    partitionLag: source.partitionLag && (() => source.partitionLag!()),
    sourceHealth: source.health && (() => source.health!()),
  };

  if (f.catalog && isRemote(tables))
    throw new LakehouseError(ErrorCode.unsupported, '--catalog needs the tables in a local folder', { hint: 'drop --catalog, or use a local --data' });
  const catalog = f.catalog ? await CatalogSync.open(f.catalog, tables, log) : undefined;
  // On a stop, the batch in flight finishes (a live batch takes well under a second), so a stopped
  // serve leaves silver level with bronze. One still running STOP_GRACE_MS later (a catch-up over
  // thousands of tables) ends between silver tables (Interrupted); the next run replays the rest.
  const pipeline = await Pipeline.open({
    ...pipelineOptions(f, { tables, state: dataDir }, log),
    periodicVacuum: true,
    goldPublishEveryMs: GOLD_PUBLISH_EVERY_MS,
    stop: afterGrace(stopSignal, STOP_GRACE_MS),
  }).catch((err: unknown) => {
    if (err instanceof Interrupted) return undefined;
    throw err;
  });
  if (!pipeline) {
    log.info('stopped while catching up; run the same command to resume');
    return 0;
  }
  let lastCatalogSync = 0;
  const syncCatalog = async () => {
    lastCatalogSync = Date.now();
    // A catalog that is down must not stop the pipeline: its entries catch up on a later batch.
    await catalog!.sync().catch((err: Error) => log.warn('catalog update failed; retrying later', { error: err.message }));
  };
  if (catalog) await syncCatalog();
  const view = new PipelineView(pipeline, status);
  const server = await startServerThread(view, { host, port: f.port, token: f.token });
  const url = `http://${server.hostname}:${server.port}`;
  status.status = 'ok';
  if (f.tui) terminalLog.info('logging to a file while the TUI runs', { file: logFile });
  else printWelcome(url, tables, description);

  const publishTimer = setInterval(
    () => void pipeline.publishDueGold().catch((err: Error) => log.warn('gold publish failed; retrying', { error: err.message })),
    1_000,
  );
  publishTimer.unref();

  let batches = 0;
  const running = source.run(
    async (records) => {
      const s = await pipeline.process(records).catch((err: unknown) => {
        if (err instanceof Interrupted) return undefined;
        throw err;
      });
      if (!s) return;
      if (catalog && Date.now() - lastCatalogSync > CATALOG_SYNC_EVERY_MS) await syncCatalog();
      if (++batches % 20 === 0 || s.quarantined > 0) {
        log.info('batch committed', { records: s.records, applied: s.applied, duplicates: s.duplicates, quarantined: s.quarantined, bronze: s.bronzeVersion });
      }
    },
    pipeline.resumePositions(),
    stopSignal,
  );

  const tui = f.tui ? startTui(url) : undefined;
  // Maintenance handed over by the CLI runs after each batch, and from here while no batch comes.
  let askingForMaintenance = false;
  const maintenanceTimer = setInterval(() => {
    if (askingForMaintenance) return;
    askingForMaintenance = true;
    pipeline
      .serveMaintenanceRequests()
      .catch((err: Error) => log.warn('reading maintenance requests failed', { error: err.message }))
      .finally(() => (askingForMaintenance = false));
  }, MAINTENANCE_POLL_MS);

  try {
    await Promise.race([running, tui ?? new Promise(() => {})]);
  } catch (err) {
    status.status = 'degraded';
    throw err;
  } finally {
    clearInterval(maintenanceTimer);
    status.status = 'stopping';
    log.info('stopping: finishing the batch in flight');
    clearInterval(publishTimer);
    await server.stop();
    await running.catch(() => {});
    await pipeline.settled();
    await pipeline.publishPendingGold().catch((err: Error) => log.warn('gold publish failed; the next start publishes it', { error: err.message }));
    pipeline.close();
  }
  log.info('stopped cleanly; run the same command to resume');
  return 0;
}

/** How the user can call this binary again from here: ./lakehouse when it sits below the working folder. */
function selfCommand(): string {
  if (basename(process.execPath) !== 'lakehouse') return 'lakehouse';
  const rel = relative(process.cwd(), process.execPath);
  return rel.startsWith('..') ? process.execPath : `./${rel}`;
}

function printWelcome(url: string, dataDir: string, source: string) {
  const me = selfCommand();
  const lines = [
    '',
    `  lakehouse is running`,
    `    source     ${source}`,
    `    data       ${dataDir}`,
    `    api        ${url}`,
    '',
    '  try',
    `    curl ${url}/health`,
    `    curl ${url}/api/tables`,
    `    curl '${url}/api/tables/voters/rows?limit=5'`,
    `    curl ${url}/api/tables/poll_results/rows`,
    `    ${me} tui --url ${url}`,
    `    ${me} cat voters --data ${dataDir} --format ndjson`,
    '',
    '  Ctrl-C stops cleanly; running it again resumes where it stopped.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/**
 * Runs the API in its own thread, so answering never waits for ingest: the pipeline's batches run
 * synchronous stretches (Parquet encoding, SQLite writes) of tens to hundreds of milliseconds on the
 * main thread, and a server on that thread answers only between them. The server thread reads
 * lakehouse.db itself for SQL and the change feed; the main thread pushes health and metrics a few
 * times a second, forwards live changes, and answers table metadata and rows calls between batches.
 */
import { ErrorCode, LakehouseError, asLakehouseError } from '../core/errors.ts';
import type { ChangeRecord, LakehouseView } from '../pipeline/lakehouse-view.ts';
import { bindAddress, type ServerOptions } from './server.ts';
import type { FromServerThread, RemoteMethod, ToServerThread } from './server-thread-protocol.ts';
import { workerUrl } from '../core/worker-url.ts';

const STATE_EVERY_MS = 250;
const serverWorker = workerUrl('api/server-worker.ts', new URL('./server-worker.ts', import.meta.url));

export interface ServerThread {
  hostname: string;
  port: number;
  stop(): Promise<void>;
}

export async function startServerThread(view: LakehouseView, options: ServerOptions): Promise<ServerThread> {
  const host = await bindAddress(options.host, options.token);
  const worker = new Worker(serverWorker);
  const send = (m: ToServerThread) => worker.postMessage(m);
  const pushState = () => send({ type: 'state', health: view.health(), metrics: view.metrics() });

  // One message per burst: the change feed calls listeners in a loop once a batch has committed. Only
  // while the server thread has listeners: copying every change across threads costs a batch ~5%.
  let burst: ChangeRecord[] = [];
  let watching = false;
  const unsubscribe = view.onChange((change) => {
    if (!watching) return;
    if (burst.length === 0) {
      queueMicrotask(() => {
        const changes = burst;
        burst = [];
        send({ type: 'changes', changes });
      });
    }
    burst.push(change);
  });

  const calls: Record<RemoteMethod, (args: unknown[]) => Promise<unknown>> = {
    tables: () => view.tables(),
    table: ([name]) => view.table(name as string),
    history: ([name]) => view.history(name as string),
    rows: ([name, query]) => view.rows(name as string, query as Parameters<LakehouseView['rows']>[1]),
  };

  let stopped: (() => void) | undefined;
  const listening = new Promise<{ hostname: string; port: number }>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<FromServerThread>) => {
      const m = event.data;
      if (m.type === 'listening') resolve(m);
      else if (m.type === 'failed') reject(new LakehouseError(m.error.code as ErrorCode, m.error.message, { hint: m.error.hint }));
      else if (m.type === 'stopped') stopped?.();
      else if (m.type === 'watching') watching = m.live;
      else if (m.type === 'call') {
        calls[m.method](m.args).then(
          (value) => send({ type: 'result', id: m.id, value }),
          (err) => {
            const e = asLakehouseError(err);
            send({ type: 'result', id: m.id, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } });
          },
        );
      }
    };
    worker.onerror = (event) => reject(new LakehouseError(ErrorCode.internal, `internal error (a bug, please report it): API thread failed: ${event.message}`));
  });
  pushState();
  send({ type: 'start', dataDir: view.dataDir, host, port: options.port, token: options.token, heartbeatMs: options.heartbeatMs });
  const timer = setInterval(pushState, STATE_EVERY_MS);
  timer.unref();
  let address: { hostname: string; port: number };
  try {
    address = await listening;
  } catch (err) {
    clearInterval(timer);
    unsubscribe();
    worker.terminate();
    throw err;
  }
  return {
    ...address,
    stop: async () => {
      clearInterval(timer);
      unsubscribe();
      await new Promise<void>((resolve) => {
        stopped = resolve;
        send({ type: 'stop' });
      });
      worker.terminate();
    },
  };
}

/** The API server thread: Bun.serve and the hono app over a RemoteView (see server-thread.ts). */
import { asLakehouseError } from '../core/errors.ts';
import { RemoteView } from './remote-view.ts';
import { startServer } from './server.ts';
import { QueryEngine } from './sql-engine.ts';
import type { FromServerThread, ToServerThread } from './server-thread-protocol.ts';

declare const self: Worker;

let view: RemoteView | undefined;
let server: ReturnType<typeof startServer> | undefined;
let engine: QueryEngine | undefined;
let initial: Extract<ToServerThread, { type: 'state' }> | undefined;

const post = (m: FromServerThread) => self.postMessage(m);

self.onmessage = (event: MessageEvent<ToServerThread>) => {
  const m = event.data;
  switch (m.type) {
    case 'state':
      if (view) view.update(m);
      else initial = m;
      break;
    case 'start':
      try {
        view = new RemoteView(
          m.dataDir,
          (id, method, args) => post({ type: 'call', id, method, args }),
          initial!,
          (live) => post({ type: 'watching', live }),
        );
        engine = new QueryEngine(m.dataDir);
        server = startServer(view, { host: m.host, port: m.port, token: m.token, heartbeatMs: m.heartbeatMs, queryEngine: engine });
        post({ type: 'listening', hostname: server.hostname ?? m.host, port: server.port ?? m.port });
      } catch (err) {
        const e = asLakehouseError(err);
        post({ type: 'failed', error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } });
      }
      break;
    case 'changes':
      view?.deliver(m.changes);
      break;
    case 'result':
      view?.settle(m.id, m.value, m.error);
      break;
    case 'stop':
      server?.stop(true);
      engine?.close();
      view?.close();
      post({ type: 'stopped' });
      break;
  }
};

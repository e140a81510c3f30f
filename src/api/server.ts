/** Binds the API with Bun.serve. Refuses a non-loopback address without a token. */
import { LakehouseError, ErrorCode } from '../core/errors.ts';
import type { LakehouseView } from '../pipeline/lakehouse-view.ts';
import { createApp, type ApiOptions } from './app.ts';

export interface ServerOptions extends ApiOptions {
  host: string;
  port: number;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

export function startServer(view: LakehouseView, options: ServerOptions) {
  if (!isLoopback(options.host) && !options.token) {
    throw new LakehouseError(ErrorCode.config, `refusing to listen on ${options.host} without a token`, {
      hint: 'pass --token SECRET (clients send Authorization: Bearer SECRET), or bind to 127.0.0.1',
    });
  }
  const app = createApp(view, options);
  try {
    return Bun.serve({ hostname: options.host, port: options.port, fetch: app.fetch, idleTimeout: 0 });
  } catch (err) {
    if ((err as { code?: string }).code === 'EADDRINUSE') {
      throw new LakehouseError(ErrorCode.unavailable, `port ${options.port} on ${options.host} is already in use`, {
        hint: 'stop the other process or pass --port N',
      });
    }
    throw err;
  }
}

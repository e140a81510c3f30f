/**
 * Binds the API with Bun.serve. Refuses an address other than loopback without a token, judged by the
 * address bound, not the name given: a name is resolved first (bindAddress) and the server binds what
 * was checked.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { LakehouseError, ErrorCode } from '../core/errors.ts';
import type { LakehouseView } from '../pipeline/lakehouse-view.ts';
import { createApp, type ApiOptions } from './app.ts';

export interface ServerOptions extends ApiOptions {
  host: string;
  port: number;
}

/** A loopback IP address (127.0.0.0/8, ::1, or 127.x mapped into IPv6); a name is none. */
const isLoopbackAddress = (address: string) =>
  (isIP(address) === 4 && address.startsWith('127.')) || address === '::1' || (isIP(address) === 6 && /^::ffff:127\.\d+\.\d+\.\d+$/i.test(address));

const refusal = (host: string, address: string) =>
  new LakehouseError(
    ErrorCode.config,
    `refusing to listen on ${host}${address === host ? '' : ` (${address})`} without a token: it is not a loopback address`,
    {
      hint: 'pass --token SECRET (clients send Authorization: Bearer SECRET), or bind to 127.0.0.1',
    },
  );

const resolveAll = async (name: string) => (await lookup(name, { all: true })).map((a) => a.address);

/**
 * The address to bind for --host: the host resolved (every address it names must pass the token rule),
 * so the check is on what is bound. Fails before anything is opened or created.
 */
export async function bindAddress(host: string, token: string | undefined, resolveName = resolveAll): Promise<string> {
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolveName(host);
  } catch (err) {
    throw new LakehouseError(ErrorCode.config, `cannot resolve --host ${host}: ${(err as Error).message}`, { hint: 'pass an IP address, e.g. 127.0.0.1' });
  }
  const exposed = addresses.find((a) => !isLoopbackAddress(a));
  if (exposed !== undefined && !token) throw refusal(host, exposed);
  return addresses[0]!;
}

/** Binds options.host, an IP address (bindAddress resolves a name); one that is not loopback needs a token. */
export function startServer(view: LakehouseView, options: ServerOptions) {
  if (!isLoopbackAddress(options.host) && !options.token) throw refusal(options.host, options.host);
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

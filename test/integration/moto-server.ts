/**
 * A real S3-compatible server on loopback for tests: moto in server mode, installed by
 * test/setup/python-deps.sh. Each call starts its own server on a free port.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

/** Runs test/setup/python-deps.sh (pass 'spark' to include pyspark + delta-spark). */
export function installPythonDeps(...args: string[]): void {
  const setup = Bun.spawnSync(['bash', join(import.meta.dir, '../setup/python-deps.sh'), ...args], { stdout: 'inherit', stderr: 'inherit' });
  if (setup.exitCode !== 0) throw new Error('test/setup/python-deps.sh failed');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const proc = Bun.spawn(['python3', '-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdout: 'ignore', stderr: 'pipe' });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).status < 500) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) throw new Error(`moto server exited: ${await new Response(proc.stderr).text()}`);
    if (Date.now() > deadline) throw new Error('moto server did not start within 30 s');
    await Bun.sleep(100);
  }
  return {
    endpoint,
    async stop() {
      proc.kill();
      await proc.exited;
    },
  };
}

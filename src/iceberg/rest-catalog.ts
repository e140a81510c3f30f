/**
 * The few calls of the Iceberg REST catalog API (the OpenAPI spec in apache/iceberg, open-api/) that
 * registration needs: config, create namespace, register a table by its metadata file, drop it.
 */
import { ErrorCode, LakehouseError } from '../core/errors.ts';

export class RestCatalog {
  private constructor(
    private readonly base: string,
    readonly url: string,
  ) {}

  /** Connects to the catalog at `url` (GET /v1/config, which also says the path prefix, if any). */
  static async connect(url: string): Promise<RestCatalog> {
    const root = url.replace(/\/+$/, '');
    const config = (await call(`${root}/v1/config`, { method: 'GET' }, 'read the catalog config')) as {
      overrides?: Record<string, string>;
      defaults?: Record<string, string>;
    };
    const prefix = config.overrides?.prefix ?? config.defaults?.prefix;
    return new RestCatalog(prefix ? `${root}/v1/${encodeURIComponent(prefix)}` : `${root}/v1`, root);
  }

  async ensureNamespace(namespace: string): Promise<void> {
    await call(`${this.base}/namespaces`, { method: 'POST', body: JSON.stringify({ namespace: [namespace] }) }, `create namespace ${namespace}`, [409]);
  }

  /**
   * Points `namespace.name` at a metadata file: registers it, or, when the table is registered
   * already, drops the entry (never the files) and registers it again.
   */
  async register(namespace: string, name: string, metadataLocation: string): Promise<void> {
    const body = JSON.stringify({ name, 'metadata-location': metadataLocation });
    const registered = await call(
      `${this.base}/namespaces/${encodeURIComponent(namespace)}/register`,
      { method: 'POST', body },
      `register ${namespace}.${name}`,
      [409],
    );
    if (registered !== undefined) return;
    await this.drop(namespace, name);
    await call(`${this.base}/namespaces/${encodeURIComponent(namespace)}/register`, { method: 'POST', body }, `register ${namespace}.${name}`);
  }

  /** Removes the entry (never the files); nothing when there is none. */
  async drop(namespace: string, name: string): Promise<void> {
    await call(
      `${this.base}/namespaces/${encodeURIComponent(namespace)}/tables/${encodeURIComponent(name)}?purgeRequested=false`,
      { method: 'DELETE' },
      `drop ${namespace}.${name}`,
      [404],
    );
  }
}

/** The JSON answer, or undefined for an accepted status in `tolerated`. */
async function call(url: string, init: RequestInit, what: string, tolerated: number[] = []): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { 'content-type': 'application/json' } });
  } catch (err) {
    throw new LakehouseError(ErrorCode.unavailable, `catalog at ${url} did not answer (${what}): ${(err as Error).message}`, {
      retryable: true,
      hint: 'check --catalog: the URL of an Iceberg REST catalog',
    });
  }
  if (tolerated.includes(response.status)) return undefined;
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: the text as it is
    }
    throw new LakehouseError(ErrorCode.unavailable, `catalog refused to ${what}: HTTP ${response.status} ${message}`, { retryable: response.status >= 500 });
  }
  return text ? JSON.parse(text) : {};
}

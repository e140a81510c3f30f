import { isHealth, isHistory, isRowsPage, isTableDetail, isTableList } from './api-shape.ts';
import type { Health, HistoryEntry, RowsPage, TableDetail, TableSummary } from './api-types.ts';

/**
 * A failed API call, in a form the screen can show in one line. `unreachable` means no HTTP answer at all
 * (server down, refused, timed out); `http` means the server answered with an error status.
 */
export class ApiError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'http',
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type RowsQuery = { limit?: number; offset?: number; version?: number };

export type ApiClient = {
  readonly baseUrl: string;
  health(signal?: AbortSignal): Promise<Health>;
  tables(signal?: AbortSignal): Promise<TableSummary[]>;
  table(name: string, signal?: AbortSignal): Promise<TableDetail>;
  history(name: string, signal?: AbortSignal): Promise<HistoryEntry[]>;
  rows(name: string, query?: RowsQuery, signal?: AbortSignal): Promise<RowsPage>;
};

const REQUEST_TIMEOUT_MS = 5_000;

/** Strips trailing slashes so paths can be appended with a single "/". */
export function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

export function createApiClient(url: string): ApiClient {
  const baseUrl = normalizeBaseUrl(url);

  async function getJson<T>(path: string, isExpected: (body: unknown) => body is T, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(baseUrl + path, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new ApiError('unreachable', `cannot reach ${baseUrl}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new ApiError('http', `${path}: HTTP ${response.status} with a body that is not JSON`, response.status);
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError('http', `${path}: ${error?.message ?? `HTTP ${response.status}`}`, response.status, error?.code);
    }
    if (!isExpected(body)) throw new ApiError('http', `${path}: the answer is not what this TUI expects`, response.status);
    return body;
  }

  const tablePath = (name: string) => `/api/tables/${encodeURIComponent(name)}`;

  return {
    baseUrl,
    health: (signal) => getJson('/health', isHealth, signal),
    tables: async (signal) => (await getJson('/api/tables', isTableList, signal)).tables,
    table: (name, signal) => getJson(tablePath(name), isTableDetail, signal),
    history: async (name, signal) => (await getJson(`${tablePath(name)}/history`, isHistory, signal)).history,
    rows: (name, query = {}, signal) => {
      const params = new URLSearchParams();
      if (query.limit !== undefined) params.set('limit', String(query.limit));
      if (query.offset !== undefined) params.set('offset', String(query.offset));
      if (query.version !== undefined) params.set('version', String(query.version));
      const search = params.size > 0 ? `?${params}` : '';
      return getJson(`${tablePath(name)}/rows${search}`, isRowsPage, signal);
    },
  };
}

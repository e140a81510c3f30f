/**
 * The HTTP API: a hono app over a LakehouseView. Routes are small; errors are mapped in one place.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { invalidInput, LakehouseError, ErrorCode, notFound } from '../core/errors.ts';
import type { LakehouseView, ChangeRecord } from '../pipeline/lakehouse-view.ts';
import { errorResponse } from './errors.ts';
import { encodeRows, negotiateFormat, rowFormat } from './row-formats/index.ts';
import { QueryEngine } from './sql-engine.ts';
import { openApiDocument, queryParameterNames, TIMESTAMP_PATTERN, type ApiPath } from './openapi.ts';
import type { MiddlewareHandler } from 'hono';
import pkg from '../../package.json' with { type: 'json' };

export interface ApiOptions {
  /** When set, every /api and /metrics request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** How often an idle change stream sends a keep-alive comment. */
  heartbeatMs?: number;
  /** Runs POST /api/query; by default one is started on first use over the view's data folder. */
  queryEngine?: QueryEngine;
}

const MAX_SQL_BYTES = 1_000_000;

const intParam = (value: string | undefined, name: string, fallback: number | undefined, max = Number.MAX_SAFE_INTEGER) => {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n)) throw invalidInput(`query parameter ${name} must be a whole number >= 0, got '${value}'`);
  if (n > max) throw new LakehouseError(ErrorCode.limit, `query parameter ${name} is at most ${max}, got ${n}`);
  return n;
};

const timestampParam = (value: string | undefined) => {
  if (value === undefined) return undefined;
  const ms = !new RegExp(TIMESTAMP_PATTERN).test(value) ? Number.NaN : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) throw invalidInput(`query parameter timestamp must be ISO-8601 or epoch milliseconds, got '${value}'`);
  return ms;
};

/** Rejects a query parameter the OpenAPI document does not list for the path (a typo would otherwise be ignored). */
function knownParams(path: ApiPath): MiddlewareHandler {
  const known = queryParameterNames(path);
  return async function onlyKnownQueryParams(c, next) {
    const unknown = Object.keys(c.req.query()).filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      throw invalidInput(
        `unknown query parameter ${unknown.map((n) => `'${n}'`).join(', ')} for ${path}`,
        known.length > 0 ? `known: ${known.join(', ')}` : `${path} takes no query parameters`,
      );
    }
    return next();
  };
}

/** Each documented path as a pattern, with its methods: a path the API has, asked with another method, is a 405. */
const documentedRoutes = Object.entries(openApiDocument('').paths).map(([path, operations]) => ({
  pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '.+')}$`),
  methods: Object.keys(operations).map((m) => m.toUpperCase()),
}));
const documentedMethods = (path: string) => [...new Set(documentedRoutes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))];

export function createApp(view: LakehouseView, options: ApiOptions = {}) {
  const app = new Hono();
  const heartbeatMs = options.heartbeatMs ?? 15_000;

  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) => {
    const allowed = documentedMethods(c.req.path);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      const error = { code: 'method_not_allowed', message: `${c.req.method} is not allowed on ${c.req.path}`, hint: `allowed: ${allowed.join(', ')}` };
      return c.json({ error }, 405, { allow: allowed.join(', ') });
    }
    return errorResponse(c, notFound(`no route ${c.req.method} ${c.req.path}`, 'see GET /api/openapi.json'));
  });

  if (options.token) {
    const expected = `Bearer ${options.token}`;
    app.use('*', async function bearerAuth(c, next) {
      if (c.req.path === '/health') return next();
      if (c.req.header('authorization') !== expected) {
        return c.json({ error: { code: 'unauthorized', message: 'missing or wrong bearer token' } }, 401);
      }
      return next();
    });
  }

  app.use('/api/*', async function refuseWhileStarting(c, next) {
    if (view.status() === 'starting' && c.req.path !== '/api/openapi.json') {
      throw new LakehouseError(ErrorCode.unavailable, 'the server is starting: the pipeline is catching up', {
        hint: 'retry in a few seconds; GET /health says when it is ready',
        retryable: true,
      });
    }
    return next();
  });

  app.get('/api/openapi.json', knownParams('/api/openapi.json'), (c) => c.json(openApiDocument(pkg.version)));

  let engine = options.queryEngine;
  app.post('/api/query', knownParams('/api/query'), async (c) => {
    const q = c.req.query();
    const format = negotiateFormat(q.format, c.req.header('accept'));
    const limit = intParam(q.limit, 'limit', 10_000, 1_000_000)!;
    const timeoutMs = intParam(q.timeout_ms, 'timeout_ms', 10_000, 120_000)!;
    const sql = await sqlOf(await boundedText(c.req.raw, MAX_SQL_BYTES), c.req.header('content-type'));
    engine ??= new QueryEngine(view.dataDir);
    const result = await engine.run(sql, { format, limit, timeoutMs });
    const headers: Record<string, string> = { 'content-type': rowFormat(format).contentType, 'x-row-limit': String(limit) };
    if (result.rowCount !== undefined) headers['x-row-count'] = String(result.rowCount);
    if (result.truncated !== undefined) headers['x-truncated'] = String(result.truncated);
    return c.body(result.body, 200, headers);
  });

  app.get('/health', knownParams('/health'), (c) => {
    const h = view.health();
    return c.json(h, h.status === 'starting' ? 503 : 200);
  });

  app.get('/metrics', knownParams('/metrics'), (c) => c.text(view.metrics(), 200, { 'content-type': 'text/plain; version=0.0.4' }));

  app.get('/api/tables', knownParams('/api/tables'), async (c) => c.json({ tables: await view.tables() }));
  app.get('/api/tables/:name{.+?}/history', knownParams('/api/tables/{name}/history'), async (c) => {
    const limit = intParam(c.req.query('limit'), 'limit', undefined);
    const history = await view.history(c.req.param('name'));
    return c.json({ history: limit === undefined ? history : history.slice(0, limit) });
  });
  app.get('/api/tables/:name{.+?}/rows', knownParams('/api/tables/{name}/rows'), async (c) => {
    const q = c.req.query();
    const limit = intParam(q.limit, 'limit', 100, 100_000)!;
    const offset = intParam(q.offset, 'offset', 0)!;
    const version = intParam(q.version, 'version', undefined);
    const timestamp = timestampParam(q.timestamp);
    const format = rowFormat(negotiateFormat(q.format, c.req.header('accept')));
    const { version: at, rows } = await view.rows(c.req.param('name'), { limit, offset, version, timestamp });
    const columns = rows[0] ? Object.keys(rows[0]) : [];
    return c.body(encodeRows(format, columns, rows, { version: at }), 200, { 'content-type': format.contentType });
  });
  app.get('/api/tables/:name{.+?}', knownParams('/api/tables/{name}'), async (c) => c.json(await view.table(c.req.param('name'))));

  app.get('/api/changes', knownParams('/api/changes'), async (c) => {
    const table = c.req.query('table') || undefined;
    const resumeFrom = intParam(c.req.header('last-event-id') ?? c.req.query('since'), 'Last-Event-ID', undefined);
    if (table !== undefined) {
      const silver = (await view.tables()).filter((t) => t.layer === 'silver').map((t) => t.name);
      if (!silver.includes(table)) throw notFound(`no silver table named '${table}' to follow`, `silver tables: ${silver.join(', ') || 'none yet'}`);
    }
    return streamSSE(c, async (stream) => {
      const queue: ChangeRecord[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = view.onChange((change) => {
        if (table && change.table !== table) return;
        queue.push(change);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      let lastId = resumeFrom ?? Number.MAX_SAFE_INTEGER;
      if (resumeFrom !== undefined) {
        // Replay what the client missed, then drop queued live changes it has now seen.
        for (let batch = view.changesSince(lastId, 1000, table); batch.length > 0; batch = view.changesSince(lastId, 1000, table)) {
          for (const ch of batch) {
            await stream.writeSSE({ id: String(ch.id), event: 'change', data: JSON.stringify(ch) });
            lastId = ch.id;
          }
        }
      }
      while (!stream.aborted) {
        while (queue.length > 0) {
          const ch = queue.shift()!;
          if (resumeFrom !== undefined && ch.id <= lastId) continue;
          await stream.writeSSE({ id: String(ch.id), event: 'change', data: JSON.stringify(ch) });
        }
        const timedOut = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), heartbeatMs);
          wake = () => {
            clearTimeout(timer);
            resolve(false);
          };
        });
        wake = undefined;
        if (timedOut && !stream.aborted) await stream.write(': ping\n\n');
      }
    });
  });

  return app;
}

/**
 * The request body as text, refused with 413 as soon as it passes `max` bytes however it is sent: a
 * chunked body has no Content-Length, so it is counted as it arrives and never held whole.
 */
async function boundedText(req: Request, max: number): Promise<string> {
  const tooLarge = () => new LakehouseError(ErrorCode.tooLarge, `the request body is larger than ${max} bytes`, { hint: 'send one SQL query of at most 1 MB' });
  if (Number(req.headers.get('content-length') ?? 0) > max) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body ?? []) {
    size += chunk.byteLength;
    if (size > max) throw tooLarge(); // leaving the loop cancels the body
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body is the SQL text; a JSON body `{"sql": "..."}` is accepted too. */
function sqlOf(body: string, contentType: string | undefined): string {
  if (!contentType?.includes('application/json')) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw invalidInput('the JSON body is not valid JSON', 'send the SQL as text/plain, or {"sql": "..."}');
  }
  const sql = (parsed as { sql?: unknown })?.sql;
  if (typeof sql !== 'string') throw invalidInput('the JSON body needs a "sql" string member', 'send the SQL as text/plain, or {"sql": "..."}');
  return sql;
}

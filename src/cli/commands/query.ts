/**
 * `lakehouse query`: the SQL of POST /api/query, against a data folder (its SQLite serving copy, opened
 * read-only, through the same query engine) or a running server. Prints a table, or the result in a row
 * format as the API sends it.
 */
import { ErrorCode, LakehouseError, usageError } from '../../core/errors.ts';
import type { RowFormatName } from '../../api/row-formats/index.ts';
import { renderTable } from '../render-table.ts';
import { resolveLocations } from '../locations.ts';
import type { CommandContext } from '../command.ts';
import type { querySpec } from './specs.ts';

export async function run({ args }: CommandContext<typeof querySpec>): Promise<number> {
  const f = args.flags;
  const sql = args.positionals[0]!;
  const format = f.format;
  if (f.url && f.data) throw usageError('pass --data DIR or --url URL, not both');
  const wire = format === 'table' ? 'ndjson' : format;
  const limit = f.limit;
  const timeoutMs = f['timeout-ms'];
  const body = f.url
    ? await fromServer(f.url, f.token, sql, { format: wire, limit, timeoutMs })
    : await fromFolder(resolveLocations(f.data ?? './lakehouse-data', f.state).state, sql, { format: wire, limit, timeoutMs });

  const out = Bun.stdout.writer();
  if (format !== 'table') {
    for await (const chunk of body) out.write(chunk);
    await out.flush();
    return 0;
  }
  const rows: Record<string, unknown>[] = [];
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    text += decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    text = lines.pop()!;
    for (const line of lines) if (line) rows.push(rowOrError(line));
  }
  const columns = rows[0] ? Object.keys(rows[0]) : [];
  out.write(
    renderTable(columns, rows) +
      `(${rows.length} row${rows.length === 1 ? '' : 's'}${rows.length === limit ? `, limit ${limit} reached: pass --limit N for more` : ''})\n`,
  );
  await out.flush();
  return 0;
}

/** A streamed NDJSON line: a row, or the error line that ends a failed stream. */
function rowOrError(line: string): Record<string, unknown> {
  const row = JSON.parse(line) as Record<string, unknown>;
  const error = row.error as { code?: string; message?: string } | undefined;
  if (error && Object.keys(row).length === 1 && typeof error.message === 'string')
    throw new LakehouseError((error.code as ErrorCode) ?? ErrorCode.internal, error.message);
  return row;
}

interface WireOptions {
  format: RowFormatName;
  limit: number;
  timeoutMs: number;
}

async function fromFolder(dataDir: string, sql: string, options: WireOptions): Promise<AsyncIterable<Uint8Array>> {
  const { QueryEngine } = await import('../../api/sql-engine.ts');
  const engine = new QueryEngine(dataDir, 1);
  const result = await engine.run(sql, options);
  return closing(result.body, () => engine.close());
}

async function* closing(body: ReadableStream<Uint8Array>, close: () => void): AsyncIterable<Uint8Array> {
  try {
    yield* body;
  } finally {
    close();
  }
}

async function fromServer(url: string, token: string | undefined, sql: string, options: WireOptions): Promise<AsyncIterable<Uint8Array>> {
  const endpoint = new URL('/api/query', url);
  endpoint.searchParams.set('format', options.format);
  endpoint.searchParams.set('limit', String(options.limit));
  endpoint.searchParams.set('timeout_ms', String(options.timeoutMs));
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      body: sql,
      headers: { 'content-type': 'text/plain', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  } catch (err) {
    throw new LakehouseError(ErrorCode.unavailable, `cannot reach ${url}: ${(err as Error).message}`, {
      hint: "is 'lakehouse serve' running there? check --url",
    });
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; hint?: string } } | null;
    const e = body?.error;
    throw new LakehouseError((e?.code as ErrorCode) ?? ErrorCode.unavailable, e?.message ?? `${url} answered ${res.status}`, { hint: e?.hint });
  }
  return res.body!;
}

// A small HTTP server speaking the API contract the TUI is written against, with canned data, so the TUI can be
// exercised over real HTTP and SSE without the pipeline. Changes pushed with `emit` go to every open stream.
import type { Change, Health, HistoryEntry, Row, TableDetail, TableSummary } from '../../../tui/api-types.ts';

export type ContractData = {
  health: Health;
  tables: TableSummary[];
  details: Record<string, TableDetail>;
  history: Record<string, HistoryEntry[]>;
  /** Rows per table per version. */
  rows: Record<string, Record<number, Row[]>>;
  changes: Change[];
};

export type ContractServer = {
  url: string;
  port: number;
  /** Last-Event-ID headers received, in order (null for a first connection). */
  resumedFrom: (string | null)[];
  emit(change: Change): void;
  /** Ends every open change stream (as a server restart would), without stopping the server. */
  dropStreams(): void;
  stop(): Promise<void>;
};

/** Listens on `port`, or on a free one when 0. */
export function startContractServer(data: ContractData, port = 0): ContractServer {
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  const resumedFrom: (string | null)[] = [];
  const frame = (change: Change) => encoder.encode(`id: ${change.id}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`);

  const server = Bun.serve({
    port,
    idleTimeout: 0,
    fetch(request) {
      const url = new URL(request.url);
      const parts = url.pathname.split('/').filter(Boolean);
      if (url.pathname === '/health') return Response.json(data.health);
      if (url.pathname === '/api/tables') return Response.json({ tables: data.tables });
      if (url.pathname === '/api/changes') {
        const lastId = request.headers.get('last-event-id');
        resumedFrom.push(lastId);
        const after = lastId === null ? -1 : Number(lastId);
        let controller!: ReadableStreamDefaultController<Uint8Array>;
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            controller = c;
            streams.add(c);
            c.enqueue(encoder.encode(': ping\n\n'));
            for (const change of data.changes) if (change.id > after) c.enqueue(frame(change));
          },
          cancel() {
            streams.delete(controller);
          },
        });
        return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
      }
      if (parts[0] === 'api' && parts[1] === 'tables' && parts[2]) {
        // A layer-qualified name (gold.poll_results, silver/voters) names the table as the real server does.
        const name = decodeURIComponent(parts[2]).replace(/^(bronze|silver|gold)[./]/, '');
        const detail = data.details[name];
        if (!detail) return notFound(`table ${name} does not exist`);
        if (parts.length === 3) return Response.json(detail);
        if (parts[3] === 'history') return Response.json({ history: data.history[name] ?? [] });
        if (parts[3] === 'rows') {
          const version = url.searchParams.has('version') ? Number(url.searchParams.get('version')) : detail.version;
          const limit = Number(url.searchParams.get('limit') ?? 50);
          const offset = Number(url.searchParams.get('offset') ?? 0);
          const rows = data.rows[name]?.[version];
          if (!rows) return notFound(`${name} has no version ${version}`);
          return Response.json({ rows: rows.slice(offset, offset + limit), version });
        }
      }
      return notFound(`no route ${url.pathname}`);
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    resumedFrom,
    emit(change) {
      data.changes.push(change);
      for (const stream of streams) stream.enqueue(frame(change));
    },
    dropStreams() {
      for (const stream of streams) stream.close();
      streams.clear();
    },
    stop: () => server.stop(true),
  };
}

function notFound(message: string): Response {
  return Response.json({ error: { code: 'NOT_FOUND', message } }, { status: 404 });
}

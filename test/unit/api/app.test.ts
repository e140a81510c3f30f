import { votersBookGold } from '../../../src/gold/index.ts';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindAddress, createApp, startServer } from '../../../src/api/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { Pipeline, PipelineView } from '../../../src/pipeline/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lh-api-'));
let pipeline: Pipeline;
let view: PipelineView;
const stream = new VoterStream();

beforeAll(async () => {
  pipeline = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  view = new PipelineView(pipeline, { status: 'ok', source: { kind: 'file' }, startedAt: Date.now(), lag: () => 0 });
  await pipeline.process([stream.change('c', 1, null, voter(1, 'Avalon')), stream.change('c', 2, null, voter(2, 'Brightwater'))]);
  await pipeline.process([stream.change('u', 3, voter(1, 'Avalon'), voter(1, 'Cedar Falls'))]);
});
afterAll(() => {
  pipeline.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const app = () => createApp(view, { heartbeatMs: 50 });
const get = (path: string, headers: Record<string, string> = {}) => app().request(path, { headers });

test('health and metrics', async () => {
  const health = await get('/health');
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', versions: { silver: { voters: 2 } } });
  const metrics = await (await get('/metrics')).text();
  expect(metrics).toContain('# TYPE lakehouse_records_in_total counter');
  expect(metrics).toContain('lakehouse_table_version{layer="silver",table="voters"} 2');
});

test('tables, detail, history and rows at the latest and an older version', async () => {
  const tables = (await (await get('/api/tables')).json()) as { tables: { name: string; layer: string; rows: number }[] };
  expect(tables.tables.find((t) => t.name === 'voters')).toMatchObject({ layer: 'silver', rows: 2 });
  expect(tables.tables.find((t) => t.name === 'voters_per_city')).toMatchObject({ layer: 'gold', rows: 2 });
  const detail = (await (await get('/api/tables/voters')).json()) as { protocol: { readerFeatures?: string[] }; files: number };
  expect(detail.protocol.readerFeatures).toContain('deletionVectors');
  const history = (await (await get('/api/tables/voters/history')).json()) as { history: { version: number; operation: string }[] };
  expect(history.history.map((h) => h.version)).toEqual([2, 1, 0]);
  const latest = (await (await get('/api/tables/voters/rows')).json()) as { version: number; rows: { id: number; city: string }[] };
  expect(latest.rows.map((r) => r.city).sort()).toEqual(['Brightwater', 'Cedar Falls']);
  const older = (await (await get('/api/tables/voters/rows?version=1')).json()) as { rows: { city: string }[] };
  expect(older.rows.map((r) => r.city).sort()).toEqual(['Avalon', 'Brightwater']);
  const csv = await (await get('/api/tables/voters_per_city/rows?format=csv')).text();
  expect(csv.split('\n')[0]).toBe('city,voters');
  const ndjson = await get('/api/tables/voters/rows?limit=1', { accept: 'application/x-ndjson' });
  expect(ndjson.headers.get('content-type')).toContain('ndjson');
  expect((await ndjson.text()).trim().split('\n').length).toBe(1);
});

test('errors are JSON with the right status and no stack trace', async () => {
  const unknown = await get('/api/tables/nope/rows');
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
  const badLimit = await get('/api/tables/voters/rows?limit=-1');
  expect(badLimit.status).toBe(400);
  const tooMany = await get('/api/tables/voters/rows?limit=100000000');
  expect(tooMany.status).toBe(422);
  const noVersion = await get('/api/tables/voters/rows?version=99');
  expect(noVersion.status).toBe(404);
  const route = await get('/nowhere');
  expect(route.status).toBe(404);
  expect(JSON.stringify(await route.json())).not.toContain('    at ');
});

test('a history limit gives the newest N commits', async () => {
  const history = (await (await get('/api/tables/voters/history?limit=2')).json()) as { history: { version: number }[] };
  expect(history.history.map((h) => h.version)).toEqual([2, 1]);
});

test('an unknown query parameter is a 400 that names the known ones, on every endpoint', async () => {
  const typo = await get('/api/tables/voters/rows?limt=2');
  expect(typo.status).toBe(400);
  const body = (await typo.json()) as { error: { code: string; message: string; hint: string } };
  expect(body.error.message).toContain("'limt'");
  expect(body.error.hint).toBe('known: limit, offset, version, timestamp, format');
  for (const path of [
    '/health?x=1',
    '/metrics?x=1',
    '/api/tables?x=1',
    '/api/tables/voters?x=1',
    '/api/tables/voters/history?x=1',
    '/api/changes?x=1',
    '/api/openapi.json?x=1',
  ]) {
    const res = await get(path);
    expect([path, res.status]).toEqual([path, 400]);
  }
  const query = await app().request('/api/query?limt=2', { method: 'POST', body: 'SELECT 1' });
  expect(query.status).toBe(400);
});

test('following a table that is not a silver table is a 404 that lists them', async () => {
  const res = await get('/api/changes?table=nope');
  expect(res.status).toBe(404);
  expect(((await res.json()) as { error: { hint: string } }).error.hint).toBe('silver tables: voters');
});

test('the change stream replays after Last-Event-ID and then goes live', async () => {
  const res = await get('/api/changes?table=voters', { 'last-event-id': '1' });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  let text = '';
  const readUntil = async (needle: RegExp) => {
    while (!needle.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  };
  await readUntil(/id: 3/);
  expect(text).not.toContain('id: 1\n');
  expect(text).toContain('"city":"Cedar Falls"');
  await pipeline.process([stream.change('d', 4, voter(2, 'Brightwater'), null)]);
  await readUntil(/id: 4/);
  expect(text).toContain('"op":"d"');
  await reader.cancel();
});

test('a token guards the API, and a public address requires one', async () => {
  const guarded = createApp(view, { token: 's3cret' });
  expect((await guarded.request('/api/tables')).status).toBe(401);
  expect((await guarded.request('/api/tables', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
  expect((await guarded.request('/health')).status).toBe(200);
  expect(() => startServer(view, { host: '0.0.0.0', port: 0 })).toThrow('without a token');
});

test('the token rule judges the address a host name resolves to, not the name', async () => {
  const resolver = (addresses: Record<string, string[]>) => async (name: string) => addresses[name] ?? [];
  const names = resolver({ '127.evil.example': ['0.0.0.0'], 'localhost.example': ['127.0.0.1', '192.0.2.7'], 'lo.example': ['::1', '127.0.0.2'] });
  await expect(bindAddress('127.evil.example', undefined, names)).rejects.toThrow('refusing to listen on 127.evil.example (0.0.0.0) without a token');
  await expect(bindAddress('localhost.example', undefined, names)).rejects.toThrow('(192.0.2.7)');
  expect(await bindAddress('localhost.example', 's3cret', names)).toBe('127.0.0.1');
  expect(await bindAddress('lo.example', undefined, names)).toBe('::1');
  await expect(bindAddress('::', undefined)).rejects.toThrow('without a token');
  expect(await bindAddress('localhost', undefined)).toBe('127.0.0.1');
  // A name is not an address: startServer binds only what bindAddress checked.
  expect(() => startServer(view, { host: 'localhost', port: 0 })).toThrow('without a token');
});

test('a source that retries makes health degraded with its reason; per-partition lag is a metric', async () => {
  const retrying = new PipelineView(pipeline, {
    status: 'ok',
    source: { kind: 'kafka', brokers: '127.0.0.1:9', topics: '.*' },
    startedAt: Date.now(),
    lag: () => 7,
    partitionLag: () => new Map([['votersbook.public.voters:0', 7]]),
    sourceHealth: () => ({ degraded: true, message: 'broker 127.0.0.1:9 unreachable; retrying in 4 s' }),
  });
  const app = createApp(retrying);
  const health = await app.request('/health');
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'degraded', message: 'broker 127.0.0.1:9 unreachable; retrying in 4 s', lag: 7 });
  expect(await (await app.request('/metrics')).text()).toContain('lakehouse_kafka_consumer_lag{partition="0",topic="votersbook.public.voters"} 7');
});

test('a chunked query body over the cap is a 413 before it is all sent, as one with a Content-Length is', async () => {
  const server = startServer(view, { host: '127.0.0.1', port: 0 });
  try {
    const url = `http://127.0.0.1:${server.port}/api/query`;
    const total = 100 * 1024 * 1024;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    // Pull-based: a chunk is made only when the server reads; no Content-Length, so it goes chunked.
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= total) return c.close();
        sent += chunk.byteLength;
        c.enqueue(chunk);
      },
    });
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'too_large' });
    expect(sent).toBeLessThan(total / 4);
    const declared = await fetch(url, { method: 'POST', body: 'x'.repeat(1_000_001), headers: { 'content-type': 'text/plain' } });
    expect(declared.status).toBe(413);
  } finally {
    server.stop(true);
  }
});

import { afterEach, describe, expect, test } from 'bun:test';
import { ApiError, createApiClient, normalizeBaseUrl } from '../../../tui/api-client.ts';
import { startContractServer, type ContractServer } from './contract-server.ts';
import { contractData } from './fixtures.ts';

let server: ContractServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('ApiClient', () => {
  test('reads health, tables, a table, its history and rows at a version', async () => {
    server = startContractServer(contractData());
    const client = createApiClient(`${server.url}/`);
    expect(client.baseUrl).toBe(server.url);
    expect((await client.health()).status).toBe('ok');
    expect((await client.tables()).map((t) => t.name)).toEqual(['voters', 'poll_results', 'voters_per_city']);
    expect((await client.table('voters')).schema.fields.length).toBe(3);
    expect((await client.history('voters'))[0].version).toBe(3);
    expect(await client.rows('voters', { version: 1, limit: 10, offset: 0 })).toEqual({
      rows: [{ id: '42', name: 'Ann', city: 'Oslo' }],
      version: 1,
    });
  });

  test("an error answer becomes an ApiError carrying the server's code and message", async () => {
    server = startContractServer(contractData());
    const error = await createApiClient(server.url)
      .table('nope')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: 'http', status: 404, code: 'NOT_FOUND' });
    expect((error as ApiError).message).toBe('/api/tables/nope: table nope does not exist');
  });

  test('an answer of the wrong shape is a one-line error, not a crash later', async () => {
    const other = Bun.serve({ port: 0, fetch: () => Response.json({ hello: 'world' }) });
    try {
      const error = await createApiClient(`http://127.0.0.1:${other.port}`)
        .health()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'http', message: '/health: the answer is not what this TUI expects' });
    } finally {
      await other.stop(true);
    }
  });

  test('no server is an unreachable ApiError naming the URL', async () => {
    const probe = startContractServer(contractData());
    await probe.stop();
    const error = await createApiClient(probe.url)
      .health()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'unreachable', message: `cannot reach ${probe.url}` });
  });

  test('normalizeBaseUrl drops trailing slashes only', () => {
    expect(normalizeBaseUrl('http://h:1//')).toBe('http://h:1');
    expect(normalizeBaseUrl('http://h:1/base')).toBe('http://h:1/base');
  });
});

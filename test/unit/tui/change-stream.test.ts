import { afterEach, describe, expect, test } from 'bun:test';
import type { Change } from '../../../tui/api-types.ts';
import { openChangeStream, type StreamState } from '../../../tui/change-stream.ts';
import { startContractServer, type ContractServer } from './contract-server.ts';
import { contractData, SNAPSHOT } from './fixtures.ts';

let server: ContractServer | undefined;
let close: (() => void) | undefined;
afterEach(async () => {
  close?.();
  await server?.stop();
});

function follow(url: string, options: { retryMs?: number; silenceTimeoutMs?: number } = {}) {
  const received: Change[] = [];
  const states: StreamState['kind'][] = [];
  const stream = openChangeStream({
    url,
    ...options,
    onChanges: (changes) => received.push(...changes),
    onState: (state) => states.push(state.kind),
  });
  close = stream.close;
  return { received, states };
}

async function until(ok: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await Bun.sleep(10);
  }
}

describe('openChangeStream', () => {
  test('delivers the backlog, then live changes', async () => {
    server = startContractServer(contractData());
    const { received, states } = follow(server.url);
    await until(() => received.length === 3);
    server.emit(SNAPSHOT);
    await until(() => received.length === 4);
    expect(received.map((c) => c.id)).toEqual([1, 2, 3, 4]);
    expect(states.slice(0, 2)).toEqual(['connecting', 'open']);
  });

  test('reconnects after the stream ends, resuming after the last id', async () => {
    server = startContractServer(contractData());
    const { received, states } = follow(server.url, { retryMs: 50 });
    await until(() => received.length === 3);
    server.dropStreams();
    server.emit(SNAPSHOT);
    await until(() => received.length === 4);
    expect(received.map((c) => c.id)).toEqual([1, 2, 3, 4]);
    expect(server.resumedFrom).toEqual([null, '3']);
    expect(states).toContain('retrying');
  });

  test('reconnects when the stream goes silent past the timeout', async () => {
    server = startContractServer(contractData());
    const { received } = follow(server.url, { retryMs: 20, silenceTimeoutMs: 150 });
    await until(() => received.length === 3);
    await until(() => server!.resumedFrom.length >= 2, 3_000);
    expect(server.resumedFrom[1]).toBe('3');
  });

  test('skips malformed events (bad JSON, wrong shape) and carries on', async () => {
    const events = [
      'id: 1\nevent: change\ndata: {not json\n\n',
      `id: 2\nevent: change\ndata: ${JSON.stringify({ id: 2, table: 'voters' })}\n\n`,
      `id: 3\nevent: change\ndata: ${JSON.stringify({ ...SNAPSHOT, id: 3 })}\n\n`,
    ].join('');
    const raw = Bun.serve({ port: 0, fetch: () => new Response(events, { headers: { 'content-type': 'text/event-stream' } }) });
    try {
      const { received } = follow(`http://127.0.0.1:${raw.port}`, { retryMs: 10_000 });
      await until(() => received.length === 1);
      expect(received[0].id).toBe(3);
    } finally {
      close?.();
      await raw.stop(true);
    }
  });

  test('a server that is down puts the stream in retrying with a readable reason', async () => {
    const probe = startContractServer(contractData());
    const url = probe.url;
    await probe.stop();
    const reasons: string[] = [];
    const stream = openChangeStream({
      url,
      retryMs: 10_000,
      onChanges: () => {},
      onState: (state) => {
        if (state.kind === 'retrying') reasons.push(state.reason);
      },
    });
    close = stream.close;
    await until(() => reasons.length === 1);
    expect(reasons[0]).toBe(`cannot reach ${url}`);
  });
});

import type { Change } from './api-types.ts';
import { normalizeBaseUrl } from './api-client.ts';
import { isChange } from './api-shape.ts';
import { sleep } from './sleep.ts';
import { SseParser } from './sse-parser.ts';

export type StreamState = { kind: 'connecting' } | { kind: 'open' } | { kind: 'retrying'; reason: string; retryInMs: number };

export type ChangeStreamOptions = {
  url: string;
  onChanges: (changes: Change[]) => void;
  onState: (state: StreamState) => void;
  retryMs?: number;
  /** The server sends a heartbeat every 15 s; silence for this long means the connection is dead. */
  silenceTimeoutMs?: number;
};

export const DEFAULT_RETRY_MS = 2_000;
const DEFAULT_SILENCE_TIMEOUT_MS = 45_000;

/**
 * Follows GET /api/changes until closed: parses the SSE stream by hand, delivers the changes of each network
 * chunk as one batch, and on any failure waits `retryMs` and reconnects with Last-Event-ID so no change is
 * missed or repeated.
 */
export function openChangeStream(options: ChangeStreamOptions): { close(): void } {
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  const silenceTimeoutMs = options.silenceTimeoutMs ?? DEFAULT_SILENCE_TIMEOUT_MS;
  const endpoint = `${normalizeBaseUrl(options.url)}/api/changes`;
  const closed = new AbortController();
  const parser = new SseParser();

  async function followOnce(): Promise<string> {
    const attempt = new AbortController();
    const abortAttempt = () => attempt.abort();
    closed.signal.addEventListener('abort', abortAttempt);
    let lastByteAt = Date.now();
    const watchdog = setInterval(
      () => {
        if (Date.now() - lastByteAt > silenceTimeoutMs) attempt.abort();
      },
      Math.min(5_000, silenceTimeoutMs),
    );
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (parser.lastEventId !== null) headers['last-event-id'] = parser.lastEventId;
      let response: Response;
      try {
        response = await fetch(endpoint, { headers, signal: attempt.signal });
      } catch {
        return `cannot reach ${normalizeBaseUrl(options.url)}`;
      }
      if (!response.ok || !response.body) {
        return `change stream: HTTP ${response.status}`;
      }
      options.onState({ kind: 'open' });
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return 'the server closed the change stream';
          lastByteAt = Date.now();
          const changes: Change[] = [];
          for (const event of parser.push(decoder.decode(value, { stream: true }))) {
            if (event.event !== 'change') continue;
            // A malformed event is skipped rather than ending the stream; the next one is likely fine.
            const change = parseChange(event.data);
            if (change) changes.push(change);
          }
          if (changes.length > 0) options.onChanges(changes);
        }
      } catch {
        return attempt.signal.aborted && !closed.signal.aborted ? 'the change stream went silent' : `lost connection to ${normalizeBaseUrl(options.url)}`;
      }
    } finally {
      clearInterval(watchdog);
      closed.signal.removeEventListener('abort', abortAttempt);
    }
  }

  async function run(): Promise<void> {
    while (!closed.signal.aborted) {
      options.onState({ kind: 'connecting' });
      const reason = await followOnce();
      if (closed.signal.aborted) return;
      options.onState({ kind: 'retrying', reason, retryInMs: retryMs });
      await sleep(retryMs, closed.signal);
    }
  }

  void run();
  return { close: () => closed.abort() };
}

function parseChange(data: string): Change | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return isChange(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

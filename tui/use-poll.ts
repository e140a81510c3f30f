import { useEffect, useState } from 'react';
import { ApiError } from './api-client.ts';
import { sleep } from './sleep.ts';

export type PollState<T> = {
  /** The latest successful result, kept while later attempts fail so the screen shows stale data, not none. */
  data?: T;
  /** Why the latest attempt failed; cleared by the next success. */
  error?: ApiError;
};

export type PollTiming = { intervalMs: number; retryMs: number };

/**
 * Calls `load` now and then again `intervalMs` after each success or `retryMs` after each failure (calls never
 * overlap), while `enabled` and until unmount. `key` names what `load` loads: a new key restarts polling and
 * drops the old result; disabling keeps it, so a panel shown again starts with what it showed before.
 * Errors become state, never exceptions.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, timing: PollTiming, key: string, enabled = true): PollState<T> {
  const { intervalMs, retryMs } = timing;
  const [state, setState] = useState<PollState<T> & { key: string }>({ key });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is recreated on every render; `key` names what it loads, so it alone decides when to restart
  useEffect(() => {
    if (!enabled) return;
    const stop = new AbortController();
    void (async () => {
      while (!stop.signal.aborted) {
        try {
          const data = await load(stop.signal);
          if (stop.signal.aborted) return;
          setState({ key, data });
          await sleep(intervalMs, stop.signal);
        } catch (cause) {
          if (stop.signal.aborted) return;
          const error = cause instanceof ApiError ? cause : new ApiError('http', String(cause));
          setState((previous) => ({ key, data: previous.key === key ? previous.data : undefined, error }));
          await sleep(retryMs, stop.signal);
        }
      }
    })();
    return () => stop.abort();
  }, [key, intervalMs, retryMs, enabled]);
  return state.key === key ? state : {};
}

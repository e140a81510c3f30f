import { useEffect, useState } from 'react';
import type { Change } from './api-types.ts';
import { openChangeStream, type StreamState } from './change-stream.ts';

export type ChangeFeed = {
  /** Oldest first, at most `capacity` of the most recent changes. */
  changes: readonly Change[];
  state: StreamState;
};

const FLUSH_INTERVAL_MS = 100;

/**
 * Follows the server's change stream. Changes are collected in a plain array and handed to React at most every
 * 100 ms, so thousands of events per second cost a few renders, not thousands.
 */
export function useChangeFeed(url: string, capacity: number, retryMs?: number): ChangeFeed {
  const [feed, setFeed] = useState<ChangeFeed>({ changes: [], state: { kind: 'connecting' } });
  useEffect(() => {
    let shown: readonly Change[] = [];
    let arrived: Change[] = [];
    let dirty = false;
    let state: StreamState = { kind: 'connecting' };
    const flush = () => {
      if (!dirty) return;
      dirty = false;
      if (arrived.length > 0) {
        // Copy on flush: the array React holds is never mutated, and trimming happens once per flush.
        const all = shown.concat(arrived);
        shown = all.length > capacity ? all.slice(all.length - capacity) : all;
        arrived = [];
      }
      setFeed({ changes: shown, state });
    };
    const timer = setInterval(flush, FLUSH_INTERVAL_MS);
    const stream = openChangeStream({
      url,
      retryMs,
      onChanges: (changes) => {
        for (const change of changes) {
          const lastId = arrived.length > 0 ? arrived[arrived.length - 1].id : shown.at(-1)?.id;
          if (lastId !== undefined && change.id <= lastId) {
            // Ids only grow within one server run; going back means the server restarted with a new history.
            shown = [];
            arrived = [];
          }
          arrived.push(change);
        }
        dirty = true;
      },
      onState: (next) => {
        state = next;
        dirty = true;
        flush();
      },
    });
    return () => {
      clearInterval(timer);
      stream.close();
    };
  }, [url, capacity, retryMs]);
  return feed;
}

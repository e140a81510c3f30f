/**
 * kafkajs 2.2.4 re-checks a connection's request queue after `throttledUntil - Date.now()` ms, and
 * when the broker never throttled, throttledUntil is -1: the delay is minus the epoch. Bun (like Node)
 * clamps it to 1 ms, and also prints a TimeoutNegativeWarning on stderr, which users of `serve --kafka`
 * took for an error. This wrapper makes kafkajs ask for that 1 ms itself: same behaviour, no warning.
 */
// @ts-expect-error kafkajs ships no types for its internal modules
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';

interface ThrottledQueue {
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

const proto = (RequestQueue as { prototype: ThrottledQueue }).prototype;
const schedule = proto.scheduleCheckPendingRequests;
proto.scheduleCheckPendingRequests = function (this: ThrottledQueue) {
  const until = this.throttledUntil;
  const earliest = Date.now() + 1;
  if (until >= earliest) return schedule.call(this);
  // Only the delay computation reads the raised value; it is restored before anything else runs.
  this.throttledUntil = earliest;
  try {
    schedule.call(this);
  } finally {
    this.throttledUntil = until;
  }
};

export { RequestQueue };

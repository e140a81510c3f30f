import { expect, test } from 'bun:test';
import { resolve } from 'node:path';

const root = resolve(import.meta.dir, '../../..');

/** stderr of a Bun process that schedules an idle kafkajs request queue's throttle check. */
function stderrOfIdleQueue(importLine: string): string {
  const script = `${importLine}
    const queue = new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1000, enforceRequestTimeout: true, clientId: 'test', broker: 'b:9092', logger: {} });
    queue.scheduleCheckPendingRequests();
    setTimeout(() => clearTimeout(queue.throttleCheckTimeoutId), 20);`;
  const proc = Bun.spawnSync([process.execPath, '-e', script], { cwd: root, stderr: 'pipe', stdout: 'pipe' });
  expect(proc.exitCode).toBe(0);
  return proc.stderr.toString();
}

test('an idle kafkajs connection schedules its queue check without a TimeoutNegativeWarning', () => {
  // Without the wrapper, kafkajs asks for a delay of minus the epoch and the runtime warns.
  expect(stderrOfIdleQueue(`import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';`)).toContain('TimeoutNegativeWarning');
  expect(stderrOfIdleQueue(`import { RequestQueue } from './src/source/kafka/kafkajs-negative-timeout.ts';`)).toBe('');
});

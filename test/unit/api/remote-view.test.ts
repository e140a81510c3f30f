import { afterEach, beforeEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteView } from '../../../src/api/remote-view.ts';
import { ChangeFeed } from '../../../src/pipeline/change-feed.ts';
import type { ChangeRecord, HealthStatus } from '../../../src/pipeline/lakehouse-view.ts';
import { StateStore } from '../../../src/state/index.ts';

let dir: string;
let writer: StateStore;
let feed: ChangeFeed;
let view: RemoteView;
const watching: boolean[] = [];
const stored: ChangeRecord[] = [];

const change = (id: number) => ({ table: 'voters', op: 'u' as const, key: { id }, before: null, after: { id }, version: 1, position: String(id), ts: '' });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lh-remote-view-'));
  writer = StateStore.open(dir);
  feed = new ChangeFeed(writer.db);
  stored.length = 0;
  feed.subscribe((c) => stored.push(c));
  feed.append([change(1), change(2)]);
  watching.length = 0;
  view = new RemoteView(
    dir,
    () => {},
    { health: {} as HealthStatus, metrics: '' },
    (live) => watching.push(live),
  );
});

afterEach(() => {
  view.close();
  writer.close();
  rmSync(dir, { recursive: true, force: true });
});

test('live changes are asked for only while someone listens', () => {
  view.deliver(stored.slice(0, 1)); // nobody listens: nothing to do
  const stop = view.onChange(() => {});
  const stop2 = view.onChange(() => {});
  stop();
  expect(watching).toEqual([true]);
  stop2();
  expect(watching).toEqual([true, false]);
});

test('a listener sees every change after it subscribed, once and in order, also those the main thread did not forward', () => {
  const seen: number[] = [];
  view.onChange((c) => seen.push(c.id));
  // Committed before the main thread heard of the listener: not forwarded, only in the stored feed.
  feed.append([change(3), change(4)]);
  feed.append([change(5)]);
  view.deliver(stored.filter((c) => c.id === 5));
  // A forward that repeats what the listener has seen changes nothing.
  view.deliver(stored.filter((c) => c.id >= 4));
  feed.append([change(6)]);
  view.deliver(stored.filter((c) => c.id === 6));
  expect(seen).toEqual([3, 4, 5, 6]);
});

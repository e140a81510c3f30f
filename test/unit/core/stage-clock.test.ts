import { expect, test } from 'bun:test';
import { StageClock, stageClockKind, threadCpuNs } from '../../../src/core/stage-clock.ts';

/** Burns about `ms` of this thread's CPU. */
function spin(ms: number): void {
  const until = threadCpuNs() + ms * 1e6;
  while (threadCpuNs() < until) Math.sqrt(Math.random());
}

test('on Linux the clock reads this thread’s CPU time, which grows with work and not with sleep', async () => {
  expect(stageClockKind()).toBe(process.platform === 'linux' ? 'thread CPU' : 'wall');
  if (process.platform !== 'linux') return;
  const before = threadCpuNs();
  await Bun.sleep(50);
  expect(threadCpuNs() - before).toBeLessThan(20e6);
  spin(20);
  expect(threadCpuNs() - before).toBeGreaterThanOrEqual(20e6);
});

test('a nested stage is charged as outer/inner, and the outer one keeps only its own time', () => {
  const clock = new StageClock();
  clock.measure('silver', () => {
    spin(10);
    clock.measure('parquet', () => spin(20));
  });
  const totals = clock.snapshot();
  expect([...totals.keys()].sort()).toEqual(['silver', 'silver/parquet']);
  expect(totals.get('silver/parquet')!).toBeGreaterThanOrEqual(20e6);
  expect(totals.get('silver')!).toBeGreaterThanOrEqual(10e6);
  expect(totals.get('silver')!).toBeLessThan(20e6);
});

test('an async stage awaits inside its measurement; stages that overlap by mistake do not leave one open', async () => {
  const clock = new StageClock();
  await clock.measureAsync('bronze-commit', async () => {
    await Bun.sleep(5);
    clock.measure('arrow', () => spin(2));
  });
  // Two async stages overlapping and ending out of order.
  let release!: () => void;
  const first = clock.measureAsync('a', () => new Promise<void>((r) => (release = r)));
  const second = clock.measureAsync('b', () => Bun.sleep(5));
  await second;
  release();
  await first;
  clock.measure('after', () => spin(1));
  expect([...clock.snapshot().keys()]).toContain('bronze-commit/arrow');
  expect([...clock.snapshot().keys()]).toContain('after');
});

test('take hands over the totals and starts again; add merges another thread’s', () => {
  const clock = new StageClock();
  clock.measure('decode', () => spin(1));
  const taken = clock.take();
  expect(Object.keys(taken)).toEqual(['decode']);
  expect(clock.snapshot().size).toBe(0);
  clock.add(taken);
  clock.add(taken);
  expect(clock.snapshot().get('decode')).toBe(2 * taken.decode!);
});

/** `lakehouse fake-it`: the voters-book simulator on its own, against SQLite, PostgreSQL or Kafka. */
import { fakeItOptionsFromFlags, runFakeIt } from '../../../fake-it/index.ts';
import type { CommandContext } from './index.ts';

export async function run({ args, log, stopSignal }: CommandContext): Promise<number> {
  const flags = { ...args.flags, 'no-tombstones': args.flags.tombstones === false };
  const options = { ...fakeItOptionsFromFlags(flags), signal: stopSignal, log };
  const summary = await runFakeIt(options);
  console.log(`fake-it: ${summary.ops} operations, ${summary.changes} row changes in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  return 0;
}

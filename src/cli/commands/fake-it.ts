/** `lakehouse fake-it`: the voters-book simulator on its own, against SQLite, PostgreSQL, MariaDB or Kafka. */
import { fakeItOptionsFromFlags, runFakeIt } from '../../../fake-it/index.ts';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CommandContext } from '../command.ts';
import type { fakeItSpec } from './specs.ts';

export async function run({ args, log, stopSignal }: CommandContext<typeof fakeItSpec>): Promise<number> {
  const flags = { ...args.flags, 'no-tombstones': args.flags.tombstones === false };
  const options = { ...fakeItOptionsFromFlags(flags), signal: stopSignal, log };
  if (options.target.kind === 'embedded') mkdirSync(dirname(resolve(options.target.path)), { recursive: true });
  const summary = await runFakeIt(options);
  console.log(`fake-it: ${summary.ops} operations, ${summary.changes} row changes in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  return 0;
}

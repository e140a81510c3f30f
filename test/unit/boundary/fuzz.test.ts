/**
 * Property: whatever a generated Debezium stream holds (names of every kind, composite keys, an initial
 * snapshot, TOAST placeholders, truncates, malformed and poison records, redeliveries, any batching), the pipeline never halts, silver equals
 * the model of the source row for row with no null key, every malformed record is a dead letter, and
 * losing lakehouse.db changes nothing. Seeds print on failure (replay with FUZZ_SEED=... FUZZ_PATH=...);
 * test/bench/boundary-fuzz.bench.ts runs it long.
 */
import { test } from 'bun:test';
import fc from 'fast-check';
import { checkScenario } from '../../support/cdc-fuzz-check.ts';
import { renderable, scenario } from '../../support/cdc-fuzz.ts';

test('generated streams: never halts, silver equals the model, malformed records are dead letters, lakehouse.db is derived', async () => {
  await fc.assert(
    fc.asyncProperty(scenario.filter(renderable), async (s) => {
      await checkScenario(s);
    }),
    {
      numRuns: Number(process.env.FUZZ_RUNS ?? 25),
      interruptAfterTimeLimit: 90_000,
      ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH } : {}),
    },
  );
}, 180_000);

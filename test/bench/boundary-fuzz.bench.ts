/**
 * The boundary's property test, run long: rounds of 50 generated scenarios until at least N records
 * have gone through (default 100,000), then the count. A failure prints its seed and the shrunk
 * counterexample (replay it with FUZZ_SEED and FUZZ_PATH on test/unit/boundary/fuzz.test.ts).
 *
 *   FUZZ_MAX_STEPS=1000 npx bun test/bench/boundary-fuzz.bench.ts [RECORDS] [SEED]
 */
import fc from 'fast-check';
import { checkScenario } from '../support/cdc-fuzz-check.ts';
import { renderable, scenario } from '../support/cdc-fuzz.ts';

const target = Number(process.argv[2] ?? 100_000);
const firstSeed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
let records = 0;
let scenarios = 0;
const started = performance.now();
for (let round = 0; records < target; round++) {
  const seed = (firstSeed + round) % 2 ** 31;
  try {
    await fc.assert(
      fc.asyncProperty(scenario.filter(renderable), async (s) => {
        records += await checkScenario(s);
        scenarios++;
      }),
      { seed, numRuns: 50 },
    );
  } catch (err) {
    console.error(`round seed ${seed}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  console.log(`round ${round + 1} (seed ${seed}): ${records.toLocaleString('en-US')} records in ${scenarios} scenarios so far`);
}
console.log(
  `${records.toLocaleString('en-US')} records in ${scenarios} scenarios (seeds ${firstSeed}..), ${((performance.now() - started) / 1000).toFixed(0)} s: no property failed`,
);

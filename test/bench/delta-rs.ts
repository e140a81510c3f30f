/**
 * Timing delta-rs (the Python `deltalake` package) on the same table, in a fresh Python process: each
 * run is timed with time.perf_counter inside Python, so interpreter start-up is not counted.
 */
export interface Timings {
  /** Milliseconds per run, in run order (the first run includes imports warming up). */
  runs: number[];
  version: string;
}

const SCRIPT = `
import json, sys, time
import deltalake
from deltalake import DeltaTable
path, runs, action = sys.argv[1], int(sys.argv[2]), sys.argv[3]
times = []
for _ in range(runs):
    t0 = time.perf_counter()
    table = DeltaTable(path)
    if action == 'read':
        rows = table.to_pyarrow_table().num_rows
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"runs": times, "version": deltalake.__version__}))
`;

/** `open`: DeltaTable(path) (loads the latest snapshot); `read`: that plus to_pyarrow_table(). */
export function deltaRsTimings(path: string, action: 'open' | 'read', runs: number): Timings | { error: string } {
  const r = Bun.spawnSync(['python3', '-c', SCRIPT, path, String(runs), action], { stderr: 'pipe' });
  if (r.exitCode !== 0) return { error: r.stderr.toString().trim().split('\n').at(-1) ?? `python3 exited with ${r.exitCode}` };
  return JSON.parse(r.stdout.toString()) as Timings;
}

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;

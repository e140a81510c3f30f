/**
 * Poison isolation: when applying a table's share of a bronze version throws for a reason a record can
 * cause (a value or name the Parquet writer or SQLite refuses), the records responsible are found by
 * bisecting the batch in trials (applies to a scratch table that are thrown away), become dead letters
 * with the error, and the rest is applied. Failures of the machine (disk full, permissions: see
 * isMachineFailure) are thrown on, as no smaller batch can help.
 *
 * The search is a pure function of the events and the table's committed state, which a replay of the
 * bronze version (after a crash) and `lakehouse rebuild` see again: the same records are refused again,
 * so silver is the same however it is recomputed, and no failure repeats on restart.
 */
import { isMachineFailure } from '../core/errors.ts';
import type { ChangeEvent } from '../cdc/index.ts';
import type { ApplyResult, Quarantined } from './silver-table.ts';

/** Applies events for real (committing), or throws. */
export type Apply = (events: readonly ChangeEvent[]) => Promise<ApplyResult>;
/** Applies events to a scratch copy of the table, throwing its failure; nothing of it is kept. */
export type Trial = (events: readonly ChangeEvent[]) => Promise<void>;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/**
 * Applies `events` with `apply`; when that fails for a record's reason, applies them again without the
 * records `trial` singles out (quarantined with `what` and the error). When the batch still fails, the
 * failure depends on the table's state rather than on any record alone: its records are quarantined
 * and an empty batch is applied (moving the table's watermark). A failure of that too is thrown.
 */
export async function applyIsolated(events: readonly ChangeEvent[], what: string, apply: Apply, trial: Trial): Promise<ApplyResult> {
  let failure: unknown;
  try {
    return await apply(events);
  } catch (err) {
    if (isMachineFailure(err)) throw err;
    failure = err;
  }
  const poison = await findPoison(events, failure, what, trial);
  const refused = new Set(poison.map((p) => p.event));
  const rest = events.filter((e) => !refused.has(e));
  let result: ApplyResult;
  try {
    result = await apply(rest);
  } catch (err) {
    if (isMachineFailure(err)) throw err;
    const reason = `${what} failed with the batch it came in (not with it alone): ${message(err)}`;
    poison.push(...rest.map((event) => ({ event, reason })));
    result = await apply([]);
  }
  return { ...result, quarantined: [...poison, ...result.quarantined] };
}

/**
 * The records of `events` (which failed together with `failure`) that fail on their own, by halving:
 * about 2·k·log2(n) trials for k poison records among n. When no part fails alone, the failure needs
 * them together, and all are refused.
 */
async function findPoison(events: readonly ChangeEvent[], failure: unknown, what: string, trial: Trial): Promise<Quarantined[]> {
  if (events.length === 1) return [{ event: events[0]!, reason: `${what} failed: ${message(failure)}` }];
  const half = Math.ceil(events.length / 2);
  const found: Quarantined[] = [];
  for (const part of [events.slice(0, half), events.slice(half)]) {
    const err = await trialFailure(part, trial);
    if (err !== undefined) found.push(...(await findPoison(part, err, what, trial)));
  }
  if (found.length > 0) return found;
  return events.map((event) => ({ event, reason: `${what} failed with the batch it came in (not with it alone): ${message(failure)}` }));
}

/** The failure of a trial of `events`, or undefined when they apply; a machine failure is thrown. */
async function trialFailure(events: readonly ChangeEvent[], trial: Trial): Promise<unknown> {
  try {
    await trial(events);
    return undefined;
  } catch (err) {
    if (isMachineFailure(err)) throw err;
    return err ?? new Error('unknown failure');
  }
}

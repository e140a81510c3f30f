/**
 * When a writer checkpoints (the protocol leaves it to writers). By default, as Spark does, every
 * `delta.checkpointInterval` versions (default 10). A checkpoint holds the whole table state, though,
 * so for a table with many files under small frequent commits (silver under `serve`) that costs far
 * more than the commits themselves. A table with `lakehouse.checkpoints = by-size` (lakehouse's own,
 * retention.ts) takes the interval as the least number of commits between checkpoints; past it a
 * checkpoint is written once
 *   - the commits since the last checkpoint weigh as much as it does (reading them costs a reader as
 *     much as reading it again, and checkpoints never write more bytes than the commits they cover), or
 *   - MAX_COMMITS commits have piled up (a snapshot's replay stays short), or
 *   - the last checkpoint is MAX_AGE_MS old: log cleanup (log-cleanup.ts) deletes only before a checkpoint
 *     that has itself expired, so this keeps the log within its retention plus this age.
 */
import type { LogSegment } from './log-segment.ts';

export const DEFAULT_CHECKPOINT_INTERVAL = 10;
export const CHECKPOINT_POLICY_PROPERTY = 'lakehouse.checkpoints';
const MAX_COMMITS = 1_000;
const MAX_AGE_MS = 10 * 60_000;

export function checkpointDue(segment: LogSegment, properties: Record<string, string>, now = Date.now()): boolean {
  const interval = Number(properties['delta.checkpointInterval'] ?? DEFAULT_CHECKPOINT_INTERVAL);
  const since = segment.commits;
  if (!(interval > 0) || segment.version === 0) return false;
  if (properties[CHECKPOINT_POLICY_PROPERTY] !== 'by-size') return segment.version % interval === 0;
  const checkpoint = segment.checkpoint?.parts;
  // Commits since the last checkpoint (version 0, the table's creation, does not count).
  if ((checkpoint ? since.length : segment.version) < interval) return false;
  if (!checkpoint) return true;
  const checkpointBytes = checkpoint.reduce((n, f) => n + f.size, 0);
  const commitBytes = since.reduce((n, f) => n + f.size, 0);
  return commitBytes >= checkpointBytes || since.length >= MAX_COMMITS || now - checkpoint[0]!.modified >= MAX_AGE_MS;
}

/**
 * `cleanupExpiredLogs` deletes commits and checkpoints older than `delta.logRetentionDuration` (default
 * 30 days) that lie before a checkpoint which is itself expired, so every version still within the
 * retention stays readable. The writer runs it after writing a checkpoint.
 */
import type { Snapshot } from './snapshot.ts';
import { LOG_DIR, parseLogFileName } from './log-segment.ts';
import { parseInterval } from './interval.ts';
import type { Storage } from '../storage/storage.ts';

export const DEFAULT_LOG_RETENTION = 'interval 30 days';

/** Deletes expired log files before the newest expired checkpoint; returns the deleted paths. */
export async function cleanupExpiredLogs(storage: Storage, snapshot: Snapshot, now = Date.now()): Promise<string[]> {
  if (snapshot.tableProperties['delta.enableExpiredLogCleanup'] === 'false') return [];
  const retention = parseInterval(snapshot.tableProperties['delta.logRetentionDuration'] ?? DEFAULT_LOG_RETENTION, 'delta.logRetentionDuration');
  const cutoff = now - retention;
  const entries = (await storage.list(LOG_DIR))
    .map((file) => ({ file, name: parseLogFileName(file.path.slice(LOG_DIR.length + 1)) }))
    .filter((e) => e.name !== undefined && e.name.version <= snapshot.version);
  // The newest checkpoint whose own commit has expired: versions before it are all older than the cutoff.
  let boundary = -1;
  for (const e of entries) {
    if (e.name!.type !== 'checkpoint' || e.name!.version <= boundary) continue;
    const commit = entries.find((c) => c.name!.type === 'commit' && c.name!.version === e.name!.version);
    if (e.file.modified <= cutoff && (!commit || commit.file.modified <= cutoff)) boundary = e.name!.version;
  }
  if (boundary <= 0) return [];
  const deleted: string[] = [];
  for (const e of entries) {
    if (e.name!.version < boundary && e.file.modified <= cutoff) {
      await storage.delete(e.file.path);
      deleted.push(e.file.path);
    }
  }
  return deleted;
}

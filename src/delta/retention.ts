/**
 * What keeps the disk bounded under lakehouse's own tables, which a long `serve` commits to several
 * times a second: files replaced by later commits are kept five minutes (until vacuum deletes them),
 * so are the log's commits and checkpoints (until log cleanup does), where the Delta defaults (7 days,
 * 30 days) would fill the disk; and checkpoints follow the log's size, not a count of commits
 * (checkpoint-policy.ts). Five minutes is ample for a reader to finish reading the snapshot it opened
 * (what the retention protects); time travel reaches back as far. Replaced files and log both grow at
 * several hundred MB an hour under `serve` (test/bench/disk-growth.bench.ts), so an hour of them would
 * be most of the folder.
 */
import type { DeltaTable } from './commit.ts';
import { CHECKPOINT_POLICY_PROPERTY } from './checkpoint-policy.ts';

export const BUSY_TABLE_PROPERTIES: Readonly<Record<string, string>> = {
  'delta.deletedFileRetentionDuration': 'interval 5 minutes',
  'delta.logRetentionDuration': 'interval 5 minutes',
  [CHECKPOINT_POLICY_PROPERTY]: 'by-size',
};

/**
 * Records `properties` in a table that lacks any of them (one created before they were set); true when
 * it committed. Values the table has are kept: a user may have chosen another retention.
 */
export async function ensureProperties(table: DeltaTable, properties: Readonly<Record<string, string>>): Promise<boolean> {
  const current = table.snapshot().tableProperties;
  const missing = Object.fromEntries(Object.entries(properties).filter(([k]) => current[k] === undefined));
  if (Object.keys(missing).length === 0) return false;
  const txn = table.transaction({ operation: 'SET TBLPROPERTIES', operationParameters: { properties: missing } });
  txn.updateMetadata({ configuration: { ...current, ...missing } });
  await txn.commit();
  return true;
}

/**
 * The change ledger: how many inserts, updates and deletes silver applied, per bronze version, silver
 * table and minute of the source commit. It is what `change_activity` aggregates.
 *
 * Exactly-once: a bronze version is applied by silver once, and its ledger rows are keyed by the bronze
 * version, so replaying a version (after a restart) inserts nothing twice. Activity is a history, not a
 * function of silver's current state (silver keeps only the latest image per key), so the ledger is
 * its source of truth; replaying bronze into a fresh data folder rebuilds the same ledger.
 */
import type { Database } from 'bun:sqlite';
import type { AppliedChange } from '../silver/index.ts';
import { formatTimestamp } from '../delta/values.ts';
import { field, type StructField } from '../delta/schema.ts';
import { INTERNAL_PREFIX, STATE_TABLES } from '../state/index.ts';

/** The ledger's relation name, as gold definitions read it (an internal table). */
export const CHANGE_LEDGER = INTERNAL_PREFIX + 'change_ledger';
const LEDGER = STATE_TABLES.changeLedger;
/** The ledger's columns as gold definitions see them (their result types derive from these). */
export const CHANGE_LEDGER_COLUMNS: readonly StructField[] = [
  field('bronze_version', 'long'),
  field('table_name', 'string'),
  field('minute', 'timestamp'),
  field('inserts', 'long'),
  field('updates', 'long'),
  field('deletes', 'long'),
];
/**
 * Versions further back than this are folded into one row per table and minute (bronze_version 0):
 * replays start after the last fully processed version, never this far back, so idempotency holds and
 * the ledger grows with minutes of activity, not with batches.
 */
const KEEP_VERSIONS = 1000;

type Row = Record<string, unknown>;

export class ChangeLedger {
  constructor(private readonly db: Database) {}

  /**
   * Counts one bronze version's applied changes per table and minute of their source commit time.
   * Returns the ledger rows written (none when the version was recorded).
   */
  record(changes: readonly AppliedChange[], bronzeVersion: number): Row[] {
    if (changes.length === 0) return [];
    const counts = new Map<string, Row>();
    for (const ch of changes) {
      const minuteMs = Math.floor(ch.tsMs / 60_000) * 60_000;
      const id = `${ch.table}\u0000${minuteMs}`;
      let row = counts.get(id);
      if (!row)
        counts.set(
          id,
          (row = {
            bronze_version: bronzeVersion,
            table_name: ch.table,
            minute: formatTimestamp(BigInt(minuteMs) * 1000n),
            inserts: 0,
            updates: 0,
            deletes: 0,
          }),
        );
      const column = ch.op === 'u' ? 'updates' : ch.op === 'd' ? 'deletes' : 'inserts';
      row[column] = (row[column] as number) + 1;
    }
    const insert = this.db.query(`INSERT OR IGNORE INTO ${LEDGER} (bronze_version, table_name, minute, inserts, updates, deletes) VALUES (?, ?, ?, ?, ?, ?)`);
    const written: Row[] = [];
    this.db.transaction(() => {
      for (const r of counts.values()) {
        if (
          insert.run(
            r.bronze_version as number,
            r.table_name as string,
            r.minute as string | null,
            r.inserts as number,
            r.updates as number,
            r.deletes as number,
          ).changes > 0
        )
          written.push(r);
      }
      if (bronzeVersion % KEEP_VERSIONS === 0) this.fold(bronzeVersion - KEEP_VERSIONS);
    })();
    return written;
  }

  /** Folds the rows of versions 1..before into version 0, summing per table and minute. */
  private fold(before: number): void {
    if (before < 1) return;
    this.db.run(
      `INSERT INTO ${LEDGER} (bronze_version, table_name, minute, inserts, updates, deletes)
       SELECT 0, table_name, minute, sum(inserts), sum(updates), sum(deletes) FROM ${LEDGER}
       WHERE bronze_version BETWEEN 1 AND ?1 GROUP BY table_name, minute
       ON CONFLICT (bronze_version, table_name, minute) DO UPDATE SET
         inserts = inserts + excluded.inserts, updates = updates + excluded.updates, deletes = deletes + excluded.deletes`,
      [before],
    );
    this.db.run(`DELETE FROM ${LEDGER} WHERE bronze_version BETWEEN 1 AND ?`, [before]);
  }
}

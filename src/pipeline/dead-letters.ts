/**
 * Dead letters as values: every record that cannot be applied is kept, with its coordinates, raw bytes
 * and the reason, in a Delta table, and processing goes on. The commit records the bronze version it
 * covers (txn), so replaying bronze never writes a dead letter twice.
 */
import type { Storage } from '../storage/storage.ts';
import { DeltaTable, BUSY_TABLE_PROPERTIES, ensureProperties, field, liveRecordCount, struct, type Snapshot } from '../delta/index.ts';
import { tableFromTopic, type KafkaRecord, type RecordRef } from '../cdc/index.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../core/metrics.ts';

export const deadLetterSchema = struct([
  field('topic', 'string', false),
  field('partition', 'integer', false),
  field('offset', 'long', false),
  field('key', 'string'),
  field('value', 'string'),
  field('reason', 'string', false),
  field('bronze_version', 'long', false),
  field('quarantined_at', 'timestamp', false),
]);

const APP_ID = 'lakehouse-dead-letters';

export interface DeadLetter {
  record: RecordRef;
  reason: string;
}

export class DeadLetters {
  private constructor(private readonly table: DeltaTable) {}

  static async open(storage: Storage): Promise<DeadLetters> {
    // Nothing is ever removed, but a commit per batch with letters is log to clean up.
    const table = await DeltaTable.openOrCreate(storage, { name: 'dead_letters', schema: deadLetterSchema, configuration: { ...BUSY_TABLE_PROPERTIES } });
    await ensureProperties(table, BUSY_TABLE_PROPERTIES);
    return new DeadLetters(table);
  }

  get version(): number {
    return this.table.snapshot().version;
  }

  /** The Delta table, for maintenance. */
  get delta(): DeltaTable {
    return this.table;
  }

  get snapshot(): Snapshot {
    return this.table.snapshot();
  }

  get count(): number {
    let n = 0;
    for (const add of this.table.snapshot().files()) n += liveRecordCount(add);
    return n;
  }

  async write(letters: readonly DeadLetter[], raw: ReadonlyMap<string, KafkaRecord>, bronzeVersion: number): Promise<void> {
    if (letters.length === 0) return;
    const done = this.table.snapshot().txnVersion(APP_ID);
    if (done !== undefined && bronzeVersion <= done) return;
    const now = new Date();
    const txn = this.table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Append', bronzeVersion } });
    await txn.writeRows(
      letters.map((l) => {
        const r = raw.get(refKey(l.record));
        return {
          topic: l.record.topic,
          partition: l.record.partition,
          offset: l.record.offset,
          key: r?.key ?? null,
          value: r?.value ?? null,
          reason: l.reason,
          bronze_version: bronzeVersion,
          quarantined_at: now,
        };
      }),
    );
    txn.setTxn(APP_ID, bronzeVersion);
    await txn.commit();
  }
}

export const refKey = (r: RecordRef) => `${r.topic}\u0000${r.partition}\u0000${r.offset}`;

/** Distinct (table, rule) pairs counted by name in /metrics; past it they count as rule "other". */
const MAX_COUNTED_RULES = 200;
/** A summary of quarantines is logged at most this often. */
const SUMMARY_EVERY_MS = 60_000;

/**
 * A reason without the values that vary from record to record (numbers, quoted values), so that one
 * rule broken by many records is one line in the log and one metric series.
 */
export const ruleOf = (reason: string): string =>
  reason
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/-?\d+(\.\d+)?/g, 'N')
    .slice(0, 120);

/**
 * Quarantines as an operator wants to hear of them: the first record of each table and rule is
 * logged with its coordinates; the rest are counted (in /metrics at once, in the log as a summary at
 * most once a minute), so a table whose every record is refused cannot flood the log.
 */
export class QuarantineLog {
  private readonly rules = new Map<string, number>();
  private pending = 0;
  private pendingByTable = new Map<string, number>();
  private lastSummary = Date.now();

  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  note(letters: readonly DeadLetter[], now = Date.now()): void {
    for (const l of letters) {
      const table = tableFromTopic(l.record.topic);
      const rule = ruleOf(l.reason);
      const id = `${table}\u0000${rule}`;
      const seen = this.rules.get(id);
      if (seen === undefined) {
        this.log.warn('record quarantined (more for this table and reason are counted, not logged)', {
          table,
          topic: l.record.topic,
          partition: l.record.partition,
          offset: l.record.offset,
          reason: l.reason,
        });
      }
      const counted = seen !== undefined || this.rules.size < MAX_COUNTED_RULES;
      if (counted) this.rules.set(id, (seen ?? 0) + 1);
      this.metrics.inc('lakehouse_dead_letters_total', 'records quarantined to the dead-letter table, per source table and rule', {
        table,
        reason: counted ? rule : 'other',
      });
      this.pending++;
      this.pendingByTable.set(table, (this.pendingByTable.get(table) ?? 0) + 1);
    }
    if (this.pending > 0 && now - this.lastSummary >= SUMMARY_EVERY_MS) {
      this.log.info('records quarantined since the last summary', { records: this.pending, byTable: Object.fromEntries(this.pendingByTable) });
      this.pending = 0;
      this.pendingByTable = new Map();
      this.lastSummary = now;
    }
  }
}

/**
 * Dead letters as values: every record that cannot be applied is kept, with its coordinates, raw bytes
 * and the reason, in a Delta table, and processing goes on. The commit records the bronze version it
 * covers (txn), so replaying bronze never writes a dead letter twice.
 */
import type { Storage } from '../storage/storage.ts';
import { DeltaTable, field, liveRecordCount, struct, type Snapshot } from '../delta/index.ts';
import type { KafkaRecord, RecordRef } from '../cdc/index.ts';

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
    return new DeadLetters(await DeltaTable.openOrCreate(storage, { name: 'dead_letters', schema: deadLetterSchema }));
  }

  get version(): number {
    return this.table.snapshot().version;
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

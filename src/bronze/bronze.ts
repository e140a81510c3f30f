/**
 * Bronze: every Kafka record exactly as received, kept durably in a Delta table before anything else
 * happens to it, so silver can always be rebuilt and a crash never loses a record.
 *
 * Each append is one Delta commit holding one data file and, atomically with it, one `txn` action per
 * topic-partition whose version is the highest offset stored. Those txns are the resume positions: a
 * record at or below its partition's stored offset is a redelivery and is skipped.
 */
import { readParquet } from '../parquet/index.ts';
import type { Storage } from '../storage/storage.ts';
import { DeltaTable, readCommit, commitPath, field, struct, type Add, type Snapshot, type StructType } from '../delta/index.ts';
import type { KafkaRecord } from '../cdc/index.ts';

export const bronzeSchema: StructType = struct([
  field('topic', 'string', false),
  field('partition', 'integer', false),
  field('offset', 'long', false),
  field('timestamp', 'timestamp', true),
  field('key', 'string', true),
  field('value', 'string', true),
]);

const appIdOf = (topic: string, partition: number) => `bronze:${topic}:${partition}`;
export const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;

export interface BronzeAppend {
  /** The bronze version that holds these records, or undefined when every record was a redelivery. */
  version: number | undefined;
  /** The records actually stored (in input order), redeliveries removed. */
  records: KafkaRecord[];
  duplicates: number;
}

export class Bronze {
  private constructor(
    private readonly table: DeltaTable,
    private readonly storage: Storage,
    private readonly offsets: Map<string, bigint>,
  ) {}

  static async open(storage: Storage): Promise<Bronze> {
    const table = await DeltaTable.openOrCreate(storage, {
      schema: bronzeSchema,
      name: 'bronze',
      // Raw key/value text makes useless min/max stats that cost a pass over every byte: skip them.
      configuration: { 'delta.appendOnly': 'true', 'delta.dataSkippingStatsColumns': 'topic,partition,offset,timestamp' },
    });
    return new Bronze(table, storage, new Map());
  }

  get version(): number {
    return this.table.snapshot().version;
  }

  get snapshot(): Snapshot {
    return this.table.snapshot();
  }

  /** The last stored offset of a topic-partition, from the table's txn actions. */
  storedOffset(topic: string, partition: number): bigint | undefined {
    const key = partitionKey(topic, partition);
    const cached = this.offsets.get(key);
    if (cached !== undefined) return cached;
    const v = this.table.snapshot().txnVersion(appIdOf(topic, partition));
    return v === undefined ? undefined : BigInt(v);
  }

  /** Every stored position, for a source to resume from. */
  positions(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    const snap = this.table.snapshot();
    for (const [appId, version] of snap.txnVersions()) {
      if (!appId.startsWith('bronze:')) continue;
      out.set(appId.slice('bronze:'.length), BigInt(version));
    }
    for (const [k, v] of this.offsets) out.set(k, v);
    return out;
  }

  async append(records: readonly KafkaRecord[]): Promise<BronzeAppend> {
    const fresh: KafkaRecord[] = [];
    const highest = new Map<string, { topic: string; partition: number; offset: bigint }>();
    for (const r of records) {
      const offset = BigInt(r.offset);
      const key = partitionKey(r.topic, r.partition);
      const stored = highest.get(key)?.offset ?? this.storedOffset(r.topic, r.partition);
      if (stored !== undefined && offset <= stored) continue;
      highest.set(key, { topic: r.topic, partition: r.partition, offset });
      fresh.push(r);
    }
    if (fresh.length === 0) return { version: undefined, records: [], duplicates: records.length };

    const txn = this.table.transaction({ operation: 'STREAMING UPDATE', operationParameters: { outputMode: 'Append' } });
    await txn.writeRows(
      fresh.map((r) => ({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: typeof r.timestamp === 'number' ? new Date(r.timestamp) : r.timestamp,
        key: r.key,
        value: r.value,
      })),
    );
    for (const h of highest.values()) txn.setTxn(appIdOf(h.topic, h.partition), Number(h.offset));
    const version = await txn.commit();
    for (const [k, h] of highest) this.offsets.set(k, h.offset);
    return { version, records: fresh, duplicates: records.length - fresh.length };
  }

  /** The records one bronze version added, in the order they were appended. */
  async recordsAt(version: number): Promise<KafkaRecord[]> {
    const actions = await readCommit(this.storage, { path: commitPath(version), size: 0, modified: 0 });
    const out: KafkaRecord[] = [];
    for (const a of actions) if ('add' in a) out.push(...(await this.readFile(a.add)));
    return out;
  }

  private async readFile(add: Add): Promise<KafkaRecord[]> {
    const bytes = await this.storage.read(decodeURIComponent(add.path));
    if (!bytes) throw new Error(`bronze data file ${add.path} is missing`);
    const t = readParquet(bytes);
    const topic = t.getChild('topic')!, partition = t.getChild('partition')!, offset = t.getChild('offset')!;
    const ts = t.getChild('timestamp')!, key = t.getChild('key')!, value = t.getChild('value')!;
    const out: KafkaRecord[] = new Array(t.numRows);
    for (let i = 0; i < t.numRows; i++) {
      const micros = ts.get(i) as bigint | number | null;
      out[i] = {
        topic: topic.get(i) as string,
        partition: partition.get(i) as number,
        offset: String(offset.get(i)),
        timestamp: micros === null ? 0 : Number(BigInt(micros) / 1000n),
        key: key.get(i) as string | null,
        value: value.get(i) as string | null,
      };
    }
    return out;
  }
}

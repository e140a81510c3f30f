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
import { DeltaTable, dataFileOptions, readCommit, commitPath, field, struct, writeDataFiles, type Add, type DataFileOptions, type Snapshot, type StructType } from '../delta/index.ts';
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

/** A partition's first and last offsets among a batch's fresh records. */
export interface PartitionSpan {
  topic: string;
  partition: number;
  first: string;
  last: string;
}

/** A batch's records in bronze data files, written but not committed (any thread can write them). */
export interface WrittenBronze {
  adds: Add[];
  spans: PartitionSpan[];
  records: number;
}

/**
 * The records not stored yet: those above their partition's stored offset (a lower one is a
 * redelivery), in input order, with each partition's span.
 */
export function freshRecords(records: readonly KafkaRecord[], storedOffset: (topic: string, partition: number) => bigint | undefined): { fresh: KafkaRecord[]; spans: PartitionSpan[] } {
  const fresh: KafkaRecord[] = [];
  const spans = new Map<string, PartitionSpan & { lastOffset: bigint }>();
  for (const r of records) {
    const offset = BigInt(r.offset);
    const key = partitionKey(r.topic, r.partition);
    const span = spans.get(key);
    const stored = span ? span.lastOffset : storedOffset(r.topic, r.partition);
    if (stored !== undefined && offset <= stored) continue;
    if (span) Object.assign(span, { last: r.offset, lastOffset: offset });
    else spans.set(key, { topic: r.topic, partition: r.partition, first: r.offset, last: r.offset, lastOffset: offset });
    fresh.push(r);
  }
  return { fresh, spans: [...spans.values()].map(({ topic, partition, first, last }) => ({ topic, partition, first, last })) };
}

/** Writes the records as bronze data files, uncommitted; `options` come from `Bronze.fileOptions`. */
export async function writeBronzeFiles(storage: Storage, records: readonly KafkaRecord[], options: DataFileOptions): Promise<Add[]> {
  return writeDataFiles(
    storage,
    records.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: new Date(r.timestamp),
      key: r.key,
      value: r.value,
    })),
    options,
  );
}

export class Bronze {
  private constructor(
    private readonly table: DeltaTable,
    readonly storage: Storage,
    private readonly offsets: Map<string, bigint>,
  ) {}

  static async open(storage: Storage): Promise<Bronze> {
    const table = await DeltaTable.openOrCreate(storage, {
      schema: bronzeSchema,
      name: 'bronze',
      configuration: {
        'delta.appendOnly': 'true',
        // Raw key/value text makes useless min/max stats that cost a pass over every byte: skip them.
        'delta.dataSkippingStatsColumns': 'topic,partition,offset,timestamp',
        // A checkpoint rewrites every live file's action and bronze only grows (a file per batch, up to
        // four a second under serve): every 100 commits keeps that cost a tenth of the default's, and
        // replaying up to 100 small commits stays cheap for readers.
        'delta.checkpointInterval': '100',
      },
    });
    return new Bronze(table, storage, new Map());
  }

  get version(): number {
    return this.table.snapshot().version;
  }

  get snapshot(): Snapshot {
    return this.table.snapshot();
  }

  /** How this table's data files are written, for `writeBronzeFiles` in another thread. */
  fileOptions(): DataFileOptions {
    const snap = this.table.snapshot();
    return dataFileOptions(snap.metadata, snap.protocol);
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

  /**
   * Commits written files as the next bronze version, with each partition's last offset as its txn.
   * The files must start past the stored offsets: records are stored once, and this table has one
   * writer (the data folder's lock), so anything else is a bug.
   */
  async commit(written: WrittenBronze): Promise<number> {
    for (const s of written.spans) {
      const stored = this.storedOffset(s.topic, s.partition);
      if (stored !== undefined && BigInt(s.first) <= stored) {
        throw new Error(`internal: bronze batch of ${s.topic}:${s.partition} starts at offset ${s.first}, already stored up to ${stored}`);
      }
    }
    const txn = this.table.transaction({ operation: 'STREAMING UPDATE', operationParameters: { outputMode: 'Append' } });
    for (const add of written.adds) txn.add(add);
    for (const s of written.spans) txn.setTxn(appIdOf(s.topic, s.partition), Number(s.last));
    const version = await txn.commit();
    for (const s of written.spans) this.offsets.set(partitionKey(s.topic, s.partition), BigInt(s.last));
    return version;
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

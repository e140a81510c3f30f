/**
 * Bronze: every Kafka record exactly as received, kept durably in a Delta table before anything else
 * happens to it, so silver can always be rebuilt and a crash never loses a record.
 *
 * Each append is one Delta commit holding one data file and, atomically with it, one `txn` action per
 * topic-partition whose version is the highest offset stored. Those txns are the resume positions: a
 * record at or below its partition's stored offset is a redelivery and is skipped.
 *
 * Every data file's add records the versions it holds (file-versions.ts), so the stored order survives
 * background compaction (compaction.ts), which folds processed versions' small files into larger ones
 * with `dataChange=false`: readers replay bronze from the live files, not from the old commits.
 */
import { readParquet } from '../parquet/index.ts';
import type { Storage } from '../storage/storage.ts';
import {
  BUSY_TABLE_PROPERTIES,
  ensureProperties,
  DeltaTable,
  dataFileOptions,
  readCommit,
  readDataFile,
  readFileTable,
  readSchemaOf,
  commitPath,
  field,
  struct,
  writeDataFiles,
  type Add,
  type DataFileOptions,
  type Row,
  type Snapshot,
  type StructType,
} from '../delta/index.ts';
import type { KafkaRecord } from '../cdc/index.ts';
import { fileVersions, inStoredOrder, versionsTag } from './file-versions.ts';
import { compactionWindow, type BronzeCompactionOptions } from './compaction.ts';

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
export function freshRecords(
  records: readonly KafkaRecord[],
  storedOffset: (topic: string, partition: number) => bigint | undefined,
): { fresh: KafkaRecord[]; spans: PartitionSpan[] } {
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
        ...BUSY_TABLE_PROPERTIES,
      },
    });
    // Compaction replaces every file a few times as it climbs levels (compaction.ts); the replaced files
    // hold records the live ones still have, so they are kept only briefly (serve vacuums often). A
    // table created before compaction would keep (and checkpoint the tombstones of) a week of them.
    await ensureProperties(table, BUSY_TABLE_PROPERTIES);
    return new Bronze(table, storage, new Map());
  }

  get version(): number {
    return this.table.snapshot().version;
  }

  get snapshot(): Snapshot {
    return this.table.snapshot();
  }

  /** The Delta table, for maintenance (vacuum). */
  get delta(): DeltaTable {
    return this.table;
  }

  /**
   * How this table's data files are written, for `writeBronzeFiles` in another thread: one file per
   * batch, however large, as the versions tag needs (file-versions.ts).
   */
  fileOptions(): DataFileOptions {
    const snap = this.table.snapshot();
    return dataFileOptions(snap.metadata, snap.protocol, { maxRowsPerFile: Infinity });
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
    if (written.adds.length > 1) throw new Error(`internal: a bronze batch is one data file, not ${written.adds.length}`);
    // The one writer (the data folder's lock) commits the version after its snapshot's.
    const expected = this.table.snapshot().version + 1;
    const txn = this.table.transaction({ operation: 'STREAMING UPDATE', operationParameters: { outputMode: 'Append' } });
    for (const add of written.adds) txn.add({ ...add, tags: { ...add.tags, ...versionsTag({ first: expected, last: expected }) } });
    for (const s of written.spans) txn.setTxn(appIdOf(s.topic, s.partition), Number(s.last));
    const version = await txn.commit();
    if (version !== expected) throw new Error(`internal: bronze commit landed at version ${version}, not ${expected}: another writer?`);
    for (const s of written.spans) this.offsets.set(partitionKey(s.topic, s.partition), BigInt(s.last));
    return version;
  }

  /**
   * The records one bronze version added, in the order they were appended, read through its commit (so
   * only while that version's file is live or within the retention). A compaction commit adds none:
   * its files only regroup records already stored (dataChange=false).
   */
  async recordsAt(version: number): Promise<KafkaRecord[]> {
    const actions = await readCommit(this.storage, { path: commitPath(version), size: 0, modified: 0 });
    const out: KafkaRecord[] = [];
    for (const a of actions) if ('add' in a && a.add.dataChange) out.push(...(await this.readFile(a.add)));
    return out;
  }

  /**
   * The last version a compaction merged (0 when none): the pipeline had fully processed every version
   * up to it, since only those merge.
   */
  get compactedThrough(): number {
    let through = 0;
    for (const add of this.table.snapshot().files()) {
      const versions = fileVersions(add);
      if (versions && versions.first < versions.last) through = Math.max(through, versions.last);
    }
    return through;
  }

  /**
   * The records of versions `from` onwards, in stored order, from the live files, one file per chunk:
   * a batch's file at its version, a merged file (whole, even when it starts before `from`) at the
   * last version it holds. Versions before the first tagged file (written before files recorded their
   * versions) are read through their commits.
   */
  async *replay(from: number): AsyncGenerator<{ version: number; records: KafkaRecord[] }> {
    const snapshot = this.table.snapshot();
    const tagged = inStoredOrder(snapshot.files()).filter((f) => f.versions !== undefined);
    const firstTagged = tagged.length > 0 ? tagged[0]!.versions!.first : snapshot.version + 1;
    for (let v = from; v < firstTagged; v++) {
      const records = await this.recordsAt(v);
      if (records.length > 0) yield { version: v, records };
    }
    for (const f of tagged) if (f.versions!.last >= from) yield { version: f.versions!.last, records: await this.readFile(f.add) };
  }

  /**
   * Background compaction: when files of versions through `processedVersion` are due (compaction.ts),
   * folds them into one file in an OPTIMIZE commit (dataChange=false: streaming readers see no new
   * data; no txn: the stored offsets stay). Returns the commit's version, or undefined when nothing was due.
   */
  async compact(processedVersion: number, options: BronzeCompactionOptions = {}): Promise<number | undefined> {
    const snapshot = this.table.snapshot();
    const window = compactionWindow(inStoredOrder(snapshot.files()), processedVersion, options);
    if (window.length === 0) return undefined;
    const schema = readSchemaOf(snapshot);
    const rows: Row[] = [];
    for (const { add } of window) for (const row of readDataFile(add, schema, undefined, await readFileTable(this.storage, add))) rows.push(row);
    const txn = this.table.transaction({ operation: 'OPTIMIZE', operationParameters: { predicate: [], zOrderBy: [], auto: true } });
    for (const { add } of window) txn.remove(add, { dataChange: false });
    const versions = { first: window[0]!.versions!.first, last: window[window.length - 1]!.versions!.last };
    await txn.writeRows(rows, { dataChange: false, maxRowsPerFile: Infinity, tags: versionsTag(versions) });
    return txn.commit();
  }

  private async readFile(add: Add): Promise<KafkaRecord[]> {
    const bytes = await this.storage.read(decodeURIComponent(add.path));
    if (!bytes) throw new Error(`bronze data file ${add.path} is missing`);
    const t = readParquet(bytes);
    const topic = t.getChild('topic')!,
      partition = t.getChild('partition')!,
      offset = t.getChild('offset')!;
    const ts = t.getChild('timestamp')!,
      key = t.getChild('key')!,
      value = t.getChild('value')!;
    const out: KafkaRecord[] = new Array(t.numRows);
    for (let i = 0; i < t.numRows; i++) {
      // Arrow gives a timestamp as epoch milliseconds, whatever the unit stored (microseconds here).
      const ms = ts.get(i) as number | null;
      out[i] = {
        topic: topic.get(i) as string,
        partition: partition.get(i) as number,
        offset: String(offset.get(i)),
        timestamp: ms === null ? 0 : Math.floor(ms),
        key: key.get(i) as string | null,
        value: value.get(i) as string | null,
      };
    }
    return out;
  }
}

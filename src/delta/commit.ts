/**
 * Writing to a Delta table: `DeltaTable` creates or opens one, `Transaction` stages actions and commits
 * them as the next `_delta_log/NNN.json`.
 *
 * Commits are put-if-absent, so two writers never overwrite each other. A writer that loses the race
 * reads the winning commits and, per the protocol's optimistic concurrency rules, either retries at
 * the next version (the winner's changes do not touch what this transaction read or removed: blind
 * appends always retry) or fails with a `conflict` error (the winner removed a file this transaction
 * removes or rewrites, changed metadata or protocol, or recorded the same txn appId).
 *
 * After a commit, when checkpoint-policy.ts says one is due, a checkpoint is written and expired log
 * files are cleaned up; their failure never fails the commit that already happened.
 */
import { randomUUID } from 'node:crypto';
import type { Action, Add, CommitInfo, Metadata, Protocol, Remove, Txn } from './actions.ts';
import { encodeCommit } from './actions.ts';
import { isArray, isMap, isStruct, parseSchema, type DataType, type StructField, type StructType } from './schema.ts';
import { ReplayState, Snapshot, commitTimestamp, readCommit } from './snapshot.ts';
import { LogSegment, commitPath } from './log-segment.ts';
import { columnMappingMode } from './column-mapping.ts';
import { TABLE_FEATURES, findFeature, protocolHasFeature } from './features.ts';
import { recordCount, statsOptionsFromConfiguration } from './stats.ts';
import { writeDataFiles, type DataFileOptions } from './writer.ts';
import { readDeletionVector, encodeDeletionVector, deletionVectorFile, z85Encode } from './deletion-vector.ts';
import { writeCheckpoint } from './checkpoint-write.ts';
import type { CheckpointLogState } from './log-state.ts';
import { cleanupExpiredLogs } from './log-cleanup.ts';
import { checkpointDue } from './checkpoint-policy.ts';
import type { FileInfo, Storage } from '../storage/storage.ts';
import { ErrorCode, LakehouseError, invalidInput, unsupportedFeature } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { ENGINE_INFO } from './engine-info.ts';

/** Lost commit races before giving up; each loss means another writer made progress. */
const MAX_COMMIT_ATTEMPTS = 1000;

export interface CreateTableOptions {
  schema: StructType;
  partitionColumns?: string[];
  configuration?: Record<string, string>;
  name?: string;
  description?: string;
  /** Overrides the protocol derived from the schema and configuration. */
  protocol?: Protocol;
}

export interface TableOptions {
  /** Where checkpoint and log cleanup failures are reported (they never fail a commit). */
  logger?: Logger;
}

export class DeltaTable {
  private current!: Snapshot;
  /** The replay state the current snapshot was built from; never mutated, cloned to apply a commit. */
  private state!: ReplayState;
  /** The log state at the last checkpoint this handle wrote (the next one starts from it). */
  private checkpointed: CheckpointLogState | undefined;

  private constructor(
    readonly storage: Storage,
    readonly logger: Logger,
  ) {}

  /** Opens an existing table; `not_found` when there is none. */
  static async open(storage: Storage, options: TableOptions = {}): Promise<DeltaTable> {
    const table = new DeltaTable(storage, options.logger ?? defaultLogger());
    await table.load();
    return table;
  }

  private async load(version?: number): Promise<Snapshot> {
    const segment = await LogSegment.build(this.storage, version);
    const { state, timestamp } = await Snapshot.replay(this.storage, segment);
    this.current = Snapshot.fromState(this.storage, segment, state, timestamp);
    this.state = state;
    return this.current;
  }

  /** Creates a table at version 0; `conflict` when one exists already. */
  static async create(storage: Storage, opts: CreateTableOptions & TableOptions): Promise<DeltaTable> {
    const partitionColumns = opts.partitionColumns ?? [];
    const configuration = { ...(opts.configuration ?? {}) };
    // A table's commit times should not depend on file modification times, which copies and object
    // stores do not keep: new tables record in-commit timestamps unless told not to.
    if (!opts.protocol) configuration[IN_COMMIT_TIMESTAMPS] ??= 'true';
    let schema = opts.schema;
    for (const p of partitionColumns) {
      if (!schema.fields.some((f) => f.name === p)) throw invalidInput(`partition column ${p} is not in the schema of ${storage.root}`);
    }
    const mode = configuration['delta.columnMapping.mode'] ?? 'none';
    if (mode === 'name' || mode === 'id') {
      const assigned = assignColumnMapping(schema, 0);
      schema = assigned.schema;
      configuration['delta.columnMapping.maxColumnId'] = String(assigned.maxId);
    } else if (mode !== 'none') {
      throw unsupportedFeature(`column mapping mode '${mode}'`, ['none', 'name', 'id']);
    }
    const metadata: Metadata = {
      id: randomUUID(),
      name: opts.name ?? null,
      description: opts.description ?? null,
      format: { provider: 'parquet', options: {} },
      schemaString: JSON.stringify(schema),
      partitionColumns,
      configuration,
      createdTime: Date.now(),
    };
    const protocol = opts.protocol ?? requiredProtocol(schema, configuration);
    const commitInfo = newCommitInfo('CREATE TABLE', { partitionBy: partitionColumns, properties: configuration }, true);
    if (inCommitTimestamps(metadata, protocol)) commitInfo.inCommitTimestamp = commitInfo.timestamp;
    const actions: Action[] = [{ commitInfo }, { protocol }, { metaData: metadata }];
    if (!(await storage.putIfAbsent(commitPath(0), encodeCommit(actions)))) {
      throw new LakehouseError(ErrorCode.conflict, `a Delta table already exists at ${storage.root}`, { hint: 'open it instead of creating it' });
    }
    return DeltaTable.open(storage, opts);
  }

  static async openOrCreate(storage: Storage, opts: CreateTableOptions & TableOptions): Promise<DeltaTable> {
    if ((await Snapshot.latestVersion(storage)) !== undefined) return DeltaTable.open(storage, opts);
    try {
      return await DeltaTable.create(storage, opts);
    } catch (err) {
      // Another process created it between our check and our commit.
      if (err instanceof LakehouseError && err.code === ErrorCode.conflict) return DeltaTable.open(storage, opts);
      throw err;
    }
  }

  /** The latest snapshot this handle knows (after its own commits and refreshes). */
  snapshot(): Snapshot {
    return this.current;
  }

  async refresh(): Promise<Snapshot> {
    const latest = await Snapshot.latestVersion(this.storage);
    return latest === this.current.version ? this.current : this.load();
  }

  transaction(opts: { operation: string; operationParameters?: Record<string, unknown> }): Transaction {
    return new Transaction(this, opts.operation, opts.operationParameters ?? {});
  }

  /**
   * @internal Called by Transaction after a successful commit. When the commit directly follows the
   * current snapshot, the next snapshot is that state plus the committed actions (no log read); after a
   * lost race, or at a checkpoint, the log is read.
   */
  async committed(version: number, actions: readonly Action[], file: FileInfo): Promise<Snapshot> {
    if (version === this.current.version + 1) {
      const state = cloneState(this.state);
      for (const a of actions) state.apply(a, false);
      const segment = this.current.logSegment;
      const next = new LogSegment(version, segment.checkpoint, [...segment.commits, file], [...segment.allCommits, file], this.storage.root);
      this.current = Snapshot.fromState(this.storage, next, state, commitTimestamp(actions, file));
      this.state = state;
    } else {
      await this.load(version);
    }
    if (checkpointDue(this.current.logSegment, this.current.tableProperties)) {
      try {
        const written = await writeCheckpoint(this.storage, this.current, Date.now(), this.checkpointed);
        this.checkpointed = written.logState;
        const deleted = new Set(await cleanupExpiredLogs(this.storage, this.current));
        // The segment starts at the new checkpoint; the state is the one just checkpointed, so it is not read back.
        const segment = this.current.logSegment;
        const checkpoint = { version, kind: 'classic' as const, parts: [{ path: written.path, size: written.sizeInBytes, modified: Date.now() }] };
        const allCommits = segment.allCommits.filter((c) => !deleted.has(c.path));
        this.current = Snapshot.fromState(
          this.storage,
          new LogSegment(version, checkpoint, [], allCommits, this.storage.root),
          this.state,
          this.current.timestamp,
        );
      } catch (err) {
        this.logger.warn('checkpoint after commit failed; the commit itself succeeded', { table: this.storage.root, version, error: (err as Error).message });
      }
    }
    return this.current;
  }
}

export interface DataFileWriteOptions {
  dataChange?: boolean;
  maxRowsPerFile?: number;
  tags?: Record<string, string>;
}

/**
 * How a table's data files are written (schema, partitioning, column mapping, stats), from its metadata
 * and protocol. Plain data, so a file can be written in another thread and staged here with `add`.
 */
export function dataFileOptions(metadata: Metadata, protocol: Protocol, opts: DataFileWriteOptions = {}): DataFileOptions {
  const stats = statsOptionsFromConfiguration(metadata.configuration);
  if (protocolHasFeature(protocol, 'deletionVectors')) stats.tightBounds = true;
  return {
    schema: parseSchema(metadata.schemaString),
    partitionColumns: metadata.partitionColumns,
    columnMapping: columnMappingMode(metadata),
    stats,
    dataChange: opts.dataChange ?? true,
    maxRowsPerFile: opts.maxRowsPerFile,
    tags: opts.tags,
    createdBy: ENGINE_INFO,
  };
}

export class Transaction {
  private readonly readSnapshot: Snapshot;
  private readonly adds: Add[] = [];
  private readonly removes: Remove[] = [];
  private readonly txns: Txn[] = [];
  private metadata: Metadata | undefined;
  private protocol: Protocol | undefined;
  /** Paths of files this transaction removes or rewrites: a concurrent remove of one is a conflict. */
  private readonly touchedPaths = new Set<string>();
  private done = false;

  constructor(
    private readonly table: DeltaTable,
    private readonly operation: string,
    private readonly operationParameters: Record<string, unknown>,
  ) {
    this.readSnapshot = table.snapshot();
  }

  get readVersion(): number {
    return this.readSnapshot.version;
  }

  private get effectiveMetadata(): Metadata {
    return this.metadata ?? this.readSnapshot.metadata;
  }

  private get effectiveProtocol(): Protocol {
    return this.protocol ?? this.readSnapshot.protocol;
  }

  /** Writes the rows as Parquet data files (one per partition) and stages their adds. */
  async writeRows(rows: readonly Record<string, unknown>[], opts: DataFileWriteOptions = {}): Promise<Add[]> {
    const adds = await writeDataFiles(this.table.storage, rows, dataFileOptions(this.effectiveMetadata, this.effectiveProtocol, opts));
    this.adds.push(...adds);
    return adds;
  }

  add(add: Add): void {
    this.adds.push(add);
  }

  remove(add: Add, opts: { dataChange?: boolean } = {}): void {
    this.touchedPaths.add(add.path);
    this.removes.push({
      path: add.path,
      deletionTimestamp: Date.now(),
      dataChange: opts.dataChange ?? true,
      extendedFileMetadata: true,
      partitionValues: add.partitionValues,
      size: add.size,
      stats: add.stats ?? null,
      tags: add.tags ?? null,
      deletionVector: add.deletionVector ?? null,
    });
  }

  setTxn(appId: string, version: number): void {
    const existing = this.txns.findIndex((t) => t.appId === appId);
    const txn = { appId, version, lastUpdated: Date.now() };
    if (existing >= 0) this.txns[existing] = txn;
    else this.txns.push(txn);
  }

  /**
   * Changes table metadata (schema evolution, properties). Given fields replace the current ones;
   * partition columns cannot change. The protocol is upgraded when the new metadata needs features.
   */
  updateMetadata(m: Partial<Metadata> & { schema?: StructType }): void {
    const { schema, ...rest } = m;
    const current = this.effectiveMetadata;
    const next: Metadata = { ...current, ...rest, configuration: rest.configuration ?? current.configuration };
    if (schema) next.schemaString = JSON.stringify(schema);
    const mode = next.configuration['delta.columnMapping.mode'];
    if (schema && (mode === 'name' || mode === 'id')) {
      // New columns of a column-mapped table get ids and physical names after the highest one so far.
      const assigned = assignColumnMapping(schema, Number(next.configuration['delta.columnMapping.maxColumnId'] ?? 0));
      next.schemaString = JSON.stringify(assigned.schema);
      next.configuration = { ...next.configuration, 'delta.columnMapping.maxColumnId': String(assigned.maxId) };
    }
    const nextSchema = parseSchema(next.schemaString);
    if (JSON.stringify(next.partitionColumns) !== JSON.stringify(current.partitionColumns)) {
      throw invalidInput(`cannot change the partition columns of ${this.table.storage.root}`, 'write a new table instead');
    }
    for (const p of next.partitionColumns) {
      if (!nextSchema.fields.some((f) => f.name === p))
        throw invalidInput(`partition column ${p} is missing from the new schema of ${this.table.storage.root}`);
    }
    this.metadata = next;
    const needed = requiredProtocol(nextSchema, next.configuration);
    const upgraded = mergeProtocols(this.effectiveProtocol, needed);
    if (JSON.stringify(upgraded) !== JSON.stringify(this.effectiveProtocol)) this.protocol = upgraded;
  }

  /**
   * Marks rows of a data file deleted with a deletion vector (the table must have the deletionVectors
   * feature): writes `deletion_vector_<uuid>.bin`, removes the add and re-adds its path with the DV.
   * Row indexes are positions in the file; earlier deletions of the file are kept.
   */
  async deleteRows(add: Add, rowIndexes: readonly number[]): Promise<void> {
    await this.deleteRowsInFiles([[add, rowIndexes]]);
  }

  /**
   * `deleteRows` for many data files at once: their deletion vectors share one DV file, each at its own
   * offset, so a batch that touches many files writes (and fsyncs) one file, not one per data file.
   */
  async deleteRowsInFiles(deletions: Iterable<readonly [Add, readonly number[]]>): Promise<void> {
    if (!protocolHasFeature(this.effectiveProtocol, 'deletionVectors')) {
      throw invalidInput(
        `table ${this.table.storage.root} does not have deletion vectors enabled`,
        "create it with configuration 'delta.enableDeletionVectors': 'true'",
      );
    }
    const storage = this.table.storage;
    const uuid = randomUUID();
    const pathOrInlineDv = z85Encode(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
    // The shared file: the version byte once, then each DV framed as a one-DV file frames it.
    const frames: Uint8Array[] = [new Uint8Array([1])];
    let offset = 1;
    for (const [add, rowIndexes] of deletions) {
      const deleted = new Set<number>(rowIndexes);
      if (add.deletionVector) for (const row of await readDeletionVector(storage, add.deletionVector)) deleted.add(row);
      const numRecords = recordCount(add);
      for (const row of deleted) {
        if (!Number.isInteger(row) || row < 0 || (numRecords !== undefined && row >= numRecords)) {
          throw invalidInput(`row index ${row} is not in data file ${add.path} (${numRecords ?? '?'} rows)`);
        }
      }
      this.remove(add);
      if (numRecords !== undefined && deleted.size >= numRecords) continue; // every row is gone: just remove the file
      const dv = deletionVectorFile(encodeDeletionVector(deleted));
      const frame = dv.bytes.subarray(dv.offset);
      frames.push(frame);
      const stats = add.stats ? JSON.stringify({ ...JSON.parse(add.stats), tightBounds: false }) : add.stats;
      this.adds.push({
        ...add,
        modificationTime: Date.now(),
        dataChange: true,
        stats,
        deletionVector: { storageType: 'u', pathOrInlineDv, offset, sizeInBytes: dv.sizeInBytes, cardinality: deleted.size },
      });
      offset += frame.length;
    }
    if (frames.length > 1) await storage.write(`deletion_vector_${uuid}.bin`, Buffer.concat(frames));
  }

  /** Commits the staged actions; returns the new version. Retries past compatible concurrent commits. */
  async commit(): Promise<number> {
    if (this.done) throw invalidInput('this transaction was already committed', 'start a new transaction');
    this.done = true;
    const storage = this.table.storage;
    const isBlindAppend = this.removes.length === 0 && this.touchedPaths.size === 0 && !this.metadata && !this.protocol;
    const commitInfo = newCommitInfo(this.operation, this.operationParameters, isBlindAppend);
    commitInfo.readVersion = this.readSnapshot.version;
    let version = this.readSnapshot.version + 1;
    const ict = inCommitTimestamps(this.metadata ?? this.readSnapshot.metadata, this.effectiveProtocol);
    let previousTimestamp = this.readSnapshot.timestamp;
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const actions: Action[] = [{ commitInfo }];
      if (this.protocol) actions.push({ protocol: this.protocol });
      if (this.metadata) actions.push({ metaData: this.metadata });
      for (const txn of this.txns) actions.push({ txn });
      for (const remove of this.removes) actions.push({ remove });
      for (const add of this.adds) actions.push({ add });
      commitInfo.timestamp = Date.now();
      // In-commit timestamps must grow with the version, whatever the clocks of the writers say.
      if (ict) commitInfo.inCommitTimestamp = Math.max(commitInfo.timestamp, previousTimestamp + 1);
      const text = encodeCommit(actions);
      if (await storage.putIfAbsent(commitPath(version), text)) {
        const file = { path: commitPath(version), size: Buffer.byteLength(text), modified: Date.now() };
        await this.table.committed(version, actions, file);
        return version;
      }
      previousTimestamp = await this.checkConflicts(version);
      version++;
    }
    throw new LakehouseError(ErrorCode.conflict, `gave up committing to ${storage.root} after ${MAX_COMMIT_ATTEMPTS} lost races`, { retryable: true });
  }

  /** Throws `conflict` when the commit that won `version` is incompatible with this transaction; else its time. */
  private async checkConflicts(version: number): Promise<number> {
    const storage = this.table.storage;
    const path = commitPath(version);
    const winner = await readCommit(storage, { path, size: 0, modified: 0 });
    const fail = (what: string) => {
      throw new LakehouseError(ErrorCode.conflict, `concurrent commit ${version} to ${storage.root} ${what}`, {
        hint: 'refresh the table and retry the operation',
        retryable: true,
      });
    };
    for (const action of winner) {
      if ('metaData' in action) fail('changed the table metadata');
      if ('protocol' in action) fail('changed the table protocol');
      if ('txn' in action && this.txns.some((t) => t.appId === action.txn.appId)) fail(`recorded a transaction for app id ${action.txn.appId}`);
      if ('remove' in action && this.touchedPaths.has(action.remove.path))
        fail(`removed the file ${action.remove.path} this transaction also removes or rewrites`);
    }
    return commitTimestamp(winner, { path, size: 0, modified: Date.now() });
  }
}

function cloneState(state: ReplayState): ReplayState {
  const copy = new ReplayState();
  copy.protocol = state.protocol;
  copy.metadata = state.metadata;
  for (const [k, v] of state.files) copy.files.set(k, v);
  for (const [k, v] of state.txns) copy.txns.set(k, v);
  for (const [k, v] of state.domains) copy.domains.set(k, v);
  return copy;
}

function defaultLogger(): Logger {
  return createLogger({ level: 'warn' }, { component: 'delta' });
}

/** Spark writes operationParameters as strings (JSON for non-strings); its history reader expects that. */
function newCommitInfo(operation: string, parameters: Record<string, unknown>, isBlindAppend: boolean): CommitInfo {
  const operationParameters = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return { timestamp: Date.now(), operation, operationParameters, isolationLevel: 'Serializable', isBlindAppend, engineInfo: ENGINE_INFO, txnId: randomUUID() };
}

const LEGACY_WRITER_FEATURES = ['appendOnly', 'invariants'];
const IN_COMMIT_TIMESTAMPS = 'delta.enableInCommitTimestamps';

/** Whether commits to this table carry an in-commit timestamp (PROTOCOL.md, "In-Commit Timestamps"). */
function inCommitTimestamps(metadata: Metadata, protocol: Protocol): boolean {
  return metadata.configuration[IN_COMMIT_TIMESTAMPS] === 'true' && protocolHasFeature(protocol, 'inCommitTimestamp');
}

/**
 * The lowest protocol that supports the schema and configuration: (1,2) unless features are needed;
 * writer-only features (in-commit timestamps) keep reader version 1, so every reader still reads it.
 */
export function requiredProtocol(schema: StructType, configuration: Record<string, string>): Protocol {
  const features: string[] = [];
  if (configuration['delta.enableDeletionVectors'] === 'true') features.push('deletionVectors');
  if (usesType(schema, 'timestamp_ntz')) features.push('timestampNtz');
  const mode = configuration['delta.columnMapping.mode'];
  if (mode === 'name' || mode === 'id') features.push('columnMapping');
  const writerOnly = configuration[IN_COMMIT_TIMESTAMPS] === 'true' ? ['inCommitTimestamp'] : [];
  // As Spark does, keep the writer features that (1,2) implies: NOT NULL columns count as invariants,
  // and Spark refuses a table whose schema needs a feature its protocol does not list.
  const writerFeatures = [...LEGACY_WRITER_FEATURES, ...features, ...writerOnly];
  if (features.length === 0)
    return writerOnly.length ? { minReaderVersion: 1, minWriterVersion: 7, writerFeatures } : { minReaderVersion: 1, minWriterVersion: 2 };
  return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: features, writerFeatures };
}

/**
 * A protocol that has everything both have. Legacy versions become explicit feature lists when needed;
 * reader version 3 only when a reader-writer feature is needed that the reader version does not imply.
 */
function mergeProtocols(current: Protocol, needed: Protocol): Protocol {
  const enabled = (p: Protocol) => [
    ...new Set([...TABLE_FEATURES.filter((f) => protocolHasFeature(p, f.name)).map((f) => f.name), ...(p.readerFeatures ?? []), ...(p.writerFeatures ?? [])]),
  ];
  const wanted = enabled(needed);
  if (wanted.every((f) => protocolHasFeature(current, f))) return current;
  const all = [...new Set([...enabled(current), ...wanted])];
  const readerFeatures = all.filter((f) => findFeature(f)?.readerWriter);
  const legacyReaderSuffices = readerFeatures.every((f) => (findFeature(f)?.minReaderVersion ?? 3) <= current.minReaderVersion && current.minReaderVersion < 3);
  if (legacyReaderSuffices) return { minReaderVersion: current.minReaderVersion, minWriterVersion: 7, writerFeatures: all };
  return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures, writerFeatures: all };
}

function usesType(t: DataType | StructType, name: string): boolean {
  if (typeof t === 'string') return t === name;
  if (isStruct(t)) return t.fields.some((f) => usesType(f.type, name));
  if (isArray(t)) return usesType(t.elementType, name);
  if (isMap(t)) return usesType(t.keyType, name) || usesType(t.valueType, name);
  return false;
}

/** Gives every field a column mapping id and a physical name `col-<uuid>`, numbering after `maxId`. */
function assignColumnMapping(schema: StructType, maxId: number): { schema: StructType; maxId: number } {
  let next = maxId;
  const assignType = (t: DataType): DataType => {
    if (isStruct(t)) return { ...t, fields: t.fields.map(assignField) };
    if (isArray(t)) return { ...t, elementType: assignType(t.elementType) };
    if (isMap(t)) return { ...t, keyType: assignType(t.keyType), valueType: assignType(t.valueType) };
    return t;
  };
  const assignField = (f: StructField): StructField => {
    const metadata = { ...f.metadata };
    if (metadata['delta.columnMapping.id'] === undefined) metadata['delta.columnMapping.id'] = ++next;
    if (metadata['delta.columnMapping.physicalName'] === undefined) metadata['delta.columnMapping.physicalName'] = `col-${randomUUID()}`;
    return { ...f, type: assignType(f.type), metadata };
  };
  return { schema: { type: 'struct', fields: schema.fields.map(assignField) }, maxId: next };
}

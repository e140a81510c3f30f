/** Builds small Delta tables by hand in a temp directory, so reader tests control every log file. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { LocalStorage } from '../../../src/storage/local.ts';
import { encodeCommit, type Action, type Add, type Metadata, type Protocol } from '../../../src/delta/actions.ts';
import { commitPath } from '../../../src/delta/log-segment.ts';
import { writeParquet } from '../../../src/parquet/index.ts';
import { encodeDeletionVector, z85Encode } from '../../../src/delta/deletion-vector.ts';

export const tempStorage = () => new LocalStorage(mkdtempSync(join(tmpdir(), 'delta-reader-')));

export const protocol = (p: Partial<Protocol> = {}): Action => ({ protocol: { minReaderVersion: 1, minWriterVersion: 2, ...p } });

export const metaData = (schema: object, m: Partial<Metadata> = {}): Action => ({
  metaData: {
    id: 'test-table',
    format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify(schema),
    partitionColumns: [],
    configuration: {},
    createdTime: 0,
    ...m,
  },
});

export const idSchema = { type: 'struct', fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }] };

export const commitInfo = (timestamp: number, operation = 'WRITE'): Action => ({
  commitInfo: { timestamp, operation, operationParameters: { mode: 'Append' }, engineInfo: 'test' },
});

export async function writeCommit(storage: LocalStorage, version: number, actions: Action[]) {
  await storage.write(commitPath(version), encodeCommit(actions));
}

/** Writes a parquet file with one int64 column `id` and returns its add action. */
export async function writeIdFile(storage: LocalStorage, path: string, ids: number[], extra: Partial<Add> = {}): Promise<{ add: Add }> {
  const bytes = writeParquet(tableFromArrays({ id: BigInt64Array.from(ids.map(BigInt)) }));
  await storage.write(path, bytes);
  return { add: { path, partitionValues: {}, size: bytes.length, modificationTime: 0, dataChange: true, ...extra } };
}

export async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

/** An inline deletion vector removing these row indexes. */
export const inlineDv = (rows: number[]) => {
  const bitmap = encodeDeletionVector(rows);
  return { storageType: 'i' as const, pathOrInlineDv: z85Encode(bitmap), sizeInBytes: bitmap.length, cardinality: rows.length };
};

/** Adds as plain objects without null fields: a checkpoint spells absent optional fields as nulls, a commit leaves them out. */
export const withoutNulls = (adds: readonly object[]) =>
  adds.map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== null && v !== undefined)));

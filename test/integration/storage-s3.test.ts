/**
 * S3Storage against a real S3-compatible server (moto, started on loopback): the shared storage
 * contract suite, then a Delta table written through S3 by two concurrent writers.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { S3Storage } from '../../src/storage/s3.ts';
import { openStorage } from '../../src/storage/index.ts';
import { DeltaTable } from '../../src/delta/commit.ts';
import { scan } from '../../src/delta/scan.ts';
import { field, struct } from '../../src/delta/schema.ts';
import { storageSuite } from '../conformance/storage-suite.ts';
import { installPythonDeps, startMoto, type MotoServer } from './moto-server.ts';

let moto: MotoServer;
let bucketCount = 0;

beforeAll(async () => {
  installPythonDeps();
  moto = await startMoto();
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_REGION = 'us-east-1';
  process.env.LAKEHOUSE_S3_ENDPOINT = moto.endpoint;
}, 300_000);

afterAll(async () => {
  await moto?.stop();
});

/** A fresh bucket per test, with a prefix so keys are not at the bucket root. */
async function freshStorage(): Promise<S3Storage> {
  const bucket = `lakehouse-test-${++bucketCount}`;
  const client = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return S3Storage.fromUrl(`s3://${bucket}/tables/t1`);
}

storageSuite('S3Storage (moto)', freshStorage);

describe('S3Storage', () => {
  test('fromUrl parses bucket and prefix; openStorage picks S3 for s3:// locations', async () => {
    const s = S3Storage.fromUrl('s3://bucket/a/b/');
    expect([s.bucket, s.prefix, s.root]).toEqual(['bucket', 'a/b', 's3://bucket/a/b']);
    expect((await openStorage('s3://bucket')).root).toBe('s3://bucket');
    expect(() => S3Storage.fromUrl('s3:///x')).toThrow('not an S3 location');
  });

  test('a missing bucket is a clear not_found', async () => {
    const err = await S3Storage.fromUrl('s3://no-such-bucket-here/x')
      .list('')
      .catch((e) => e);
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('no-such-bucket-here');
  });

  test('a Delta table on S3: two writers append concurrently, every row and version is there', async () => {
    const storage = await freshStorage();
    const schema = struct([field('id', 'long'), field('who', 'string')]);
    const a = await DeltaTable.create(storage, { schema, partitionColumns: ['who'], configuration: { 'delta.checkpointInterval': '5' } });
    const b = await DeltaTable.open(S3Storage.fromUrl(storage.root));
    const writer = async (table: DeltaTable, who: string) => {
      for (let i = 0; i < 6; i++) {
        const tx = table.transaction({ operation: 'WRITE' });
        await tx.writeRows([{ id: i, who }]);
        await tx.commit();
      }
    };
    await Promise.all([writer(a, 'a'), writer(b, 'b')]);
    const snap = await a.refresh();
    expect(snap.version).toBe(12);
    expect((await storage.list('_delta_log')).map((f) => f.path.split('/')[1]).filter((n) => n.includes('checkpoint'))).toEqual([
      '00000000000000000005.checkpoint.parquet',
      '00000000000000000010.checkpoint.parquet',
      '_last_checkpoint',
    ]);
    const rows = [];
    for await (const row of scan(snap, storage)) rows.push(`${row.who}${row.id}`);
    expect(rows.sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0', 'b1', 'b2', 'b3', 'b4', 'b5']);
  }, 60_000);

  test('lakehouse cat, history and describe read a table straight from s3://', async () => {
    const storage = await freshStorage();
    const table = await DeltaTable.create(storage, { schema: struct([field('id', 'long'), field('city', 'string')]) });
    const tx = table.transaction({ operation: 'WRITE' });
    await tx.writeRows([
      { id: 1, city: 'Avalon' },
      { id: 2, city: 'Brightwater' },
    ]);
    await tx.commit();
    const cli = (...args: string[]) => Bun.spawnSync(['bun', join(import.meta.dir, '../../src/cli/main.ts'), ...args], { env: process.env });
    const cat = cli('cat', storage.root, '--format', 'ndjson');
    expect(cat.stderr.toString()).toBe('');
    expect(cat.stdout.toString().trim().split('\n').sort()).toEqual(['{"id":"1","city":"Avalon"}', '{"id":"2","city":"Brightwater"}']);
    expect(cli('history', storage.root, '--format', 'ndjson').stdout.toString()).toContain('"operation":"WRITE"');
    expect(cli('describe', storage.root).exitCode).toBe(0);
  }, 60_000);
});

/**
 * The pipeline with its tables on S3 (a real S3-compatible server, moto, on loopback): bronze, silver,
 * gold and dead letters are written there, lakehouse.db stays in a local state folder, and cat, query
 * (with time travel) and delta-rs all read the same rows a local run produces.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { installPythonDeps, startMoto, type MotoServer } from './moto-server.ts';
import { VoterStream, voter } from '../support/voters-records.ts';

const root = resolve(import.meta.dir, '../..');
const work = mkdtempSync(join(tmpdir(), 'lh-pipeline-s3-'));
let moto: MotoServer;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  installPythonDeps();
  moto = await startMoto();
  env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', LAKEHOUSE_S3_ENDPOINT: moto.endpoint };
  const client = new S3Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await client.send(new CreateBucketCommand({ Bucket: 'lake' }));
}, 300_000);

afterAll(async () => {
  await moto?.stop();
  rmSync(work, { recursive: true, force: true });
});

const cli = (...args: string[]) => {
  const r = Bun.spawnSync(['bun', join(root, 'src/cli/main.ts'), ...args], { env });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
};

test('ingest into s3://, then cat, query with time travel and delta-rs read it back', async () => {
  const s = new VoterStream();
  const records = [];
  for (let i = 1; i <= 30; i++) records.push(s.change('c', i, null, voter(i, `City${i % 3}`)));
  for (let i = 1; i <= 30; i += 4) records.push(s.change('u', 100 + i, null, voter(i, 'Moved')));
  for (let i = 2; i <= 30; i += 7) records.push(s.change('d', 200 + i, voter(i, 'x'), null));
  const input = join(work, 'records.ndjson');
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');

  const remote = cli('ingest', '--data', 's3://lake/demo', '--state', join(work, 'state'), '--batch', '10', input);
  expect(remote.err).toBe('');
  expect(remote.out).toContain('ingest done');
  const local = cli('ingest', '--data', join(work, 'local'), '--batch', '10', input);
  expect(local.code).toBe(0);

  const rows = (out: string) => out.trim().split('\n').sort();
  const fromS3 = cli('cat', 'voters', '--data', 's3://lake/demo', '--format', 'ndjson');
  expect(fromS3.err).toBe('');
  expect(rows(fromS3.out)).toEqual(rows(cli('cat', 'voters', '--data', join(work, 'local'), '--format', 'ndjson').out));
  expect(rows(fromS3.out).length).toBe(30 - 5);

  const query = cli(
    'query',
    '--data',
    's3://lake/demo',
    '--state',
    join(work, 'state'),
    '--format',
    'ndjson',
    'SELECT (SELECT count(*) FROM voters) AS now, (SELECT count(*) FROM voters@v1) AS first',
  );
  expect(query.err).toBe('');
  expect(JSON.parse(query.out.trim())).toEqual({ now: 25, first: 10 });

  const read = Bun.spawnSync(
    [
      'python3',
      '-c',
      `
import json, sys, pyarrow as pa
from deltalake import DeltaTable, QueryBuilder
opts = {"AWS_ENDPOINT_URL": sys.argv[1], "AWS_ALLOW_HTTP": "true", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}
t = DeltaTable("s3://lake/demo/silver/voters", storage_options=opts)
print(json.dumps(sorted(pa.table(QueryBuilder().register("t", t).execute("select id, city from t").read_all()).to_pylist(), key=lambda r: r["id"])))
`,
      moto.endpoint,
    ],
    { env },
  );
  expect(read.stderr.toString()).toBe('');
  const ours = rows(fromS3.out)
    .map((l) => JSON.parse(l))
    .map((r) => ({ id: r.id, city: r.city }))
    .sort((a, b) => a.id - b.id);
  expect(JSON.parse(read.stdout.toString())).toEqual(ours);
}, 180_000);

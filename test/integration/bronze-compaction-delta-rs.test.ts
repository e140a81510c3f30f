/**
 * Compacted bronze as other readers see it: `lakehouse ingest --batch 1` commits a bronze version per
 * record, the pipeline folds them into a few files (dataChange=false), VACUUM deletes the replaced
 * ones, and then delta-rs (python deltalake) returns every record exactly once, `lakehouse cat bronze`
 * prints them in stored order, and that output ingested into an empty folder gives the same silver.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { DeltaTable } from '../../src/delta/commit.ts';
import { vacuum } from '../../src/delta/maintenance.ts';
import { inStoredOrder } from '../../src/bronze/index.ts';
import { VoterStream, voter } from '../support/voters-records.ts';
import type { KafkaRecord } from '../../src/cdc/index.ts';
import { installPythonDeps } from './moto-server.ts';

const main = resolve(import.meta.dir, '../../src/cli/main.ts');
const work = mkdtempSync(join(tmpdir(), 'lh-bronze-interop-'));
const data = join(work, 'data');
const bronze = join(data, 'bronze');
const RECORDS = 150;

function lakehouse(args: string[]) {
  const r = Bun.spawnSync([process.execPath, main, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
  if (r.exitCode !== 0) throw new Error(`lakehouse ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const canonical = (rows: unknown[]) => rows.map((r) => JSON.stringify(r, Object.keys(r as object).sort())).sort();
const ndjsonRows = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  installPythonDeps();
  const s = new VoterStream();
  const records: KafkaRecord[] = [];
  for (let i = 0; i < RECORDS; i++) records.push(s.change(i % 3 === 2 ? 'u' : 'c', i + 1, null, voter(1 + (i % 50), `city${i}`)));
  const input = join(work, 'records.ndjson');
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  lakehouse(['ingest', '--data', data, '--batch', '1', input]);
  await vacuum(await DeltaTable.open(new LocalStorage(bronze)), { retentionHours: 0, enforceRetention: false });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('compacted bronze read by others', () => {
  test('delta-rs returns every record once, the rows lakehouse cat prints in stored order', async () => {
    const files = inStoredOrder((await DeltaTable.open(new LocalStorage(bronze))).snapshot().files());
    expect(files.length).toBeLessThan(20);
    expect(files.some((f) => f.versions!.first < f.versions!.last)).toBe(true);

    const ours = ndjsonRows(lakehouse(['cat', 'bronze', '--data', data, '--format', 'ndjson']));
    expect(ours.map((r) => Number(r.offset))).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
    const proc = Bun.spawnSync(['python3', join(import.meta.dir, 'read_delta.py'), 'deltalake', JSON.stringify([{ path: bronze }])], {
      stdout: 'pipe',
      stderr: 'pipe',
    });
    if (proc.exitCode !== 0) throw new Error(`delta-rs failed: ${proc.stderr.toString().slice(-3000)}`);
    const [theirs] = JSON.parse(proc.stdout.toString());
    expect(Array.isArray(theirs)).toBe(true);
    expect(canonical(theirs)).toEqual(canonical(ours));
  }, 120_000);

  test('cat bronze ingested into an empty folder gives the same silver table', () => {
    const copy = join(work, 'copy');
    const dump = join(work, 'bronze.ndjson');
    writeFileSync(dump, lakehouse(['cat', 'bronze', '--data', data, '--format', 'ndjson']));
    lakehouse(['ingest', '--data', copy, dump]);
    const voters = (dir: string) => canonical(ndjsonRows(lakehouse(['cat', 'voters', '--data', dir, '--format', 'ndjson'])));
    const original = voters(data);
    expect(original.length).toBe(50);
    expect(voters(copy)).toEqual(original);
  }, 120_000);
});

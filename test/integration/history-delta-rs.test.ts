/**
 * The SCD type 2 history table as other engines see it: `lakehouse ingest --history voters` (then
 * `LAKEHOUSE_HISTORY` on a second run) writes silver/voters__history with deletion vectors on closed
 * versions, and delta-rs (python deltalake) returns exactly the rows `lakehouse cat` prints, at the
 * latest version and at an older one.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { Snapshot } from '../../src/delta/snapshot.ts';
import { VoterStream, voter } from '../support/voters-records.ts';
import type { KafkaRecord } from '../../src/cdc/index.ts';
import { installPythonDeps } from './moto-server.ts';

const main = resolve(import.meta.dir, '../../src/cli/main.ts');
const work = mkdtempSync(join(tmpdir(), 'lh-history-interop-'));
const data = join(work, 'data');
const history = join(data, 'silver', 'voters__history');

function lakehouse(args: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync([process.execPath, main, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1', ...env } });
  if (r.exitCode !== 0) throw new Error(`lakehouse ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

function ndjson(name: string, records: KafkaRecord[]): string {
  const path = join(work, name);
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

const canonical = (rows: unknown[]) => rows.map((r) => JSON.stringify(r, Object.keys(r as object).sort())).sort();

function deltaRs(version: number): unknown[] {
  const proc = Bun.spawnSync(['python3', join(import.meta.dir, 'read_delta.py'), 'deltalake', JSON.stringify([{ path: history, version }])], {
    stdout: 'pipe',
    stderr: 'pipe',
  });
  if (proc.exitCode !== 0) throw new Error(`delta-rs failed: ${proc.stderr.toString().slice(-3000)}`);
  const [rows] = JSON.parse(proc.stdout.toString());
  if (!Array.isArray(rows)) throw new Error(`delta-rs could not read version ${version}: ${JSON.stringify(rows)}`);
  return rows;
}

const cat = (version: number) =>
  lakehouse(['cat', 'voters__history', '--data', data, '--format', 'ndjson', '--version', String(version)])
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(() => {
  installPythonDeps();
  const s = new VoterStream();
  const first: KafkaRecord[] = [];
  for (let id = 1; id <= 30; id++) first.push(s.change('c', id * 10, null, voter(id, `city${id}`)));
  for (let id = 1; id <= 30; id += 2) first.push(s.change('u', 1000 + id, null, voter(id, `moved${id}`)));
  lakehouse(['ingest', '--data', data, '--history', 'voters,polls', '--batch', '20', ndjson('first.ndjson', first)]);
  const second: KafkaRecord[] = [];
  for (let id = 1; id <= 30; id += 3) second.push(s.change('d', 2000 + id, voter(id, 'x'), null));
  for (let id = 1; id <= 30; id += 6) second.push(s.change('c', 3000 + id, null, voter(id, `back${id}`)));
  // Late: older than the versions it falls between, so it splits one.
  second.push(s.change('u', 500, null, voter(3, 'late3')));
  lakehouse(['ingest', '--data', data, '--batch', '7', ndjson('second.ndjson', second)], { LAKEHOUSE_HISTORY: 'voters' });
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the history table read by delta-rs', () => {
  test('delta-rs returns the rows lakehouse cat prints, at the latest and an older version', async () => {
    const snap = await Snapshot.open(new LocalStorage(history));
    expect(snap.files().some((a) => a.deletionVector)).toBe(true);
    for (const version of [snap.version, 3]) {
      const ours = cat(version);
      expect(ours.length).toBeGreaterThan(0);
      expect(canonical(deltaRs(version))).toEqual(canonical(ours));
    }
    const latest = cat(snap.version) as Record<string, unknown>[];
    // 30 inserts, 15 updates, 5 re-inserts after deletes, 1 late update.
    expect(latest.length).toBe(51);
    expect(latest.filter((r) => r.__end_at === null).length).toBe(30 - 10 + 5);
    expect(latest.find((r) => r.city === 'late3')).toMatchObject({ __start_at: '2026-01-05T08:00:00.500000', __end_at: '2026-01-05T08:00:01.003000' });
  }, 120_000);
});

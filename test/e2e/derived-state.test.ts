/**
 * lakehouse.db is derived: after an ingest of the voters book (with its gold and a history), deleting
 * lakehouse.db and opening the folder again gives the same SQL answers for every table SQL serves
 * (silver, the history, every gold table, change_activity included) and the same gold Delta tables.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, ensureBinary, root } from '../support/binary.ts';
import { votersNdjson } from '../bench/voters-ndjson.ts';

const work = mkdtempSync(join(tmpdir(), 'lh-e2e-derived-'));
beforeAll(ensureBinary, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const data = join(work, 'data');
const config = join(root, 'src/gold/voters-book.toml');

function lakehouse(...args: string[]) {
  const r = Bun.spawnSync([binary, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

const ingest = (file: string) => {
  const r = lakehouse('ingest', '--data', data, '--config', config, '--history', 'voters', '--batch', '250', file);
  expect({ code: r.code, err: r.err.split('\n').filter((l) => / (WARN|ERROR) /.test(l)) }).toEqual({ code: 0, err: [] });
};

const sortedLines = (text: string) => text.trim().split('\n').filter(Boolean).sort();

/** Every table's SQL answer (served from lakehouse.db) and every gold table's Delta rows. */
function snapshot(): Record<string, string[]> {
  const names = [
    ...readdirSync(join(data, 'silver')),
    ...readdirSync(join(data, 'gold')),
    'poll_latest_answers', // an unpublished gold step: served by SQL only
  ];
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const q = lakehouse('query', '--data', data, '--format', 'ndjson', '--limit', '1000000', `SELECT * FROM "${name}"`);
    expect(q.err).toBe('');
    out[`sql ${name}`] = sortedLines(q.out);
  }
  for (const name of readdirSync(join(data, 'gold')))
    out[`delta gold/${name}`] = sortedLines(lakehouse('cat', `gold/${name}`, '--data', data, '--format', 'ndjson').out);
  return out;
}

test('deleting lakehouse.db and opening again gives identical tables, change_activity included', async () => {
  const file = await votersNdjson(3000, 11, join(work, 'voters.ndjson'));
  ingest(file);
  const before = snapshot();
  expect(Object.keys(before)).toContain('sql voters__history');
  expect(Object.keys(before)).toContain('delta gold/change_activity');
  for (const [name, rows] of Object.entries(before)) expect({ name, rows: rows.length > 0 }).toEqual({ name, rows: true });

  for (const f of readdirSync(data)) if (f.startsWith('lakehouse.db')) rmSync(join(data, f));
  const empty = join(work, 'empty.ndjson');
  writeFileSync(empty, '');
  ingest(empty); // opens the folder: rebuilds lakehouse.db from the Delta tables
  expect(snapshot()).toEqual(before);
}, 300_000);

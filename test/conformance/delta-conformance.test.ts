/**
 * Runs every case of the shared Delta conformance tables (shared/delta-conformance/manifest.json, see its
 * README) through the reader: rows are compared as a multiset with the expected rows, columns by name.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { Snapshot, scan, tableChanges, changeFeedFields, type Row } from '../../src/delta/index.ts';
import { LakehouseError } from '../../src/core/errors.ts';
import type { DataType, StructField } from '../../src/delta/schema.ts';
import { prettyCell } from './arrow-pretty.ts';

// CI clones the repo next to shared/, so resolve from this file rather than the working directory.
const ROOT = resolve(import.meta.dir, '../../../shared/delta-conformance');
if (!existsSync(join(ROOT, 'manifest.json'))) {
  throw new Error(`Delta conformance tables not found at ${ROOT}: shared/delta-conformance must sit beside the repository`);
}

interface Case {
  id: string;
  table: string;
  expected: { kind: string; versions?: string[] };
}
const cases: Case[] = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')).cases;

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** Canonical text of a row with keys sorted, so rows compare as a multiset of strings. */
function rowKey(row: unknown): string {
  return JSON.stringify(row, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
const multiset = (rows: unknown[]) => rows.map(rowKey).sort();

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

async function readRows(storage: LocalStorage, version?: number) {
  const snapshot = await Snapshot.open(storage, { version });
  return { snapshot, rows: await collect(scan(snapshot, storage)) };
}

/**
 * golden/data-reader-partition-values stores the timestamp partition value "2021-09-08 11:11:11" with no
 * zone. We read zone-less partition timestamps as UTC (like delta-kernel-rs); Spark wrote the expected
 * rows in a Pacific session zone (PDT, UTC-7 in September), so its 18:11:11 UTC is our 11:11:11.
 */
const PARTITION_TIMESTAMP_TRAP = 'golden/data-reader-partition-values';
function readAsUtc(expected: Row[]): Row[] {
  return expected.map((row) => {
    if (row.as_timestamp === null) return row;
    expect(row.as_timestamp).toBe('2021-09-08T18:11:11.000000');
    return { ...row, as_timestamp: '2021-09-08T11:11:11.000000' };
  });
}

/** kernel-rs expectations: cells as arrow pretty-print strings; render ours the same way by Delta type. */
function prettyRows(rows: Row[], columns: string[], types: Map<string, DataType>, emptyIsNull: boolean): Record<string, string | null>[] {
  return rows.map((row) =>
    Object.fromEntries(
      columns.map((c) => {
        const text = prettyCell(row[c] ?? null, types.get(c)!);
        return [c, text === '' && emptyIsNull ? null : text];
      }),
    ),
  );
}

/** `"cdf-table", 0, None, None` -> start 0, end latest. */
function parseCdfCall(call: string): { start: number; end?: number } {
  const [, start, end] = call.split(',').map((s) => s.trim());
  return { start: Number(start), end: end === 'None' ? undefined : Number(end) };
}

for (const c of cases) {
  const caseDir = dirname(join(ROOT, c.table));
  const storage = new LocalStorage(join(ROOT, c.table));

  describe(c.id, () => {
    switch (c.expected.kind) {
      case 'parquet+json': {
        if (c.id.startsWith('dat-')) {
          for (const v of c.expected.versions ?? ['latest']) {
            test(v, async () => {
              const meta = readJson(join(caseDir, 'expected', v, 'table_version_metadata.json'));
              const { snapshot, rows } = await readRows(storage, v === 'latest' ? undefined : Number(v.slice(1)));
              expect(snapshot.version).toBe(meta.version);
              expect(`${snapshot.protocol.minReaderVersion}/${snapshot.protocol.minWriterVersion}`).toBe(
                `${meta.min_reader_version}/${meta.min_writer_version}`,
              );
              expect(multiset(rows)).toEqual(multiset(readJson(join(caseDir, 'expected', v, 'table_content.json')).rows));
            });
          }
        } else {
          test('latest', async () => {
            const { rows } = await readRows(storage);
            let expected: Row[] = readJson(join(caseDir, 'expected.json')).rows;
            if (c.id === PARTITION_TIMESTAMP_TRAP) expected = readAsUtc(expected);
            expect(multiset(rows)).toEqual(multiset(expected));
          });
        }
        break;
      }
      case 'json':
        test('expected version', async () => {
          const expected = readJson(join(caseDir, 'expected.json'));
          const { snapshot, rows } = await readRows(storage);
          expect(snapshot.version).toBe(expected.version);
          const columns: string[] = expected.schema.map((f: { name: string }) => f.name);
          const projected = rows.map((r) => Object.fromEntries(columns.map((k) => [k, r[k]])));
          expect(multiset(projected)).toEqual(multiset(expected.rows));
        });
        break;
      case 'error':
        test('is rejected with a clear error', async () => {
          const err = await Snapshot.open(storage).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(LakehouseError);
          expect((err as LakehouseError).code).toBe('corrupt_table');
          expect((err as LakehouseError).message).toContain('no protocol action');
        });
        break;
      case 'text+json': {
        const files = readdirSync(caseDir).filter((f) => /^expected.*\.json$/.test(f));
        for (const file of files) {
          const spec = readJson(join(caseDir, file));
          const emptyIsNull = !/empty string/.test(spec.cell_encoding);
          for (const call of spec.cases) {
            test(`${file}: ${call.call}`, async () => {
              const latest = await Snapshot.open(storage);
              const types = new Map<string, DataType>([...latest.schema.fields, ...changeFeedFields].map((f: StructField) => [f.name, f.type]));
              const isCdf = c.id.includes('/cdf-');
              const tableColumns = call.columns.filter((col: string) => !col.startsWith('_'));
              const rows = isCdf
                ? await collect(
                    tableChanges(storage, { startVersion: parseCdfCall(call.call).start, endVersion: parseCdfCall(call.call).end, columns: tableColumns }),
                  )
                : await collect(scan(latest, storage, { columns: call.columns }));
              expect(multiset(prettyRows(rows, call.columns, types, emptyIsNull))).toEqual(multiset(call.rows));
            });
          }
        }
        break;
      }
      case 'writer-stats':
        // The writer's statistics are tested by the writer's suite; reading this table is still checked.
        test.skip('per-file statistics (a writer fixture, tested with the Delta writer)', () => {});
        test('reads', async () => {
          const { rows } = await readRows(storage);
          expect(rows.length).toBeGreaterThan(0);
        });
        break;
      default:
        test('has a known expectation kind', () => {
          throw new Error(`unknown expectation kind ${c.expected.kind} in manifest for ${c.id}`);
        });
    }
  });
}

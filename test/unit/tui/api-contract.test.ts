/**
 * The TUI's copy of the HTTP contract (tui/api-types.ts) against the server's types
 * (src/pipeline/lakehouse-view.ts). The TUI imports nothing from src/, so this test is where the two
 * meet: `tsc -p test` fails below when an answer of the server would not fit the type the TUI reads it
 * as, or when an enumeration differs (so every status and source kind has its look in the header).
 */
import { expect, test } from 'bun:test';
import { RUN_STATES, SOURCE_KINDS } from '../../../src/pipeline/lakehouse-view.ts';
import type * as server from '../../../src/pipeline/lakehouse-view.ts';
import type * as tui from '../../../tui/api-types.ts';
import { titleLine } from '../../../tui/header-format.ts';
import { HEALTH } from './fixtures.ts';

/** True when every value of A is a value of B. */
type Fits<A, B> = [A] extends [B] ? true : false;
type Same<A, B> = Fits<A, B> extends true ? Fits<B, A> : false;

// A member fails to compile on drift: `true` is not assignable to `false`.
const answers: {
  health: Fits<server.HealthStatus, tui.Health>;
  tableSummary: Fits<server.TableSummary, tui.TableSummary>;
  tableDetail: Fits<server.TableDetail, tui.TableDetail>;
  history: Fits<server.HistoryEntry, tui.HistoryEntry>;
  change: Fits<server.ChangeRecord, tui.Change>;
  rows: Fits<{ version: number; rows: server.Row[] }, tui.RowsPage>;
  status: Same<server.HealthStatus['status'], tui.HealthStatus>;
  sourceKind: Same<server.SourceInfo['kind'], tui.Health['source']['kind']>;
  layer: Same<server.Layer, tui.TableLayer>;
  op: Same<server.ChangeRecord['op'], tui.ChangeOp>;
} = { health: true, tableSummary: true, tableDetail: true, history: true, change: true, rows: true, status: true, sourceKind: true, layer: true, op: true };

test('the TUI reads every answer of the server as the types it was checked against', () => {
  expect(Object.values(answers).every(Boolean)).toBe(true);
});

test('every run status and source kind the server sends has its look in the header', () => {
  for (const status of RUN_STATES) {
    const segment = titleLine('http://h:1', { ...HEALTH, status }, true).find((s) => s.text === status);
    expect({ status, style: segment?.style }).toEqual({ status, style: expect.any(String) });
  }
  for (const kind of SOURCE_KINDS) {
    const line = titleLine('http://h:1', { ...HEALTH, source: { kind } }, true);
    expect(line.some((s) => s.text === kind)).toBe(true);
  }
});

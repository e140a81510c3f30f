import { describe, expect, test } from 'bun:test';
import type { Key } from 'ink';
import { INITIAL_TABLE_UI, tableKey, type TableContext, type TableUi } from '../../../tui/table-keys.ts';

const context: TableContext = { tableCount: 3, latest: 12, oldest: 9, pageSize: 10, rowsOnPage: 10 };

function press(keys: (string | Partial<Key>)[], ctx = context, from = INITIAL_TABLE_UI): TableUi {
  let ui = from;
  for (const k of keys) ui = (typeof k === 'string' ? tableKey(ui, k, {}, ctx) : tableKey(ui, '', k, ctx)).state;
  return ui;
}

describe('tableKey', () => {
  test('↑↓ choose a table within the list, starting it at its latest version', () => {
    expect(press([{ downArrow: true }, { downArrow: true }, { downArrow: true }]).selected).toBe(2);
    expect(press([{ upArrow: true }]).selected).toBe(0);
    const moved = press([{ leftArrow: true }, { pageDown: true }, { downArrow: true }]);
    expect(moved).toEqual({ selected: 1, versionChoice: null, offset: 0 });
  });

  test('← → step through versions between the oldest and the latest; the latest means follow new commits', () => {
    expect(press([{ leftArrow: true }]).versionChoice).toBe(11);
    expect(press([{ leftArrow: true }, { leftArrow: true }, { leftArrow: true }, { leftArrow: true }]).versionChoice).toBe(9);
    expect(press([{ leftArrow: true }, { rightArrow: true }]).versionChoice).toBeNull();
    expect(press([{ rightArrow: true }]).versionChoice).toBeNull();
    expect(press([{ leftArrow: true }, { home: true }]).versionChoice).toBeNull();
  });

  test("stepping waits until the table's version is known", () => {
    expect(press([{ leftArrow: true }], { ...context, latest: undefined })).toEqual(INITIAL_TABLE_UI);
  });

  test('pages through rows, but not past a page that was not full', () => {
    expect(press([{ pageDown: true }, { pageDown: true }]).offset).toBe(20);
    expect(press([{ pageDown: true }], { ...context, rowsOnPage: 4 }).offset).toBe(0);
    expect(press([{ pageDown: true }, { pageUp: true }, { pageUp: true }]).offset).toBe(0);
  });

  test('changing version starts again at the first row', () => {
    expect(press([{ pageDown: true }, { leftArrow: true }]).offset).toBe(0);
  });

  test('q, ?, esc and v are commands', () => {
    expect(tableKey(INITIAL_TABLE_UI, 'q', {}, context).command).toBe('quit');
    expect(tableKey(INITIAL_TABLE_UI, '?', {}, context).command).toBe('help');
    expect(tableKey(INITIAL_TABLE_UI, '', { escape: true }, context).command).toBe('back');
    expect(tableKey(INITIAL_TABLE_UI, 'v', {}, context).command).toBe('back');
  });
});

import { beforeAll, describe, expect, test } from 'bun:test';
import { changedFields, changeSegments } from '../../../tui/change-format.ts';
import { plainText } from '../../../tui/segments.ts';
import { DELETE, INSERT, SNAPSHOT, UPDATE } from './fixtures.ts';

beforeAll(() => {
  process.env.TZ = 'UTC';
});

describe('changedFields', () => {
  test('lists fields that differ, including removed ones, comparing objects by value', () => {
    expect(changedFields({ a: 1, b: { x: 1 }, c: 'same', gone: 1 }, { a: 2, b: { x: 1 }, c: 'same' })).toEqual([
      { field: 'a', before: 1, after: 2 },
      { field: 'gone', before: 1, after: undefined },
    ]);
  });
});

describe('pipeline metadata columns', () => {
  test('are left out of diffs and field lists', () => {
    const before = { id: '1', city: 'Oslo', __op: 'c', __source_ts_ms: '1' };
    const after = { id: '1', city: 'Bergen', __op: 'u', __source_ts_ms: '2' };
    expect(changedFields(before, after).map((change) => change.field)).toEqual(['city']);
    expect(plainText(changeSegments({ ...INSERT, after }))).toBe('09:00:01 + voters       id=42  city=Bergen');
  });
});

describe('changeSegments', () => {
  test('insert: time, +, table, key, then the new fields except the key', () => {
    expect(plainText(changeSegments(INSERT))).toBe('09:00:01 + voters       id=42  name=Ann  city=Oslo');
  });

  test('update: only the changed fields, old → new, with old and new styled for highlighting', () => {
    const segments = changeSegments(UPDATE);
    expect(plainText(segments)).toBe('09:00:02 ~ voters       id=42  city: Oslo → Bergen');
    expect(segments.find((s) => s.text === 'Oslo')?.style).toBe('old');
    expect(segments.find((s) => s.text === 'Bergen')?.style).toBe('new');
  });

  test('update without a before image shows the new values', () => {
    expect(plainText(changeSegments({ ...UPDATE, before: null }))).toBe('09:00:02 ~ voters       id=42  name=Ann  city=Bergen');
  });

  test('delete: what was removed', () => {
    expect(plainText(changeSegments(DELETE))).toBe('09:00:03 - votes        id=7  removed  voter=42  answer=yes');
  });

  test('snapshot and truncate have their own symbols', () => {
    expect(plainText(changeSegments(SNAPSHOT))).toStartWith('09:00:04 • voters       id=43  name=Bo');
    expect(plainText(changeSegments({ ...SNAPSHOT, op: 't', key: {}, after: null }))).toBe('09:00:04 × voters         table truncated');
  });

  test("the op symbol carries the op's style", () => {
    expect(changeSegments(INSERT)[1]).toEqual({ text: '+ ', style: 'insert' });
    expect(changeSegments(DELETE)[1]).toEqual({ text: '- ', style: 'delete' });
  });
});

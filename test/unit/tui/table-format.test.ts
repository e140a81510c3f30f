import { beforeAll, describe, expect, test } from 'bun:test';
import { plainText } from '../../../tui/segments.ts';
import { formatDateTime, formatType, historyLine, rowsGrid, schemaLines, summaryLine } from '../../../tui/table-format.ts';
import { contractData } from './fixtures.ts';

beforeAll(() => {
  process.env.TZ = 'UTC';
});

describe('table formatting', () => {
  test('types in one word, nested ones spelled out', () => {
    expect(formatType('long')).toBe('long');
    expect(formatType({ type: 'array', elementType: 'string', containsNull: true })).toBe('array<string>');
    expect(formatType({ type: 'map', keyType: 'string', valueType: { type: 'array', elementType: 'long' } })).toBe('map<string,array<long>>');
    expect(formatType({ type: 'struct', fields: [] })).toBe('struct');
  });

  test('commit timestamps as local date and time', () => {
    expect(formatDateTime(Date.UTC(2026, 10, 25, 9, 0, 3))).toBe('2026-11-25 09:00:03');
    expect(formatDateTime('2026-11-25T09:00:03Z')).toBe('2026-11-25 09:00:03');
  });

  test('schema fields pack into lines, nullable marked, cut with an ellipsis past the limit', () => {
    const fields = ['alpha', 'beta', 'gamma', 'delta'].map((name, i) => ({ name, type: 'long', nullable: i % 2 === 1 }));
    expect(schemaLines(fields, 30, 5)).toEqual(['alpha long  beta long?', 'gamma long  delta long?']);
    const cut = schemaLines(fields, 12, 2);
    expect(cut.length).toBe(2);
    expect(cut[1].endsWith('…')).toBe(true);
  });

  test('summary shows the viewed version against the latest', () => {
    const detail = contractData().details.voters;
    expect(plainText(summaryLine(detail, 3, 2))).toBe('voters  silver  v3 of 3  2 rows  3 files  4 KB');
    expect(plainText(summaryLine(detail, 1, undefined))).toBe('voters  silver  v1 of 3  3 files  4 KB');
  });

  test('history lines mark the version on screen', () => {
    const [latest, , first] = contractData().history.voters;
    expect(plainText(historyLine(first, 1))).toBe('▸ v1    2026-11-25 09:00:01  WRITE  mode=Append');
    expect(plainText(historyLine(latest, 1))).toBe('  v3    2026-11-25 09:00:03  MERGE');
  });

  test('rows line up in columns as wide as their widest value', () => {
    const grid = rowsGrid(
      ['id', 'name'],
      [
        { id: '1', name: 'Ann' },
        { id: '1000', name: null },
      ],
    );
    expect(grid.header).toBe('id    name');
    expect(grid.lines).toEqual(['1     Ann', '1000  null']);
  });
});

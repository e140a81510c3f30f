import { describe, expect, test } from 'bun:test';
import { barLines, goldLines, goldShape } from '../../../tui/gold-format.ts';
import { plainText } from '../../../tui/segments.ts';

describe('gold formatting', () => {
  test('(group, label, number) rows: bars per group (int64 strings), most first', () => {
    const shape = goldShape([
      { poll_name: 'lunch', answer: 'sushi', votes: '10' },
      { poll_name: 'dinner', answer: 'soup', votes: '1' },
      { poll_name: 'lunch', answer: 'pizza', votes: '30' },
    ]);
    expect(shape).toEqual({
      kind: 'groups',
      column: 'poll_name',
      groups: [
        { title: 'dinner', items: [{ label: 'soup', value: 1 }] },
        {
          title: 'lunch',
          items: [
            { label: 'pizza', value: 30 },
            { label: 'sushi', value: 10 },
          ],
        },
      ],
    });
  });

  test('(label, number) rows are bars whatever the label is, most first; nulls do not make a column text', () => {
    expect(
      goldShape([
        { city: 'Oslo', voters: null },
        { city: 'Bergen', voters: 3 },
      ]),
    ).toEqual({
      kind: 'bars',
      items: [
        { label: 'Bergen', value: 3 },
        { label: 'Oslo', value: 0 },
      ],
    });
    expect(goldShape([{ bid: 1, balance: '12.50' }]).kind).toBe('bars');
  });

  test('other shapes are tables: text values, more columns, numeric groups', () => {
    expect(goldShape([{ name: 'a', note: 'b' }]).kind).toBe('table');
    expect(goldShape([{ table_name: 'voters', minute: '2026-01-05T08:00', inserts: 1, updates: 0, deletes: 0 }]).kind).toBe('table');
    expect(goldShape([{ election_id: 1, precinct: 2, ballots: 3 }]).kind).toBe('table');
    expect(goldShape([]).kind).toBe('empty');
  });

  test('bars share one scale and show count and share, each line within the width', () => {
    const lines = barLines(
      [
        { label: 'pizza', value: 30 },
        { label: 'sushi', value: 10 },
      ],
      40,
    ).map(plainText);
    expect(lines[0]).toMatch(/^pizza\s+█+ +30 {2}75%$/);
    expect(lines[1]).toMatch(/^sushi\s+█+ +10 {2}25%$/);
    const full = lines[0].match(/█+/)![0].length;
    const third = lines[1].match(/█+/)![0].length;
    expect(Math.abs(third * 3 - full)).toBeLessThanOrEqual(3);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
  });

  test('fits the height, charts first, and keeps room for every table', () => {
    const polls = Array.from({ length: 10 }, (_, i) => ({ poll: `p${i}`, answer: 'a', votes: '1' }));
    const tables = [
      { name: 'change_activity', rows: [{ table_name: 'voters', minute: 'm', inserts: 1, updates: 2, deletes: 0 }] },
      { name: 'poll_results', rows: polls },
      { name: 'voters_per_city', rows: [{ city: 'Oslo', voters: '4' }] },
    ];
    const lines = goldLines(tables, 40, 16).map(plainText);
    expect(lines.length).toBe(16);
    expect(lines[0]).toBe('poll_results');
    expect(lines).toContain('voters_per_city');
    expect(lines.some((line) => line.startsWith('Oslo'))).toBe(true);
    expect(lines.indexOf('change_activity')).toBeGreaterThan(lines.indexOf('voters_per_city'));
    expect(lines.at(-1)).toMatch(/^voters\s+m\s+1\s+2\s+0$/);
  });

  test('says when there is nothing yet', () => {
    expect(goldLines([], 40, 10).map(plainText)).toEqual(['no gold tables yet']);
    expect(goldLines([{ name: 'poll_results', rows: [] }], 40, 10).map(plainText)).toEqual(['poll_results', 'no rows yet']);
  });
});

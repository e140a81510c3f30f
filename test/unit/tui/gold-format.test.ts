import { describe, expect, test } from 'bun:test';
import { barLines, cityItems, goldLines, groupPolls } from '../../../tui/gold-format.ts';
import { plainText } from '../../../tui/segments.ts';

describe('gold formatting', () => {
  test('groups poll rows by poll, answers by votes (int64 strings), most first', () => {
    const polls = groupPolls([
      { poll: 'lunch', answer: 'sushi', votes: '10' },
      { poll: 'dinner', answer: 'soup', votes: '1' },
      { poll: 'lunch', answer: 'pizza', votes: '30' },
    ]);
    expect(polls).toEqual([
      { poll: 'dinner', answers: [{ label: 'soup', value: 1 }] },
      {
        poll: 'lunch',
        answers: [
          { label: 'pizza', value: 30 },
          { label: 'sushi', value: 10 },
        ],
      },
    ]);
  });

  test('reads the poll name from poll_name, the column the server writes', () => {
    expect(groupPolls([{ poll_name: 'Library hours', answer: 'no', votes: '1' }])[0].poll).toBe('Library hours');
  });

  test('cities by voters, unparsable counts as zero', () => {
    expect(
      cityItems([
        { city: 'Oslo', voters: 'x' },
        { city: 'Bergen', voters: 3 },
      ]),
    ).toEqual([
      { label: 'Bergen', value: 3 },
      { label: 'Oslo', value: 0 },
    ]);
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

  test('fits the height and keeps room for the city chart under many polls', () => {
    const polls = Array.from({ length: 10 }, (_, i) => ({ poll: `p${i}`, answer: 'a', votes: '1' }));
    const cities = [{ city: 'Oslo', voters: '4' }];
    const lines = goldLines(polls, cities, 40, 12).map(plainText);
    expect(lines.length).toBe(12);
    expect(lines).toContain('voters per city');
    expect(lines.some((line) => line.startsWith('Oslo'))).toBe(true);
  });

  test('says when there is nothing yet', () => {
    expect(goldLines([], [], 40, 10).map(plainText)).toEqual(['poll results: no rows yet', '', 'voters per city', 'no rows yet']);
  });
});

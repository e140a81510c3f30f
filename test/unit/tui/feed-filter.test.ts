import { describe, expect, test } from 'bun:test';
import { countAfter, filterChanges, nextTableFilter, NO_FILTER, tablesIn } from '../../../tui/feed-filter.ts';
import { emptyFeedText, feedStatus } from '../../../tui/feed-status.ts';
import { INITIAL_FEED_UI } from '../../../tui/feed-keys.ts';
import { plainText } from '../../../tui/segments.ts';
import { DELETE, INSERT, SNAPSHOT, UPDATE } from './fixtures.ts';

const changes = [INSERT, UPDATE, DELETE, SNAPSHOT];

describe('feed filter', () => {
  test('no filter returns the same array', () => {
    expect(filterChanges(changes, NO_FILTER)).toBe(changes);
  });

  test('filters by table, by key text ignoring case, and up to the pause point', () => {
    expect(filterChanges(changes, { ...NO_FILTER, table: 'votes' })).toEqual([DELETE]);
    expect(filterChanges(changes, { ...NO_FILTER, search: 'ID=43' })).toEqual([SNAPSHOT]);
    expect(filterChanges(changes, { ...NO_FILTER, untilId: 2 })).toEqual([INSERT, UPDATE]);
    expect(filterChanges(changes, { table: 'voters', search: '42', untilId: 1 })).toEqual([INSERT]);
  });

  test('tables are distinct and sorted; t cycles all → each → all', () => {
    expect(tablesIn(changes)).toEqual(['voters', 'votes']);
    expect(nextTableFilter(null, ['a', 'b'])).toBe('a');
    expect(nextTableFilter('a', ['a', 'b'])).toBe('b');
    expect(nextTableFilter('b', ['a', 'b'])).toBeNull();
    expect(nextTableFilter('gone', ['a'])).toBeNull();
    expect(nextTableFilter(null, [])).toBeNull();
  });

  test('countAfter counts the changes newer than an id', () => {
    expect(countAfter(changes, 2)).toBe(2);
    expect(countAfter(changes, 4)).toBe(0);
  });
});

describe('feed status', () => {
  test('names pause, scroll, table and search', () => {
    const ui = { ...INITIAL_FEED_UI, pausedAt: 3, table: 'voters', search: { text: '42', editing: false } };
    expect(plainText(feedStatus(ui, 5, 2))).toBe(' PAUSED · 5 new  ↓2  table voters  search "42" ');
    expect(plainText(feedStatus({ ...INITIAL_FEED_UI, search: { text: '4', editing: true } }, 0, 0))).toBe(' search: 4▏');
    expect(feedStatus(INITIAL_FEED_UI, 0, 0)).toEqual([]);
  });

  test('an empty feed says why', () => {
    expect(emptyFeedText(0, INITIAL_FEED_UI)).toBe('waiting for changes…');
    expect(emptyFeedText(3, { ...INITIAL_FEED_UI, table: 'votes', search: { text: 'x', editing: false } })).toBe(
      'no change with table votes and a key containing "x"',
    );
    expect(emptyFeedText(3, { ...INITIAL_FEED_UI, pausedAt: 0 })).toBe('paused before the first change; space resumes');
  });
});

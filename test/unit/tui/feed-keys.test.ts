import { describe, expect, test } from 'bun:test';
import type { Key } from 'ink';
import type { Change } from '../../../tui/api-types.ts';
import { feedKey, INITIAL_FEED_UI, type FeedContext, type FeedUi } from '../../../tui/feed-keys.ts';
import { DELETE, INSERT, UPDATE } from './fixtures.ts';

const changes: Change[] = [INSERT, UPDATE, DELETE];
const context: FeedContext = { changes, visibleCount: 30, pageHeight: 10, goldShown: false };

/** Applies keys one after another, as a burst would arrive; strings are typed, objects are special keys. */
function press(...keys: (string | Partial<Key>)[]): { ui: FeedUi; commands: string[] } {
  let ui = INITIAL_FEED_UI;
  const commands: string[] = [];
  for (const k of keys) {
    const result = typeof k === 'string' ? feedKey(ui, k, {}, context) : feedKey(ui, '', k, context);
    ui = result.state;
    if (result.command) commands.push(result.command);
  }
  return { ui, commands };
}

describe('feedKey', () => {
  test('space pauses at the newest change and resumes at the top', () => {
    expect(press(' ').ui.pausedAt).toBe(3);
    expect(press(' ', { downArrow: true }, ' ').ui).toMatchObject({ pausedAt: null, scroll: 0 });
  });

  test('scrolling pauses the feed and stays within the list', () => {
    expect(press({ downArrow: true }).ui).toMatchObject({ pausedAt: 3, scroll: 1 });
    expect(press({ pageDown: true }, { pageDown: true }, { pageDown: true }).ui.scroll).toBe(20);
    expect(press({ downArrow: true }, { upArrow: true }, { upArrow: true }).ui.scroll).toBe(0);
    expect(press({ pageDown: true }, { home: true }).ui.scroll).toBe(0);
  });

  test('t cycles through the tables seen, then back to all', () => {
    expect(press('t').ui.table).toBe('voters');
    expect(press('t', 't').ui.table).toBe('votes');
    expect(press('t', 't', 't').ui.table).toBeNull();
  });

  test('while searching, keys are text: q types a q instead of quitting', () => {
    const { ui, commands } = press('/', 'q', '4', '2', { backspace: true }, '7');
    expect(ui.search).toEqual({ text: 'q47', editing: true });
    expect(commands).toEqual([]);
  });

  test('enter keeps the search, esc while typing drops it, esc afterwards clears every filter', () => {
    expect(press('/', '4', '2', { return: true }).ui.search).toEqual({ text: '42', editing: false });
    expect(press('/', '4', { escape: true }).ui.search).toEqual({ text: '', editing: false });
    const cleared = press('t', '/', '4', { return: true }, { escape: true }).ui;
    expect(cleared.table).toBeNull();
    expect(cleared.search.text).toBe('');
  });

  test('g flips the gold panel from what is on screen', () => {
    expect(press('g').ui.goldChoice).toBe(true);
    expect(feedKey(INITIAL_FEED_UI, 'g', {}, { ...context, goldShown: true }).state.goldChoice).toBe(false);
  });

  test('q, ? and v or enter are commands for the app', () => {
    expect(press('q').commands).toEqual(['quit']);
    expect(press('?').commands).toEqual(['help']);
    expect(press('v', { return: true }).commands).toEqual(['tables', 'tables']);
  });

  test('an unbound key changes nothing', () => {
    expect(feedKey(INITIAL_FEED_UI, 'z', {}, context).state).toBe(INITIAL_FEED_UI);
  });
});

import type { Key } from 'ink';
import type { Change } from './api-types.ts';
import { nextTableFilter, tablesIn } from './feed-filter.ts';

/** What the user has set in the feed view; changed only by keys. */
export type FeedUi = {
  /** While paused, the id of the newest change shown; null when live. */
  pausedAt: number | null;
  /** How many of the newest (filtered) changes are scrolled past. */
  scroll: number;
  table: string | null;
  search: { text: string; editing: boolean };
  /** The user's choice for the gold panel; null leaves it to the terminal's width. */
  goldChoice: boolean | null;
};

export const INITIAL_FEED_UI: FeedUi = {
  pausedAt: null,
  scroll: 0,
  table: null,
  search: { text: '', editing: false },
  goldChoice: null,
};

/** What the screen showed when the key was pressed. */
export type FeedContext = {
  changes: readonly Change[];
  /** Number of changes after filtering. */
  visibleCount: number;
  pageHeight: number;
  goldShown: boolean;
};

export type FeedCommand = 'quit' | 'help' | 'tables';

/**
 * The feed view's response to one key: a new state and maybe a command for the app. Pure, so a burst of keys
 * (typing fast, pasting) is applied one after another on the latest state, never on a stale render's.
 */
export function feedKey(ui: FeedUi, input: string, key: Partial<Key>, context: FeedContext): { state: FeedUi; command?: FeedCommand } {
  const { search } = ui;
  if (search.editing) {
    if (key.return) return { state: { ...ui, search: { text: search.text, editing: false } } };
    if (key.escape) return { state: { ...ui, search: { text: '', editing: false } } };
    if (key.backspace || key.delete) return { state: { ...ui, search: { text: search.text.slice(0, -1), editing: true } } };
    if (input && !key.ctrl && !key.meta) return { state: { ...ui, scroll: 0, search: { text: search.text + input, editing: true } } };
    return { state: ui };
  }
  const scrollBy = (lines: number): FeedUi => {
    // Scrolling freezes the feed, or new changes would push the rows being read off the screen.
    const maxScroll = Math.max(0, context.visibleCount - context.pageHeight);
    return {
      ...ui,
      pausedAt: ui.pausedAt ?? context.changes.at(-1)?.id ?? 0,
      scroll: Math.max(0, Math.min(maxScroll, ui.scroll + lines)),
    };
  };
  if (input === 'q') return { state: ui, command: 'quit' };
  if (input === '?') return { state: ui, command: 'help' };
  if (input === 'v' || key.return) return { state: ui, command: 'tables' };
  if (input === ' ') {
    return ui.pausedAt === null ? { state: { ...ui, pausedAt: context.changes.at(-1)?.id ?? 0 } } : { state: { ...ui, pausedAt: null, scroll: 0 } };
  }
  if (key.downArrow || input === 'j') return { state: scrollBy(1) };
  if (key.upArrow || input === 'k') return { state: scrollBy(-1) };
  if (key.pageDown) return { state: scrollBy(context.pageHeight) };
  if (key.pageUp) return { state: scrollBy(-context.pageHeight) };
  if (key.home) return { state: { ...ui, scroll: 0 } };
  if (input === 't') return { state: { ...ui, scroll: 0, table: nextTableFilter(ui.table, tablesIn(context.changes)) } };
  if (input === '/') return { state: { ...ui, search: { text: '', editing: true } } };
  if (key.escape) return { state: { ...ui, scroll: 0, table: null, search: { text: '', editing: false } } };
  if (input === 'g') return { state: { ...ui, goldChoice: !context.goldShown } };
  return { state: ui };
}

import type { FeedUi } from './feed-keys.ts';
import type { Segment } from './segments.ts';

/** The footer's state part: "PAUSED · 12 new  ↓3  table voters  search "42"". */
export function feedStatus(ui: FeedUi, newSincePause: number, scroll: number): Segment[] {
  const status: Segment[] = [];
  if (ui.pausedAt !== null) status.push({ text: ` PAUSED · ${newSincePause} new `, style: 'warn' });
  if (scroll > 0) status.push({ text: ` ↓${scroll} `, style: 'dim' });
  if (ui.table !== null) status.push({ text: ` table ${ui.table} `, style: 'accent' });
  if (ui.search.editing) status.push({ text: ` search: ${ui.search.text}▏`, style: 'accent' });
  else if (ui.search.text) status.push({ text: ` search "${ui.search.text}" `, style: 'accent' });
  return status;
}

/** What the feed says when it has no line to show, naming the reason. */
export function emptyFeedText(total: number, ui: FeedUi): string {
  if (total === 0) return 'waiting for changes…';
  const filters: string[] = [];
  if (ui.table !== null) filters.push(`table ${ui.table}`);
  if (ui.search.text) filters.push(`a key containing "${ui.search.text}"`);
  if (filters.length === 0) return 'paused before the first change; space resumes';
  return `no change with ${filters.join(' and ')}`;
}

import type { Row } from './api-types.ts';
import { bar } from './bar.ts';
import { fit, formatThousands, formatValue } from './format.ts';
import type { Segment } from './segments.ts';
import { GOLD_COLUMNS, pick } from './tables.ts';

// Longer bars add no information and push the numbers far from their labels on wide terminals.
const MAX_BAR_WIDTH = 40;

export type BarItem = { label: string; value: number };

/** int64 values arrive as strings in canonical JSON; anything unparsable counts as 0. */
function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** Poll result rows grouped by poll, answers by votes, most first; polls in name order. */
export function groupPolls(rows: readonly Row[]): { poll: string; answers: BarItem[] }[] {
  const { poll, answer, votes } = GOLD_COLUMNS.pollResults;
  const byPoll = new Map<string, BarItem[]>();
  for (const row of rows) {
    const name = formatValue(pick(row, poll), 200);
    let answers = byPoll.get(name);
    if (!answers) byPoll.set(name, (answers = []));
    answers.push({ label: formatValue(pick(row, answer), 200), value: toNumber(pick(row, votes)) });
  }
  return [...byPoll.keys()].sort().map((name) => ({
    poll: name,
    answers: byPoll.get(name)!.sort((a, b) => b.value - a.value || a.label.localeCompare(b.label)),
  }));
}

/** Cities by voters, most first. */
export function cityItems(rows: readonly Row[]): BarItem[] {
  const { city, voters } = GOLD_COLUMNS.votersPerCity;
  return rows
    .map((row) => ({ label: formatValue(pick(row, city), 200), value: toNumber(pick(row, voters)) }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}

/**
 * Horizontal bars, one line each: "label     ██████▍       1,234  41%". Bars share one scale (the largest
 * value) so lengths compare; the percentage is of the group's total.
 */
export function barLines(items: readonly BarItem[], width: number): Segment[][] {
  const labelWidth = Math.min(14, Math.max(6, Math.floor(width * 0.3)));
  let max = 0;
  let total = 0;
  for (const item of items) {
    if (item.value > max) max = item.value;
    total += item.value;
  }
  const countWidth = Math.max(1, ...items.map((item) => formatThousands(item.value).length));
  const barWidth = Math.max(1, Math.min(MAX_BAR_WIDTH, width - labelWidth - countWidth - 8));
  return items.map((item) => {
    const share = total > 0 ? Math.round((item.value / total) * 100) : 0;
    return [
      { text: `${fit(item.label, labelWidth)} ` },
      { text: fit(bar(item.value, max, barWidth), barWidth), style: 'accent' },
      { text: ` ${fit(formatThousands(item.value), countWidth, 'right')} ${fit(`${share}%`, 4, 'right')}`, style: 'dim' },
    ];
  });
}

/**
 * All gold lines in `height` rows: each poll's title and bars, a blank line, then voters per city. The city
 * chart keeps at least a few rows however many polls there are.
 */
export function goldLines(pollRows: readonly Row[], cityRows: readonly Row[], width: number, height: number): Segment[][] {
  const pollLines: Segment[][] = [];
  const polls = groupPolls(pollRows);
  if (polls.length === 0) pollLines.push([{ text: 'poll results: no rows yet', style: 'dim' }]);
  for (const { poll, answers } of polls) {
    pollLines.push([
      { text: 'poll ', style: 'dim' },
      { text: poll, style: 'label' },
    ]);
    pollLines.push(...barLines(answers, width));
  }
  const cities = cityItems(cityRows);
  const cityLines: Segment[][] = [[{ text: 'voters per city', style: 'label' }]];
  if (cities.length === 0) cityLines.push([{ text: 'no rows yet', style: 'dim' }]);
  else cityLines.push(...barLines(cities, width));
  const cityBudget = Math.min(cityLines.length, Math.max(4, height - pollLines.length - 1));
  const pollBudget = Math.max(0, height - cityBudget - 1);
  return [...pollLines.slice(0, pollBudget), [], ...cityLines.slice(0, cityBudget)].slice(0, height);
}

import type { Row } from './api-types.ts';
import { bar } from './bar.ts';
import { fit, formatThousands, formatValue, truncate } from './format.ts';
import type { Segment } from './segments.ts';
import { rowsGrid } from './table-format.ts';

// Longer bars add no information and push the numbers far from their labels on wide terminals.
const MAX_BAR_WIDTH = 40;
/** Lines a table keeps (its title and a few rows) however much the tables before it could show. */
const MIN_TABLE_LINES = 4;

export type BarItem = { label: string; value: number };

/** A gold table's name and its rows, as the panel shows them. */
export type GoldRows = { name: string; rows: readonly Row[] };

/**
 * How a gold table is drawn, from the shape of its rows: (label, number) as bars; (group, label, number)
 * with text group and label as bars per group (the voters book's poll results); anything else as a table.
 */
export type GoldShape =
  | { kind: 'empty' }
  | { kind: 'bars'; items: BarItem[] }
  | { kind: 'groups'; column: string; groups: { title: string; items: BarItem[] }[] }
  | { kind: 'table'; columns: string[]; rows: readonly Row[] };

/** int64 and decimal values arrive as strings in canonical JSON. */
const NUMERIC_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
const isNumeric = (value: unknown) => typeof value === 'number' || (typeof value === 'string' && NUMERIC_TEXT.test(value));

/** Every value of `column` that is not null is a number. */
function numericColumn(rows: readonly Row[], column: string): boolean {
  let seen = false;
  for (const row of rows) {
    const value = row[column];
    if (value === null || value === undefined) continue;
    if (!isNumeric(value)) return false;
    seen = true;
  }
  return seen;
}

/** Unparsable counts as 0. */
function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

const byValue = (a: BarItem, b: BarItem) => b.value - a.value || a.label.localeCompare(b.label);
const item = (row: Row, label: string, value: string): BarItem => ({ label: formatValue(row[label], 200), value: toNumber(row[value]) });

export function goldShape(rows: readonly Row[]): GoldShape {
  if (rows.length === 0) return { kind: 'empty' };
  const columns = Object.keys(rows[0]!);
  const last = columns[columns.length - 1]!;
  if (columns.length === 2 && numericColumn(rows, last)) return { kind: 'bars', items: rows.map((r) => item(r, columns[0]!, last)).sort(byValue) };
  const [group, label] = columns;
  if (columns.length === 3 && numericColumn(rows, last) && !numericColumn(rows, group!) && !numericColumn(rows, label!)) {
    const byGroup = new Map<string, BarItem[]>();
    for (const row of rows) {
      const title = formatValue(row[group!], 200);
      let items = byGroup.get(title);
      if (!items) byGroup.set(title, (items = []));
      items.push(item(row, label!, last));
    }
    const groups = [...byGroup.keys()].sort().map((title) => ({ title, items: byGroup.get(title)!.sort(byValue) }));
    return { kind: 'groups', column: group!, groups };
  }
  return { kind: 'table', columns, rows };
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

/** One table's lines: its name, then its chart or its rows. */
export function tableLines({ name, rows }: GoldRows, width: number): Segment[][] {
  const title: Segment[] = [{ text: truncate(name, width), style: 'label' }];
  const shape = goldShape(rows);
  if (shape.kind === 'empty') return [title, [{ text: 'no rows yet', style: 'dim' }]];
  if (shape.kind === 'bars') return [title, ...barLines(shape.items, width)];
  if (shape.kind === 'groups') {
    const lines: Segment[][] = [title];
    for (const { title: group, items } of shape.groups) {
      lines.push([
        { text: `${shape.column} `, style: 'dim' },
        { text: truncate(group, Math.max(1, width - shape.column.length - 1)), style: 'label' },
      ]);
      lines.push(...barLines(items, width));
    }
    return lines;
  }
  const grid = rowsGrid(shape.columns, shape.rows);
  return [title, [{ text: truncate(grid.header, width), style: 'dim' }], ...grid.lines.map((line) => [{ text: truncate(line, width) }])];
}

/**
 * Every gold table in `height` rows, charts first, a blank line between tables. A table shows as much
 * as fits while keeping a few lines for each table after it.
 */
export function goldLines(tables: readonly GoldRows[], width: number, height: number): Segment[][] {
  if (tables.length === 0) return [[{ text: 'no gold tables yet', style: 'dim' }]];
  const charted = (t: GoldRows) => (goldShape(t.rows).kind === 'bars' || goldShape(t.rows).kind === 'groups' ? 0 : 1);
  const blocks = [...tables].sort((a, b) => charted(a) - charted(b)).map((t) => tableLines(t, width));
  const out: Segment[][] = [];
  blocks.forEach((block, i) => {
    if (i > 0) out.push([]);
    const kept = blocks.slice(i + 1).reduce((n, later) => n + 1 + Math.min(later.length, MIN_TABLE_LINES), 0);
    const budget = Math.max(Math.min(block.length, MIN_TABLE_LINES), height - out.length - kept);
    out.push(...block.slice(0, budget));
  });
  return out.slice(0, height);
}

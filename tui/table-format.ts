import type { HistoryEntry, Row, SchemaField, TableDetail } from './api-types.ts';
import { fit, formatBytes, formatThousands, formatValue } from './format.ts';
import type { Segment } from './segments.ts';

const MAX_COLUMN_WIDTH = 20;

/** A Delta schema type in one short word: "long", "array<string>", "map<string,long>", "struct". */
export function formatType(type: unknown): string {
  if (typeof type === 'string') return type;
  if (type && typeof type === 'object') {
    const t = type as { type?: string; elementType?: unknown; keyType?: unknown; valueType?: unknown };
    if (t.type === 'array') return `array<${formatType(t.elementType)}>`;
    if (t.type === 'map') return `map<${formatType(t.keyType)},${formatType(t.valueType)}>`;
    if (t.type === 'struct') return 'struct';
  }
  return '?';
}

/** "2026-11-25 09:00:00" in local time, from a Delta commit timestamp (epoch ms) or an ISO string. */
export function formatDateTime(value: number | string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` + `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  );
}

/** "voters  silver  v10 of 12  1,000 rows  3 files  1.2 MB" */
export function summaryLine(detail: TableDetail, viewedVersion: number, rowCount: number | undefined): Segment[] {
  const line: Segment[] = [
    { text: detail.name, style: 'accent' },
    { text: `  ${detail.layer}  `, style: 'dim' },
    { text: `v${viewedVersion}`, style: viewedVersion === detail.version ? 'key' : 'warn' },
    { text: ` of ${detail.version}`, style: 'dim' },
  ];
  if (rowCount !== undefined) line.push({ text: `  ${formatThousands(rowCount)} rows` });
  line.push({ text: `  ${formatThousands(detail.files)} files  ${formatBytes(detail.sizeBytes)}`, style: 'dim' });
  if (detail.partitionColumns.length > 0) {
    line.push({ text: `  partitioned by ${detail.partitionColumns.join(', ')}`, style: 'dim' });
  }
  return line;
}

/** Schema fields packed into at most `maxLines` lines of `width`: "id long  name string?" (? = nullable). */
export function schemaLines(fields: readonly SchemaField[], width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const field of fields) {
    const item = `${field.name} ${formatType(field.type)}${field.nullable ? '?' : ''}`;
    if (current && current.length + 2 + item.length > width) {
      lines.push(current);
      current = '';
    }
    current = current ? `${current}  ${item}` : item;
  }
  if (current) lines.push(current);
  if (lines.length > maxLines) {
    lines.length = maxLines;
    lines[maxLines - 1] = fit(`${lines[maxLines - 1]} …`, width).trimEnd();
  }
  return lines;
}

/** "▸ v12  2026-11-25 09:00:00  WRITE  mode=Append", marking the version on screen. */
export function historyLine(entry: HistoryEntry, viewedVersion: number): Segment[] {
  const viewed = entry.version === viewedVersion;
  const parameters = Object.entries(entry.operationParameters ?? {})
    .map(([name, value]) => `${name}=${formatValue(value, 16)}`)
    .join(' ');
  return [
    { text: viewed ? '▸ ' : '  ', style: 'accent' },
    { text: fit(`v${entry.version}`, 6), style: viewed ? 'accent' : 'key' },
    { text: `${formatDateTime(entry.timestamp)}  `, style: 'dim' },
    { text: entry.operation ?? '-' },
    { text: parameters ? `  ${parameters}` : '', style: 'dim' },
  ];
}

/**
 * Rows as an aligned grid: a header line, then one line per row. Columns are as wide as their widest value
 * (capped); what does not fit the width is cut by the line itself.
 */
export function rowsGrid(columns: readonly string[], rows: readonly Row[]): { header: string; lines: string[] } {
  const cells = rows.map((row) => columns.map((column) => formatValue(row[column], MAX_COLUMN_WIDTH)));
  const widths = columns.map((column, i) => {
    let width = Math.min(column.length, MAX_COLUMN_WIDTH);
    for (const row of cells) width = Math.max(width, row[i].length);
    return width;
  });
  const join = (values: readonly string[]) =>
    values
      .map((value, i) => fit(value, widths[i]))
      .join('  ')
      .trimEnd();
  return { header: join(columns), lines: cells.map(join) };
}

// Pure formatting helpers shared by the components. No React here, so each is unit-tested directly.

const ELLIPSIS = '…';

/** Cuts `text` to at most `width` characters, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return text.slice(0, width - 1) + ELLIPSIS;
}

/** Pads or truncates to exactly `width` characters, for aligned columns. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(text, width);
  return align === 'left' ? cut.padEnd(width) : cut.padStart(width);
}

/** A value as one short line: strings bare, null as "null", objects as compact JSON. */
export function formatValue(value: unknown, maxLength = 24): string {
  let text: string;
  if (value === null || value === undefined) text = 'null';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return truncate(text.replace(/\s+/g, ' '), maxLength);
}

/** A key such as {id: "42"} as "id=42"; several columns are joined with spaces. */
export function formatKey(key: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const name in key) parts.push(`${name}=${formatValue(key[name])}`);
  return parts.join(' ');
}

/** Wall-clock time of an ISO timestamp as HH:MM:SS in the local time zone, or the input if unparsable. */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** 3725 -> "1h 02m"; 59 -> "59s"; 3 days -> "3d 04h". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const two = (n: number) => String(n).padStart(2, '0');
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m ${two(s % 60)}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${two(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d ${two(hours % 24)}h`;
}

/** Compact counts: 950 -> "950", 1234 -> "1.2k", 2500000 -> "2.5M". */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n * 10) / 10);
  if (abs < 1_000_000) return `${trimZero((n / 1000).toFixed(1))}k`;
  return `${trimZero((n / 1_000_000).toFixed(1))}M`;
}

/** Thousands separated with commas: 1234567 -> "1,234,567". */
export function formatThousands(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${trimZero(value.toFixed(1))} ${units[unit]}`;
}

/** Milliseconds as "85 ms" or "1.2 s"; null (nothing committed yet) as "–". */
export function formatLatency(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${trimZero((ms / 1000).toFixed(1))} s`;
}

function trimZero(fixed: string): string {
  return fixed.endsWith('.0') ? fixed.slice(0, -2) : fixed;
}

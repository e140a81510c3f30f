const BARS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` values as a sparkline, scaled to the largest of them; zero is the lowest bar so an idle
 * stream still shows as a baseline. Shorter histories are left-padded with spaces.
 */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0) return '';
  const recent = values.slice(-width);
  let max = 0;
  for (const v of recent) if (v > max) max = v;
  let line = '';
  for (const v of recent) {
    const level = max === 0 ? 0 : Math.round((Math.max(0, v) / max) * (BARS.length - 1));
    line += BARS[level];
  }
  return line.padStart(width);
}

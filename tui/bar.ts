const FULL = '█';
const PARTIALS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `value / max` of `width` cells, with eighth-cell precision at its end. */
export function bar(value: number, max: number, width: number): string {
  if (width <= 0 || max <= 0 || value <= 0) return '';
  const eighths = Math.round((Math.min(value, max) / max) * width * 8);
  const full = Math.floor(eighths / 8);
  return FULL.repeat(full) + PARTIALS[eighths % 8];
}

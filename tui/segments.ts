// A line of text as styled segments. Formatters produce segments (pure, testable); components map the style
// names to colours through the theme, so monochrome output needs no separate formatting code.

export type Style = 'insert' | 'update' | 'delete' | 'snapshot' | 'truncate' | 'old' | 'new' | 'key' | 'dim' | 'label' | 'ok' | 'warn' | 'error' | 'accent';

export type Segment = { text: string; style?: Style };

export function plainText(segments: readonly Segment[]): string {
  let text = '';
  for (const segment of segments) text += segment.text;
  return text;
}

import { createContext, useContext } from 'react';
import type { Style } from './segments.ts';

/** The subset of Ink's <Text> props a style maps to. */
export type TextStyle = {
  color?: string;
  bold?: boolean;
  dimColor?: boolean;
  inverse?: boolean;
  underline?: boolean;
};

const COLOUR: Record<Style, TextStyle> = {
  insert: { color: 'green' },
  update: { color: 'yellow' },
  delete: { color: 'red' },
  snapshot: { color: 'cyan' },
  truncate: { color: 'magenta' },
  old: { color: 'red' },
  new: { color: 'green', bold: true },
  key: { bold: true },
  dim: { dimColor: true },
  label: { color: 'blue' },
  ok: { color: 'green' },
  warn: { color: 'yellow' },
  error: { color: 'red', bold: true },
  accent: { color: 'cyan', bold: true },
};

// Without colour, meaning rides on symbols and on attributes NO_COLOR allows (bold, dim, underline, inverse).
const MONOCHROME: Record<Style, TextStyle> = {
  insert: { bold: true },
  update: { bold: true },
  delete: { bold: true },
  snapshot: {},
  truncate: { bold: true },
  old: { dimColor: true },
  new: { bold: true, underline: true },
  key: { bold: true },
  dim: { dimColor: true },
  label: {},
  ok: {},
  warn: { bold: true },
  error: { bold: true, inverse: true },
  accent: { bold: true },
};

export type Theme = { monochrome: boolean };

export function textStyle(style: Style | undefined, theme: Theme): TextStyle {
  if (style === undefined) return {};
  return (theme.monochrome ? MONOCHROME : COLOUR)[style];
}

/** Colour is off when asked for, or when NO_COLOR is set to anything non-empty (https://no-color.org). */
export function resolveMonochrome(noColor: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return noColor ?? (env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

export const ThemeContext = createContext<Theme>({ monochrome: false });

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

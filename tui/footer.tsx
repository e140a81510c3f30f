import type { KeyHelp } from './keys.ts';
import { Line } from './line.tsx';
import type { Segment } from './segments.ts';

export type FooterProps = {
  keys: readonly KeyHelp[];
  /** Mode and filter state, shown before the key hints, e.g. "PAUSED · 12 new". */
  status: readonly Segment[];
};

/** One line: current state, then the key hints (cut at the terminal's width). */
export function Footer({ keys, status }: FooterProps) {
  const segments: Segment[] = [...status];
  for (const key of keys) {
    if (key.footer) segments.push({ text: ` ${key.footer} `, style: 'dim' });
  }
  return <Line segments={segments} />;
}

import { describe, expect, test } from 'bun:test';
import {
  fit,
  formatBytes,
  formatClock,
  formatCount,
  formatKey,
  formatLatency,
  formatThousands,
  formatUptime,
  formatValue,
  truncate,
} from '../../../tui/format.ts';

describe('format', () => {
  test('truncate marks a cut with an ellipsis and never exceeds the width', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abc', 0)).toBe('');
  });

  test('fit pads or cuts to the exact width', () => {
    expect(fit('ab', 4)).toBe('ab  ');
    expect(fit('ab', 4, 'right')).toBe('  ab');
    expect(fit('abcdef', 4)).toBe('abc…');
  });

  test('formatValue shows strings bare, null as null, objects as JSON, on one line', () => {
    expect(formatValue('Oslo')).toBe('Oslo');
    expect(formatValue(null)).toBe('null');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue('two\nlines')).toBe('two lines');
    expect(formatValue('x'.repeat(30), 10)).toBe('xxxxxxxxx…');
  });

  test('formatKey joins columns as name=value', () => {
    expect(formatKey({ id: '42' })).toBe('id=42');
    expect(formatKey({ poll: 'lunch', voter: 7 })).toBe('poll=lunch voter=7');
  });

  test('formatClock gives local HH:MM:SS and passes unparsable input through', () => {
    const iso = '2026-11-25T09:08:07.000Z';
    const local = new Date(iso);
    const two = (n: number) => String(n).padStart(2, '0');
    expect(formatClock(iso)).toBe(`${two(local.getHours())}:08:07`);
    expect(formatClock('not a time')).toBe('not a time');
  });

  test('durations, counts, sizes and latencies', () => {
    expect(formatUptime(59)).toBe('59s');
    expect(formatUptime(125)).toBe('2m 05s');
    expect(formatUptime(3725)).toBe('1h 02m');
    expect(formatUptime(3 * 86400 + 4 * 3600)).toBe('3d 04h');
    expect(formatCount(950)).toBe('950');
    expect(formatCount(1234)).toBe('1.2k');
    expect(formatCount(2_000_000)).toBe('2M');
    expect(formatCount(0.5)).toBe('0.5');
    expect(formatThousands(1234567)).toBe('1,234,567');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(4096)).toBe('4 KB');
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(formatLatency(null)).toBe('–');
    expect(formatLatency(85.4)).toBe('85 ms');
    expect(formatLatency(1200)).toBe('1.2 s');
  });
});

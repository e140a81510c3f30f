import { describe, expect, test } from 'bun:test';
import { bar } from '../../../tui/bar.ts';
import { sparkline } from '../../../tui/sparkline.ts';

describe('sparkline', () => {
  test('scales to the largest value, zero at the baseline', () => {
    expect(sparkline([0, 1, 2, 4, 8], 5)).toBe('▁▂▃▅█');
  });

  test('left-pads a short history and keeps only the newest values of a long one', () => {
    expect(sparkline([5], 3)).toBe('  █');
    expect(sparkline([8, 0, 8, 4], 2)).toBe('█▅');
  });

  test('an idle stream is a flat baseline', () => {
    expect(sparkline([0, 0, 0], 3)).toBe('▁▁▁');
  });
});

describe('bar', () => {
  test('fills the width at the maximum and scales below it with eighth cells', () => {
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(5, 10, 4)).toBe('██');
    expect(bar(1, 16, 2)).toBe('▏');
  });

  test('empty for zero, negative, or no maximum; capped at the width', () => {
    expect(bar(0, 10, 4)).toBe('');
    expect(bar(-1, 10, 4)).toBe('');
    expect(bar(3, 0, 4)).toBe('');
    expect(bar(20, 10, 4)).toBe('████');
  });
});

import { describe, expect, test } from 'bun:test';
import { connectionProblem } from '../../../tui/connection.ts';
import { ApiError } from '../../../tui/api-client.ts';
import { metricsLine, titleLine, versionsLine } from '../../../tui/header-format.ts';
import { plainText } from '../../../tui/segments.ts';
import { resolveMonochrome, textStyle } from '../../../tui/theme.ts';
import { HEALTH } from './fixtures.ts';

describe('header lines', () => {
  test('title names the server, source, status and uptime', () => {
    expect(plainText(titleLine('http://h:1', HEALTH, true))).toBe(' lakehouse  http://h:1   source embedded   status ok   up 1h 02m');
    const kafka = { ...HEALTH, status: 'degraded' as const, source: { kind: 'kafka' as const, brokers: 'b:9092', topics: 'pg.*' } };
    const title = titleLine('http://h:1', kafka, true);
    expect(plainText(title)).toContain('source kafka b:9092 (pg.*)   status degraded');
    expect(title.find((s) => s.text === 'degraded')?.style).toBe('error');
  });

  test('title says connecting before the first answer, unreachable when the server is away', () => {
    expect(plainText(titleLine('http://h:1', undefined, true))).toEndWith('status connecting');
    expect(plainText(titleLine('http://h:1', HEALTH, false))).toEndWith('status unreachable');
  });

  test('metrics: sparkline, rate, lag, commit latency, dead letters flagged when any', () => {
    const line = metricsLine(HEALTH, [0, 1234]);
    expect(plainText(line)).toBe(' events/s           ▁█ 1.2k  lag 0  last commit 85 ms  dead letters 2');
    expect(plainText(metricsLine({ ...HEALTH, lag: 123456, lastCommitMs: 1500, deadLetters: 12345 }, [1])).length).toBeLessThanOrEqual(80);
    expect(line.at(-1)).toEqual({ text: '2', style: 'error' });
    expect(metricsLine({ ...HEALTH, deadLetters: 0 }, []).at(-1)?.style).toBeUndefined();
  });

  test('versions per layer, dropping the label when the line is too wide', () => {
    expect(plainText(versionsLine(HEALTH, 100))).toBe(' versions  bronze v12 │ silver voters v3 votes v5 │ gold poll_results v5 voters_per_city v5');
    expect(plainText(versionsLine(HEALTH, 80))).toBe(' bronze v12 │ silver voters v3 votes v5 │ gold poll_results v5 voters_per_city v5');
    const empty = { ...HEALTH, versions: { bronze: null, silver: {}, gold: {} } };
    expect(plainText(versionsLine(empty, 80))).toBe(' versions  bronze – │ silver – │ gold –');
  });
});

describe('connection problem line', () => {
  const ok = { kind: 'open' } as const;
  test('unreachable server wins and says when it retries', () => {
    const down = new ApiError('unreachable', 'cannot reach http://h:1');
    const retrying = { kind: 'retrying', reason: 'cannot reach http://h:1', retryInMs: 2000 } as const;
    expect(connectionProblem('http://h:1', down, retrying, 2000)).toBe('cannot reach http://h:1 — retrying in 2s');
  });

  test('a failing stream or endpoint is named; all well is null', () => {
    const retrying = { kind: 'retrying', reason: 'change stream: HTTP 500', retryInMs: 500 } as const;
    expect(connectionProblem('http://h:1', undefined, retrying, 500)).toBe('change stream: HTTP 500 — retrying in 0.5s');
    expect(connectionProblem('http://h:1', new ApiError('http', '/health: boom', 500), ok, 2000)).toBe('/health: boom');
    expect(connectionProblem('http://h:1', undefined, ok, 2000)).toBeNull();
  });
});

describe('theme', () => {
  test('NO_COLOR set to anything non-empty turns colour off unless the caller decided', () => {
    expect(resolveMonochrome(undefined, { NO_COLOR: '1' })).toBe(true);
    expect(resolveMonochrome(undefined, { NO_COLOR: '' })).toBe(false);
    expect(resolveMonochrome(undefined, {})).toBe(false);
    expect(resolveMonochrome(false, { NO_COLOR: '1' })).toBe(false);
    expect(resolveMonochrome(true, {})).toBe(true);
  });

  test('monochrome styles carry no colour, and changed values stay distinguishable', () => {
    const styles = ['insert', 'update', 'delete', 'snapshot', 'truncate', 'old', 'new', 'key', 'dim', 'label', 'ok', 'warn', 'error', 'accent'] as const;
    for (const style of styles) expect(textStyle(style, { monochrome: true }).color).toBeUndefined();
    expect(textStyle('new', { monochrome: true })).not.toEqual(textStyle('old', { monochrome: true }));
    expect(textStyle('insert', { monochrome: false }).color).toBe('green');
  });
});

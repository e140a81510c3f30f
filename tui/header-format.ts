import type { Health } from './api-types.ts';
import { formatCount, formatLatency, formatThousands, formatUptime } from './format.ts';
import { plainText, type Segment, type Style } from './segments.ts';
import { sparkline } from './sparkline.ts';

const STATUS_STYLE: Record<Health['status'], Style> = { starting: 'warn', ok: 'ok', degraded: 'error', stopping: 'warn' };
export const SPARKLINE_WIDTH = 12;

/** "lakehouse  http://…  source kafka broker:9092 (topics)  status ok  up 1h 02m" */
export function titleLine(url: string, health: Health | undefined, reachable: boolean): Segment[] {
  const line: Segment[] = [
    { text: ' lakehouse ', style: 'accent' },
    { text: ` ${url}`, style: 'dim' },
  ];
  if (health) {
    const { source } = health;
    const where = [source.brokers, source.topics && `(${source.topics})`].filter(Boolean).join(' ');
    line.push({ text: '   source ', style: 'dim' }, { text: where ? `${source.kind} ${where}` : source.kind });
  }
  line.push({ text: '   status ', style: 'dim' });
  if (!reachable) line.push({ text: 'unreachable', style: 'error' });
  else if (health) line.push({ text: health.status, style: STATUS_STYLE[health.status] });
  else line.push({ text: 'connecting', style: 'warn' });
  if (health && reachable) line.push({ text: '   up ', style: 'dim' }, { text: formatUptime(health.uptimeSeconds) });
  return line;
}

/** "events/s ▁▂▅▇ 1.2k  lag 12  last commit 85 ms  dead letters 0" (fits 80 columns) */
export function metricsLine(health: Health | undefined, eventsHistory: readonly number[]): Segment[] {
  if (!health) return [{ text: ' waiting for /health…', style: 'dim' }];
  return [
    { text: ' events/s ', style: 'dim' },
    { text: sparkline(eventsHistory, SPARKLINE_WIDTH), style: 'accent' },
    { text: ` ${formatCount(health.eventsPerSecond)}` },
    { text: '  lag ', style: 'dim' },
    { text: formatCount(health.lag), style: health.lag > 0 ? 'warn' : undefined },
    { text: '  last commit ', style: 'dim' },
    { text: formatLatency(health.lastCommitMs) },
    { text: '  dead letters ', style: 'dim' },
    { text: formatThousands(health.deadLetters), style: health.deadLetters > 0 ? 'error' : undefined },
  ];
}

/**
 * "versions  bronze v12 │ silver voters v3 polls v1 │ gold poll_results v5"; the label goes first when the
 * line would not fit `width`, since the "v" prefixes already say what the numbers are.
 */
export function versionsLine(health: Health | undefined, width: number): Segment[] {
  if (!health) return [];
  const { bronze, silver, gold } = health.versions;
  const line: Segment[] = [{ text: ' versions  ', style: 'dim' }, { text: 'bronze ', style: 'label' }, { text: bronze === null ? '–' : `v${bronze}` }];
  appendLayer(line, 'silver', silver);
  appendLayer(line, 'gold', gold);
  if (plainText(line).length > width) line[0] = { text: ' ' };
  return line;
}

function appendLayer(line: Segment[], layer: string, versions: Record<string, number>): void {
  line.push({ text: ' │ ', style: 'dim' }, { text: layer, style: 'label' });
  const names = Object.keys(versions);
  if (names.length === 0) line.push({ text: ' –', style: 'dim' });
  for (const name of names) line.push({ text: ` ${name} ` }, { text: `v${versions[name]}`, style: 'key' });
}

import { beforeAll, describe, expect, test } from 'bun:test';
import { render } from 'ink-testing-library';
import type { Change } from '../../../tui/api-types.ts';
import { ChangeFeed } from '../../../tui/change-feed.tsx';
import { Footer } from '../../../tui/footer.tsx';
import { GoldPanel } from '../../../tui/gold-panel.tsx';
import { Header, HEADER_HEIGHT } from '../../../tui/header.tsx';
import { Help } from '../../../tui/help.tsx';
import { FEED_KEYS } from '../../../tui/keys.ts';
import { contractData, DELETE, HEALTH, INSERT, UPDATE } from './fixtures.ts';

beforeAll(() => {
  process.env.TZ = 'UTC';
});

function frameOf(element: React.ReactElement): string[] {
  const screen = render(element);
  const frame = screen.lastFrame() ?? '';
  screen.unmount();
  return frame.split('\n');
}

const many: Change[] = Array.from({ length: 30 }, (_, i) => ({ ...INSERT, id: i + 1, key: { id: String(i + 1) } }));

describe('ChangeFeed', () => {
  test('newest first, exactly as tall as asked', () => {
    const lines = frameOf(<ChangeFeed changes={[INSERT, UPDATE, DELETE]} scroll={0} width={80} height={5} emptyText="none" />);
    expect(lines.length).toBe(5);
    expect(lines[0]).toContain('- votes');
    expect(lines[1]).toContain('~ voters       id=42  city: Oslo → Bergen');
    expect(lines[2]).toContain('+ voters');
    expect(lines[3].trim()).toBe('');
  });

  test('scrolling skips the newest', () => {
    const lines = frameOf(<ChangeFeed changes={many} scroll={5} width={80} height={3} emptyText="none" />);
    expect(lines.map((line) => line.match(/id=(\d+)/)?.[1])).toEqual(['25', '24', '23']);
  });

  test('long lines are cut at the width, never wrapped', () => {
    const wide: Change = { ...INSERT, after: { id: '42', note: 'x'.repeat(200) } };
    const lines = frameOf(<ChangeFeed changes={[wide]} scroll={0} width={40} height={2} emptyText="none" />);
    expect(lines.length).toBe(2);
    expect(lines[0].length).toBeLessThanOrEqual(40);
  });

  test('shows the empty text when there is nothing', () => {
    expect(frameOf(<ChangeFeed changes={[]} scroll={0} width={80} height={2} emptyText="waiting for changes…" />)[0]).toBe('waiting for changes…');
  });
});

describe('Header', () => {
  test('four lines: title, metrics, versions, rule as wide as the screen', () => {
    const lines = frameOf(<Header url="http://h:1" health={HEALTH} reachable eventsHistory={[1, 2]} width={90} />);
    expect(lines.length).toBe(HEADER_HEIGHT);
    expect(lines[0]).toContain('status ok');
    expect(lines[1]).toContain('dead letters 2');
    expect(lines[2]).toContain('bronze v12');
    expect(lines[3]).toBe('─'.repeat(90));
  });

  test('keeps its height before the first health answer', () => {
    const lines = frameOf(<Header url="http://h:1" health={undefined} reachable eventsHistory={[]} width={80} />);
    expect(lines.length).toBe(HEADER_HEIGHT);
    expect(lines[1]).toContain('waiting for /health');
  });
});

describe('GoldPanel', () => {
  test('the voters book: poll bars per poll and voters per city', () => {
    const data = contractData();
    const tables = [
      { name: 'poll_results', rows: data.rows.poll_results[5] },
      { name: 'voters_per_city', rows: data.rows.voters_per_city[5] },
    ];
    const lines = frameOf(<GoldPanel tables={tables} width={44} height={12} />);
    expect(lines.length).toBe(12);
    expect(lines[0]).toBe('poll_results');
    expect(lines[1]).toBe('poll lunch');
    expect(lines[2]).toMatch(/^pizza\s+█+\s+30 {2}75%/);
    expect(lines).toContain('voters_per_city');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(44);
  });

  test('any gold table: a pgbench balance per branch as bars, a wider shape as rows', () => {
    const tables = [
      { name: 'teller_summary', rows: [{ bid: '1', tellers: '10', balance: '-1200' }] },
      {
        name: 'balance_per_branch',
        rows: [
          { bid: '1', balance: '-2500' },
          { bid: '2', balance: '4000' },
        ],
      },
    ];
    const lines = frameOf(<GoldPanel tables={tables} width={44} height={12} />);
    // The chart first: (label, number) rows are bars, however the label is typed.
    expect(lines[0]).toBe('balance_per_branch');
    expect(lines[1]).toMatch(/^2\s+█+\s+4,000/);
    expect(lines[2]).toMatch(/^1\s+-2,500/);
    const table = lines.indexOf('teller_summary');
    expect(table).toBeGreaterThan(2);
    expect(lines[table + 1]).toMatch(/^bid\s+tellers\s+balance$/);
    expect(lines[table + 2]).toMatch(/^1\s+10\s+-1200$/);
  });
});

describe('Help and Footer', () => {
  test('help lists every key binding', () => {
    const text = frameOf(<Help width={80} height={22} />).join('\n');
    for (const key of FEED_KEYS) expect(text).toContain(key.action);
    expect(text).toContain('step to an older or newer version (time travel)');
    // An 80×24 screen leaves the body 19 lines, 18 under the connection banner; the help needs 17.
    expect(frameOf(<Help width={80} height={17} />).join('\n')).toContain('esc  v');
  });

  test('footer shows state, then the key hints', () => {
    const [line] = frameOf(<Footer keys={FEED_KEYS} status={[{ text: ' PAUSED ' }]} />);
    expect(line).toStartWith(' PAUSED  q quit  ? help  space pause');
  });
});

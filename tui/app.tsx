import { Box, useApp, useInput } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { createApiClient } from './api-client.ts';
import { DEFAULT_RETRY_MS } from './change-stream.ts';
import { connectionProblem } from './connection.ts';
import { FeedView } from './feed-view.tsx';
import { Header, HEADER_HEIGHT } from './header.tsx';
import { SPARKLINE_WIDTH } from './header-format.ts';
import { Help } from './help.tsx';
import { Line } from './line.tsx';
import { TableView } from './table-view.tsx';
import { ThemeContext } from './theme.ts';
import { useChangeFeed } from './use-change-feed.ts';
import { usePoll } from './use-poll.ts';
import { useLatest } from './use-latest.ts';
import { useTerminalSize } from './use-terminal-size.ts';

export type AppProps = {
  url: string;
  monochrome?: boolean;
  /** Delay before reconnecting after a failure; the on-screen message quotes it. */
  retryMs?: number;
};

const HEALTH_INTERVAL_MS = 1_000;
const GOLD_INTERVAL_MS = 1_500;
const FEED_CAPACITY = 5_000;

/** The whole screen: header, connection banner, the feed or table view (or help), each view with its footer. */
export function App({ url, monochrome = false, retryMs = DEFAULT_RETRY_MS }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const client = useMemo(() => createApiClient(url), [url]);
  const health = usePoll((signal) => client.health(signal), { intervalMs: HEALTH_INTERVAL_MS, retryMs }, client.baseUrl);
  const eventsHistory = useHistory(health.data?.eventsPerSecond, health.data);
  const feed = useChangeFeed(client.baseUrl, FEED_CAPACITY, retryMs);
  const [view, setView] = useState<'feed' | 'tables'>('feed');
  // The table view is mounted when first opened, then kept (hidden) like the feed view.
  const tablesOpened = useRef(false);
  if (view === 'tables') tablesOpened.current = true;
  const [help, setHelp] = useState(false);

  const helpShown = useLatest(help);
  useInput((input, key) => {
    if (key.ctrl && input === 'c') exit();
    else if (helpShown.current) setHelp(false);
  });

  const problem = connectionProblem(client.baseUrl, health.error, feed.state, retryMs);
  // One row less than the terminal: a frame as tall as the terminal makes Ink clear the screen on every render.
  const height = Math.max(HEADER_HEIGHT + 3, rows - 1);
  const bodyHeight = height - HEADER_HEIGHT - (problem ? 1 : 0);
  const theme = useMemo(() => ({ monochrome }), [monochrome]);
  return (
    <ThemeContext.Provider value={theme}>
      <Box flexDirection="column" width={columns} height={height}>
        <Header url={client.baseUrl} health={health.data} reachable={health.error?.kind !== 'unreachable'} eventsHistory={eventsHistory} width={columns} />
        {problem && <Line segments={[{ text: ` ${problem} `, style: 'error' }]} />}
        {help && <Help width={columns} height={bodyHeight} />}
        {/* Views stay mounted (hidden, not removed) so pause, filters and the chosen table and version survive. */}
        <Box display={!help && view === 'feed' ? 'flex' : 'none'}>
          <FeedView
            client={client}
            changes={feed.changes}
            goldTiming={{ intervalMs: GOLD_INTERVAL_MS, retryMs }}
            width={columns}
            height={bodyHeight}
            active={!help && view === 'feed'}
            onQuit={exit}
            onHelp={() => setHelp(true)}
            onOpenTables={() => setView('tables')}
          />
        </Box>
        {tablesOpened.current && (
          <Box display={!help && view === 'tables' ? 'flex' : 'none'}>
            <TableView
              client={client}
              retryMs={retryMs}
              width={columns}
              height={bodyHeight}
              active={!help && view === 'tables'}
              onQuit={exit}
              onHelp={() => setHelp(true)}
              onBack={() => setView('feed')}
            />
          </Box>
        )}
      </Box>
    </ThemeContext.Provider>
  );
}

/** The last SPARKLINE_WIDTH values of a polled number, one per successful poll (`sample` changes each time). */
function useHistory(value: number | undefined, sample: unknown): number[] {
  const [history, setHistory] = useState<number[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: one sample per poll, even when the value repeats
  useEffect(() => {
    if (value === undefined) return;
    setHistory((previous) => [...previous.slice(1 - SPARKLINE_WIDTH), value]);
  }, [sample]);
  return history;
}

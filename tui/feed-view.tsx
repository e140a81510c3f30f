import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { ApiClient } from './api-client.ts';
import type { Change } from './api-types.ts';
import { ChangeFeed } from './change-feed.tsx';
import { countAfter, filterChanges } from './feed-filter.ts';
import { feedKey, INITIAL_FEED_UI } from './feed-keys.ts';
import { emptyFeedText, feedStatus } from './feed-status.ts';
import { Footer } from './footer.tsx';
import { GoldPanel } from './gold-panel.tsx';
import { FEED_KEYS } from './keys.ts';
import type { GoldRows } from './gold-format.ts';
import { loadGold } from './tables.ts';
import { useKeys, useKeyState } from './use-key-state.ts';
import { usePoll, type PollTiming } from './use-poll.ts';

/** Below this width the gold panel cannot sit beside the feed; it takes the feed's place instead. */
const SIDE_BY_SIDE_MIN_WIDTH = 110;
const GOLD_PANEL_WIDTH = 44;
/** The separator column and a space after it. */
const SEPARATOR_WIDTH = 2;

export type FeedViewProps = {
  client: ApiClient;
  changes: readonly Change[];
  goldTiming: PollTiming;
  width: number;
  height: number;
  /** True while on screen and owning the keyboard; the gold panel is only polled then. */
  active: boolean;
  onQuit: () => void;
  onHelp: () => void;
  onOpenTables: () => void;
};

/** The change feed with the gold panel, its footer, and its keys; exactly `height` lines tall. */
export function FeedView(props: FeedViewProps) {
  const { client, changes, width, height } = props;
  const sideBySide = width >= SIDE_BY_SIDE_MIN_WIDTH;
  const bodyHeight = height - 1;
  const keys = useKeyState(INITIAL_FEED_UI);
  const { pausedAt, table, search, goldChoice } = keys.state;
  const goldShown = goldChoice ?? sideBySide;
  const feedShown = sideBySide || !goldShown;

  const gold = useGoldRows(client, props.goldTiming, goldShown && props.active);
  const visible = useMemo(() => filterChanges(changes, { table, search: search.text, untilId: pausedAt }), [changes, table, search.text, pausedAt]);
  useKeys(
    keys,
    feedKey,
    { changes, visibleCount: visible.length, pageHeight: bodyHeight, goldShown },
    (command) => {
      if (command === 'quit') props.onQuit();
      else if (command === 'help') props.onHelp();
      else props.onOpenTables();
    },
    props.active,
  );
  const shownScroll = Math.min(keys.state.scroll, Math.max(0, visible.length - bodyHeight));

  const newSincePause = pausedAt === null ? 0 : countAfter(changes, pausedAt);
  const goldWidth = sideBySide ? GOLD_PANEL_WIDTH : width;
  const feedWidth = goldShown && sideBySide ? width - GOLD_PANEL_WIDTH - SEPARATOR_WIDTH : width;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box flexDirection="row" height={bodyHeight}>
        {feedShown && (
          <ChangeFeed changes={visible} scroll={shownScroll} width={feedWidth} height={bodyHeight} emptyText={emptyFeedText(changes.length, keys.state)} />
        )}
        {goldShown && sideBySide && <Separator height={bodyHeight} />}
        {goldShown && <GoldPanel tables={gold} width={goldWidth} height={bodyHeight} />}
      </Box>
      <Footer keys={FEED_KEYS} status={feedStatus(keys.state, newSincePause, shownScroll)} />
    </Box>
  );
}

function useGoldRows(client: ApiClient, timing: PollTiming, enabled: boolean): readonly GoldRows[] {
  const gold = usePoll((signal) => loadGold(client, signal), timing, `${client.baseUrl} gold`, enabled);
  return gold.data ?? [];
}

function Separator({ height }: { height: number }) {
  return (
    <Box width={SEPARATOR_WIDTH} height={height}>
      <Text dimColor>{'│\n'.repeat(height).slice(0, -1)}</Text>
    </Box>
  );
}

import { Box, Text } from 'ink';
import type { Change } from './api-types.ts';
import { ChangeRow } from './change-row.tsx';

export type ChangeFeedProps = {
  /** Oldest first, already filtered. */
  changes: readonly Change[];
  /** How many of the newest changes are scrolled past (0 shows the newest). */
  scroll: number;
  width: number;
  height: number;
  emptyText: string;
};

/** The newest changes first, exactly `height` lines tall. */
export function ChangeFeed({ changes, scroll, width, height, emptyText }: ChangeFeedProps) {
  const newest = changes.length - 1 - scroll;
  const rows: Change[] = [];
  for (let i = newest; i >= 0 && rows.length < height; i--) rows.push(changes[i]);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {rows.length === 0 ? <Text dimColor>{emptyText}</Text> : rows.map((change) => <ChangeRow key={change.id} change={change} />)}
    </Box>
  );
}

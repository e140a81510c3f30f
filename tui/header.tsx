import { Box, Text } from 'ink';
import type { Health } from './api-types.ts';
import { metricsLine, titleLine, versionsLine } from './header-format.ts';
import { Line } from './line.tsx';

export const HEADER_HEIGHT = 4;

export type HeaderProps = {
  url: string;
  health: Health | undefined;
  reachable: boolean;
  eventsHistory: readonly number[];
  width: number;
};

/** Three lines of pipeline state and a rule; always HEADER_HEIGHT lines tall. */
export function Header({ url, health, reachable, eventsHistory, width }: HeaderProps) {
  return (
    <Box flexDirection="column" height={HEADER_HEIGHT} width={width}>
      <Line segments={titleLine(url, health, reachable)} />
      <Line segments={metricsLine(health, eventsHistory)} />
      <Line segments={versionsLine(health, width)} />
      <Text dimColor>{'─'.repeat(width)}</Text>
    </Box>
  );
}

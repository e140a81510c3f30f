import { Box } from 'ink';
import type { Row } from './api-types.ts';
import { goldLines } from './gold-format.ts';
import { Line } from './line.tsx';

export type GoldPanelProps = {
  pollRows: readonly Row[];
  cityRows: readonly Row[];
  width: number;
  height: number;
};

/** Poll results and voters per city as bar charts, exactly `height` lines tall. */
export function GoldPanel({ pollRows, cityRows, width, height }: GoldPanelProps) {
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {goldLines(pollRows, cityRows, width, height).map((segments, i) => (
        <Line key={i} segments={segments} />
      ))}
    </Box>
  );
}

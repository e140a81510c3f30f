import { Box } from 'ink';
import { goldLines, type GoldRows } from './gold-format.ts';
import { Line } from './line.tsx';

export type GoldPanelProps = {
  tables: readonly GoldRows[];
  width: number;
  height: number;
};

/** Every gold table, as a bar chart when its rows are (label, number) and as rows otherwise; exactly `height` lines tall. */
export function GoldPanel({ tables, width, height }: GoldPanelProps) {
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {goldLines(tables, width, height).map((segments, i) => (
        <Line key={i} segments={segments} />
      ))}
    </Box>
  );
}

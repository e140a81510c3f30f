import { Box, Text } from 'ink';
import type { TableSummary } from './api-types.ts';
import { fit } from './format.ts';
import { Line } from './line.tsx';

export type TableListProps = {
  tables: readonly TableSummary[];
  selected: number;
  width: number;
  height: number;
};

/** The tables to choose from, one per line, the chosen one marked; scrolls to keep it in sight. */
export function TableList({ tables, selected, width, height }: TableListProps) {
  const first = Math.max(0, Math.min(selected - height + 1, tables.length - height));
  const shown = tables.slice(Math.max(0, first), Math.max(0, first) + height);
  const nameWidth = Math.max(4, width - 9);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {tables.length === 0 && <Text dimColor>no tables yet</Text>}
      {shown.map((table, i) => {
        const isSelected = first + i === selected;
        return (
          <Line
            key={table.name}
            segments={[
              { text: isSelected ? '▸ ' : '  ', style: 'accent' },
              { text: fit(table.name, nameWidth), style: isSelected ? 'accent' : undefined },
              { text: ` ${table.layer.slice(0, 1)} v${table.version}`, style: 'dim' },
            ]}
          />
        );
      })}
    </Box>
  );
}

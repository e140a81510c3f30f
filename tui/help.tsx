import { Box, Text } from 'ink';
import { fit } from './format.ts';
import { FEED_KEYS, type KeyHelp, TABLE_KEYS } from './keys.ts';
import { Line } from './line.tsx';

const KEY_COLUMN_WIDTH = 16;

function section(title: string, keys: readonly KeyHelp[]) {
  return [
    <Line key={title} segments={[{ text: title, style: 'label' }]} />,
    ...keys.map((key) => (
      <Line key={`${title} ${key.keys}`} segments={[{ text: `  ${fit(key.keys, KEY_COLUMN_WIDTH)}`, style: 'key' }, { text: key.action }]} />
    )),
  ];
}

/** The key bindings, in place of the body; exactly `height` lines tall (fits the body of an 80×24 screen). */
export function Help({ width, height }: { width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text dimColor>keys (press any key to close)</Text>
      {section('change feed', FEED_KEYS)}
      <Text> </Text>
      {section('table view', TABLE_KEYS)}
    </Box>
  );
}

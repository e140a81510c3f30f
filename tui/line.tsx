import { Text } from 'ink';
import type { Segment } from './segments.ts';
import { textStyle, useTheme } from './theme.ts';

/** One terminal line of styled segments, cut at the available width so the layout never wraps. */
export function Line({ segments }: { segments: readonly Segment[] }) {
  const theme = useTheme();
  // An empty line still takes its row, so fixed-height layouts keep their shape.
  if (segments.length === 0) return <Text> </Text>;
  return (
    <Text wrap="truncate">
      {segments.map((segment, i) => (
        <Text key={i} {...textStyle(segment.style, theme)}>
          {segment.text}
        </Text>
      ))}
    </Text>
  );
}

import { memo } from 'react';
import type { Change } from './api-types.ts';
import { changeSegments } from './change-format.ts';
import { Line } from './line.tsx';

/** One change as one line. Memoised: a change never changes, so each row is formatted once. */
export const ChangeRow = memo(function ChangeRow({ change }: { change: Change }) {
  return <Line segments={changeSegments(change)} />;
});

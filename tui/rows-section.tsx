import type { Row } from './api-types.ts';
import { Line } from './line.tsx';
import { rowsGrid } from './table-format.ts';

/** Lines RowsSection takes besides the rows: its title and the column header. */
export const ROWS_SECTION_CHROME = 2;

type RowsSectionProps = {
  columns: readonly string[];
  rows: readonly Row[];
  version: number;
  offset: number;
  timeTravel: boolean;
};

/** A page of rows as an aligned grid, titled with the range and the version they are read at. */
export function RowsSection({ columns, rows, version, offset, timeTravel }: RowsSectionProps) {
  const grid = rowsGrid(columns, rows);
  const range = rows.length === 0 ? 'no rows' : `rows ${offset + 1}–${offset + rows.length}`;
  return (
    <>
      <Line
        segments={[
          { text: `${range} at v${version}`, style: 'label' },
          { text: timeTravel ? '  (time travel: ← → to step, home for latest)' : '', style: 'warn' },
        ]}
      />
      <Line segments={[{ text: grid.header, style: 'key' }]} />
      {grid.lines.map((line, i) => (
        <Line key={i} segments={[{ text: line }]} />
      ))}
    </>
  );
}

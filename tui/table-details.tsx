import type { HistoryEntry, TableDetail } from './api-types.ts';
import { Line } from './line.tsx';
import { historyLine, schemaLines, summaryLine } from './table-format.ts';

const HISTORY_LINES = 4;
const SCHEMA_MAX_LINES = 2;
/** Lines TableDetails takes at most: summary, schema, history title and entries. */
export const TABLE_DETAILS_HEIGHT = 1 + SCHEMA_MAX_LINES + 1 + HISTORY_LINES;

type TableDetailsProps = {
  detail: TableDetail;
  history: readonly HistoryEntry[];
  viewedVersion: number;
  rowCount: number | undefined;
  width: number;
};

/** Summary, schema and the version history around the version on screen. */
export function TableDetails({ detail, history, viewedVersion, rowCount, width }: TableDetailsProps) {
  const schema = schemaLines(detail.schema.fields, width - 8, SCHEMA_MAX_LINES);
  return (
    <>
      <Line segments={summaryLine(detail, viewedVersion, viewedVersion === detail.version ? rowCount : undefined)} />
      {schema.map((line, i) => (
        <Line key={i} segments={[{ text: i === 0 ? 'schema  ' : '        ', style: 'dim' }, { text: line }]} />
      ))}
      <Line segments={[{ text: 'history', style: 'label' }]} />
      {historyWindow(history, viewedVersion).map((entry) => (
        <Line key={entry.version} segments={historyLine(entry, viewedVersion)} />
      ))}
    </>
  );
}

/** HISTORY_LINES entries of the newest-first history, around the version on screen. */
function historyWindow(history: readonly HistoryEntry[], viewedVersion: number): readonly HistoryEntry[] {
  const index = Math.max(
    0,
    history.findIndex((entry) => entry.version === viewedVersion),
  );
  const start = Math.max(0, Math.min(index - 1, history.length - HISTORY_LINES));
  return history.slice(start, start + HISTORY_LINES);
}

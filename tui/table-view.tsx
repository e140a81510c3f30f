import { Box, Text } from 'ink';
import type { ApiClient } from './api-client.ts';
import type { HistoryEntry } from './api-types.ts';
import { Footer } from './footer.tsx';
import { TABLE_KEYS } from './keys.ts';
import { Line } from './line.tsx';
import { ROWS_SECTION_CHROME, RowsSection } from './rows-section.tsx';
import { TABLE_DETAILS_HEIGHT, TableDetails } from './table-details.tsx';
import { INITIAL_TABLE_UI, tableKey } from './table-keys.ts';
import { TableList } from './table-list.tsx';
import { useKeys, useKeyState } from './use-key-state.ts';
import { usePoll } from './use-poll.ts';

const LIST_MAX_WIDTH = 28;
const TABLES_INTERVAL_MS = 2_000;
const DETAIL_INTERVAL_MS = 2_000;

export type TableViewProps = {
  client: ApiClient;
  retryMs: number;
  width: number;
  height: number;
  /** True while on screen and owning the keyboard; the endpoints are only polled then. */
  active: boolean;
  onQuit: () => void;
  onHelp: () => void;
  onBack: () => void;
};

/**
 * Pick a table; see its schema and version history; browse its rows at any version (time travel with ←/→).
 * Exactly `height` lines tall, the last being the footer.
 */
export function TableView({ client, retryMs, width, height, active, onQuit, onHelp, onBack }: TableViewProps) {
  const keys = useKeyState(INITIAL_TABLE_UI);
  const { selected, versionChoice, offset } = keys.state;

  const bodyHeight = height - 1;
  const listWidth = Math.min(LIST_MAX_WIDTH, Math.floor(width * 0.3));
  const detailWidth = width - listWidth - 1;
  const pageSize = Math.max(1, bodyHeight - TABLE_DETAILS_HEIGHT - ROWS_SECTION_CHROME);

  const tablesTiming = { intervalMs: TABLES_INTERVAL_MS, retryMs };
  const tables = usePoll((signal) => client.tables(signal), tablesTiming, client.baseUrl, active);
  const tableList = tables.data ?? [];
  const current = tableList[Math.min(selected, tableList.length - 1)]?.name;
  const timing = { intervalMs: DETAIL_INTERVAL_MS, retryMs };
  const loadable = active && current !== undefined;
  const detail = usePoll((signal) => client.table(current!, signal), timing, `detail ${current}`, loadable);
  const history = usePoll((signal) => client.history(current!, signal), timing, `history ${current}`, loadable);
  const latest = detail.data?.version;
  const viewedVersion = versionChoice ?? latest;
  const rows = usePoll(
    (signal) => client.rows(current!, { limit: pageSize, offset, version: versionChoice ?? undefined }, signal),
    timing,
    `rows ${current} ${versionChoice} ${offset} ${pageSize}`,
    loadable,
  );

  useKeys(
    keys,
    tableKey,
    {
      tableCount: tableList.length,
      latest,
      oldest: oldestVersion(history.data),
      pageSize,
      rowsOnPage: rows.data?.rows.length ?? 0,
    },
    (command) => {
      if (command === 'quit') onQuit();
      else if (command === 'help') onHelp();
      else onBack();
    },
    active,
  );

  const problem = tables.error ?? detail.error ?? history.error ?? rows.error;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box flexDirection="row" height={bodyHeight}>
        <TableList tables={tableList} selected={selected} width={listWidth} height={bodyHeight} />
        <Box width={1} />
        <Box flexDirection="column" width={detailWidth} height={bodyHeight} overflow="hidden">
          {detail.data && viewedVersion !== undefined ? (
            <TableDetails
              detail={detail.data}
              history={history.data ?? []}
              viewedVersion={viewedVersion}
              rowCount={tableList.find((t) => t.name === current)?.rows}
              width={detailWidth}
            />
          ) : (
            <Text dimColor>{current === undefined ? '' : `loading ${current}…`}</Text>
          )}
          {rows.data && detail.data && (
            <RowsSection
              columns={detail.data.schema.fields.map((field) => field.name)}
              rows={rows.data.rows}
              version={rows.data.version}
              offset={offset}
              timeTravel={versionChoice !== null}
            />
          )}
          {problem && problem.kind !== 'unreachable' && <Line segments={[{ text: problem.message, style: 'error' }]} />}
        </Box>
      </Box>
      <Footer keys={TABLE_KEYS} status={[{ text: ' tables ', style: 'accent' }]} />
    </Box>
  );
}

function oldestVersion(history: readonly HistoryEntry[] | undefined): number {
  if (!history || history.length === 0) return 0;
  let oldest = history[0].version;
  for (const entry of history) if (entry.version < oldest) oldest = entry.version;
  return oldest;
}

import type { Key } from 'ink';

/** What the user has set in the table view; changed only by keys. */
export type TableUi = {
  /** Index into the table list. */
  selected: number;
  /** The version being browsed; null follows the latest. */
  versionChoice: number | null;
  /** First row shown. */
  offset: number;
};

export const INITIAL_TABLE_UI: TableUi = { selected: 0, versionChoice: null, offset: 0 };

/** What the screen showed when the key was pressed. */
export type TableContext = {
  tableCount: number;
  /** Latest and oldest readable version of the chosen table; latest undefined until loaded. */
  latest: number | undefined;
  oldest: number;
  pageSize: number;
  rowsOnPage: number;
};

export type TableCommand = 'quit' | 'help' | 'back';

/** The table view's response to one key: a new state and maybe a command for the app. */
export function tableKey(ui: TableUi, input: string, key: Partial<Key>, context: TableContext): { state: TableUi; command?: TableCommand } {
  if (input === 'q') return { state: ui, command: 'quit' };
  if (input === '?') return { state: ui, command: 'help' };
  if (key.escape || input === 'v') return { state: ui, command: 'back' };
  const choose = (index: number): TableUi => {
    const selected = Math.max(0, Math.min(context.tableCount - 1, index));
    return selected === ui.selected ? ui : { selected, versionChoice: null, offset: 0 };
  };
  const step = (delta: number): TableUi => {
    const { latest, oldest } = context;
    if (latest === undefined) return ui;
    const next = Math.max(oldest, Math.min(latest, (ui.versionChoice ?? latest) + delta));
    // Stepping back onto the latest version follows it again as new commits arrive.
    return { ...ui, versionChoice: next === latest ? null : next, offset: 0 };
  };
  if (key.upArrow || input === 'k') return { state: choose(ui.selected - 1) };
  if (key.downArrow || input === 'j') return { state: choose(ui.selected + 1) };
  if (key.leftArrow || input === 'h') return { state: step(-1) };
  if (key.rightArrow || input === 'l') return { state: step(1) };
  if (key.home) return { state: { ...ui, versionChoice: null, offset: 0 } };
  if (key.pageDown && context.rowsOnPage >= context.pageSize) {
    return { state: { ...ui, offset: ui.offset + context.pageSize } };
  }
  if (key.pageUp) return { state: { ...ui, offset: Math.max(0, ui.offset - context.pageSize) } };
  return { state: ui };
}

// Every key binding, in the order the help screen lists them. The footer shows the `footer` ones.
export type KeyHelp = { keys: string; action: string; footer?: string };

export const FEED_KEYS: readonly KeyHelp[] = [
  { keys: 'q  ctrl-c', action: 'quit', footer: 'q quit' },
  { keys: '?', action: 'show or hide this help', footer: '? help' },
  { keys: 'space', action: 'pause or resume the feed', footer: 'space pause' },
  { keys: '↓ ↑ pgdn pgup', action: 'scroll back in time and forward (pauses); home: newest', footer: '↑↓ scroll' },
  { keys: 't', action: 'filter by table (cycles through the tables seen)', footer: 't table' },
  { keys: '/', action: 'search keys; enter keeps it, esc clears it', footer: '/ search' },
  { keys: 'esc', action: 'clear the table filter and the search' },
  { keys: 'g', action: 'show or hide the gold panel', footer: 'g gold' },
  { keys: 'v  enter', action: 'open the table view', footer: 'v tables' },
];

export const TABLE_KEYS: readonly KeyHelp[] = [
  { keys: '↑ ↓', action: 'choose a table', footer: '↑↓ table' },
  { keys: '← →', action: 'step to an older or newer version (time travel); home: latest', footer: '←→ version' },
  { keys: 'pgdn pgup', action: 'page through the rows', footer: 'pgdn/pgup rows' },
  { keys: 'esc  v', action: 'back to the change feed', footer: 'esc back' },
];

/**
 * How a silver table replaces the rows a micro-batch changes. Chosen when the table is created and
 * recorded in its `lakehouse.writeMode` property, so it survives restarts and other writers see it.
 *
 *   - merge-on-read (default): the replaced rows are marked deleted in deletion vectors on their old
 *     files. Cheapest per batch; the table needs protocol (3,7) with the deletionVectors feature.
 *   - copy-on-write: every data file holding a replaced row is rewritten with its other rows. The table
 *     stays at reader version 1 (unless its schema needs a feature: timestamp_ntz columns do), so readers
 *     without deletion-vector support (older Spark/Delta, Trino, Athena) read it.
 */
export const WRITE_MODES = ['merge-on-read', 'copy-on-write'] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

export const DEFAULT_WRITE_MODE: WriteMode = 'merge-on-read';
export const WRITE_MODE_PROPERTY = 'lakehouse.writeMode';

/** A table's mode from its properties; tables made before the property existed are merge-on-read. */
export function writeModeOf(properties: Readonly<Record<string, string>>): WriteMode {
  return properties[WRITE_MODE_PROPERTY] === 'copy-on-write' ? 'copy-on-write' : 'merge-on-read';
}

/** The table properties a new silver table of this mode is created with. */
export function writeModeConfiguration(mode: WriteMode): Record<string, string> {
  return mode === 'merge-on-read' ? { [WRITE_MODE_PROPERTY]: mode, 'delta.enableDeletionVectors': 'true' } : { [WRITE_MODE_PROPERTY]: mode };
}

/** Modes chosen for tables yet to be created: one for all of them, and per table (which wins). */
export interface WriteModeChoice {
  all?: WriteMode;
  tables?: Readonly<Record<string, WriteMode>>;
}

/** The mode chosen for a new table, or undefined when nothing was chosen for it. */
export function chosenWriteMode(choice: WriteMode | WriteModeChoice | undefined, table: string): WriteMode | undefined {
  return typeof choice === 'string' ? choice : (choice?.tables?.[table] ?? choice?.all);
}

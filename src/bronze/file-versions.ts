/**
 * Which bronze versions a data file holds, recorded in its add action's tags
 * (`lakehouse.bronzeVersions`: "12" for the file of batch version 12, "12-340" for a compaction of
 * versions 12 to 340). The tag is what keeps bronze replayable once compaction has replaced the
 * commits' files: the files sorted by first version, each read in row order, are the records in the
 * order they were stored, with no need for the old commits (which log cleanup deletes).
 *
 * Invariants the writers keep: a version adds at most one data file, and a compaction folds files of
 * consecutive versions, so no two live files' ranges overlap. Files written before bronze recorded
 * versions carry no tag; they are never compacted, so they precede every tagged file.
 */
import { corruptTable } from '../core/errors.ts';
import type { Add } from '../delta/index.ts';

export const VERSIONS_TAG = 'lakehouse.bronzeVersions';

export interface VersionRange {
  first: number;
  last: number;
}

/** A live bronze data file and the versions it holds (undefined: written before files recorded them). */
export interface BronzeFile {
  add: Add;
  versions: VersionRange | undefined;
}

export const versionsTag = ({ first, last }: VersionRange): Record<string, string> => ({ [VERSIONS_TAG]: first === last ? String(first) : `${first}-${last}` });

export function fileVersions(add: Add): VersionRange | undefined {
  const text = add.tags?.[VERSIONS_TAG];
  if (text === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m)
    throw corruptTable(
      `bronze data file ${add.path} has a malformed ${VERSIONS_TAG} tag '${text}'`,
      'the tag is written by lakehouse; was the table changed by another writer?',
    );
  return { first: Number(m[1]), last: Number(m[2] ?? m[1]) };
}

/** Live files in stored order: untagged files as the snapshot lists them (commit order), then tagged ones by first version. */
export function inStoredOrder(files: readonly Add[]): BronzeFile[] {
  const all = files.map((add) => ({ add, versions: fileVersions(add) }));
  const untagged = all.filter((f) => f.versions === undefined);
  const tagged = all.filter((f) => f.versions !== undefined).sort((a, b) => a.versions!.first - b.versions!.first);
  return [...untagged, ...tagged];
}

/** Live files in the order a reader should read them: bronze's stored order (other tables' files have no tag and keep theirs). */
export const readingOrder = (files: readonly Add[]): Add[] => inStoredOrder(files).map((f) => f.add);

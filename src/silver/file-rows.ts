/**
 * Row locations in Delta data files, shared by the tables that keep an index of where each row lives
 * (silver's key index, the history's version index): reading a file's live rows with their row
 * indexes, recording where written rows landed, and choosing the files a compaction rewrites.
 */
import type { Storage } from '../storage/storage.ts';
import { readDataFile, readDeletionVector, readFileTable, readSchemaOf, recordCount, type Add, type Snapshot } from '../delta/index.ts';
import type { Row } from './serving-store.ts';

export interface Located {
  file: string | null;
  row: number | null;
}

/** Every row of `files` that no deletion vector removed, with its data file and row index. */
export async function* readLiveRows(storage: Storage, snapshot: Snapshot, files: readonly Add[]): AsyncGenerator<{ file: string; row: number; image: Row }> {
  const schema = readSchemaOf(snapshot);
  for (const add of files) {
    const deleted = new Set(add.deletionVector ? await readDeletionVector(storage, add.deletionVector) : []);
    let row = 0;
    for (const image of readDataFile(add, schema, undefined, await readFileTable(storage, add))) {
      const index = row++;
      if (!deleted.has(index)) yield { file: add.path, row: index, image };
    }
  }
}

/** Records where each entry's row landed: the writer keeps row order across the files it writes. */
export function placeRows(entries: readonly Located[], adds: readonly Add[]): void {
  let i = 0;
  for (const add of adds) {
    const records = recordCount(add) ?? 0;
    for (let row = 0; row < records; row++, i++) Object.assign(entries[i]!, { file: add.path, row });
  }
  if (i !== entries.length) throw new Error(`internal: wrote ${entries.length} rows but the files' stats count ${i}`);
}

export interface CompactionOptions {
  maxFiles?: number;
  smallFileBytes?: number;
  maxBytes?: number;
  /** Rows at most (once two files are chosen): each is read, written and re-indexed in the pipeline's turn. */
  maxRows?: number;
}

/**
 * The files a background compaction rewrites, or none: once a table has more than `maxFiles` data
 * files, the small ones and those whose deletion vectors drop over a fifth of their rows, smallest
 * first, at most `maxBytes` and `maxRows` of them (so one compaction's cost stays bounded: batches wait
 * while it runs; see docs/design.md, "Where the CPU goes"). A small file larger than all the files
 * chosen before it together waits for a later round: otherwise every round would rewrite the last
 * round's output with a few new files (a long serve rewrote its whole table every half minute); this
 * way a row is rewritten about log2(rows per file) times. A large file with a few deleted rows stays:
 * random updates put a DV on nearly every file, and rewriting those would rewrite (and hold in memory)
 * the whole table.
 */
export function compactionCandidates(files: readonly Add[], options: CompactionOptions = {}): Add[] {
  const maxFiles = options.maxFiles ?? 32;
  const small = options.smallFileBytes ?? 32 * 1024 * 1024;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxRows = options.maxRows ?? 100_000;
  if (files.length <= maxFiles) return [];
  const mostlyDeleted = (a: Add) => a.deletionVector !== undefined && a.deletionVector !== null && a.deletionVector.cardinality * 5 > (recordCount(a) ?? 0);
  const candidates = files.filter((a) => a.size < small || mostlyDeleted(a)).sort((a, b) => a.size - b.size);
  const chosen: Add[] = [];
  let bytes = 0;
  let rows = 0;
  for (const add of candidates) {
    const records = recordCount(add) ?? 0;
    if (chosen.length >= 2 && (bytes + add.size > maxBytes || rows + records > maxRows)) break;
    if (chosen.length >= 2 && add.size > bytes && !mostlyDeleted(add)) continue;
    chosen.push(add);
    bytes += add.size;
    rows += records;
  }
  return chosen.length < 2 ? [] : chosen;
}

/**
 * Which bronze files one background compaction folds together. Records must keep their stored order,
 * so only neighbouring files can merge; the rule is a logarithmic merge over neighbours, as search
 * engines merge index segments whose order matters:
 *
 * - a file's level is the order of magnitude of the versions it holds (1 batch: 0, 10 to 99: 1, ...);
 * - the oldest run of `mergeFactor` (10) neighbouring files of one level merges into one file of the
 *   next level; so at most mergeFactor - 1 files wait per level, and each record is rewritten once per
 *   level it climbs (about three times from serve's small batches up to a full file);
 * - only small files merge: one of `smallFileBytes` (256 KiB) or more, such as a batch of `ingest`'s
 *   default 5,000 records, is not worth rewriting;
 * - a merge reads at most `maxMergeBytes` (1 MiB; one that reaches it early is due with fewer files),
 *   so merged files end near that size. 1 MiB of zstd Parquet holds 25-50 MB of record text (Debezium
 *   JSON compresses 25-50x) and a merge of it takes about 200 MB while it runs (rows, Arrow, Parquet in
 *   WebAssembly), as does a replay, which reads a file at a time: that bounds a serve's memory while
 *   leaving a day of it in several hundred files.
 *
 * Only files of versions at or below the last one the pipeline fully processed may merge (the files of
 * later versions are what a catch-up replays, by version). Untagged files (file-versions.ts) never merge.
 */
import type { BronzeFile } from './file-versions.ts';

export interface BronzeCompactionOptions {
  mergeFactor?: number;
  smallFileBytes?: number;
  maxMergeBytes?: number;
}

export const DEFAULT_MERGE_FACTOR = 10;
export const DEFAULT_SMALL_FILE_BYTES = 256 * 1024;
export const DEFAULT_MAX_MERGE_BYTES = 1024 * 1024;

const level = (f: BronzeFile) => Math.floor(Math.log10(f.versions!.last - f.versions!.first + 1));

/** The neighbouring files (in stored order, as `inStoredOrder` gives them) to merge now, or none. */
export function compactionWindow(files: readonly BronzeFile[], processedVersion: number, options: BronzeCompactionOptions = {}): BronzeFile[] {
  const mergeFactor = options.mergeFactor ?? DEFAULT_MERGE_FACTOR;
  const smallFileBytes = options.smallFileBytes ?? DEFAULT_SMALL_FILE_BYTES;
  const maxMergeBytes = options.maxMergeBytes ?? DEFAULT_MAX_MERGE_BYTES;
  let window: BronzeFile[] = [];
  let bytes = 0;
  for (const f of files) {
    if (!f.versions) continue;
    if (f.versions.last > processedVersion) break;
    const small = f.add.size < smallFileBytes;
    const sameRun = small && window.length > 0 && level(f) === level(window[0]!);
    if (sameRun && bytes + f.add.size <= maxMergeBytes) {
      window.push(f);
      bytes += f.add.size;
      if (window.length === mergeFactor) return window;
      continue;
    }
    // Full by size: this file would take the merge past its limit.
    if (sameRun && window.length >= 2) return window;
    window = small ? [f] : [];
    bytes = small ? f.add.size : 0;
  }
  return [];
}

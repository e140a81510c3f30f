/**
 * The files of the Delta log needed to reconstruct one table version: an optional checkpoint and the
 * commits after it. Built once from a listing of `_delta_log/`, its invariants are checked in the
 * constructor (commits are contiguous, start right after the checkpoint, end at the requested version;
 * multi-part checkpoints are complete) so everything downstream can trust it.
 *
 * `_last_checkpoint` is not read: it only saves a listing on stores that can list from a start key, and
 * our Storage lists the whole folder anyway. So a missing, empty or corrupt `_last_checkpoint` cannot
 * mislead us; the newest complete checkpoint in the listing is used.
 */
import type { FileInfo, Storage } from '../storage/storage.ts';
import { corruptTable, notFound } from '../core/errors.ts';

export const LOG_DIR = '_delta_log';

export type CheckpointKind = 'classic' | 'multi-part' | 'v2';

export interface CheckpointFiles {
  version: number;
  kind: CheckpointKind;
  /** One file, or every part of a multi-part checkpoint in part order. */
  parts: FileInfo[];
}

/** What a `_delta_log/` file name says about the file; undefined for files that are not log entries. */
export type LogFileName =
  | { type: 'commit'; version: number }
  | { type: 'checkpoint'; version: number; kind: 'classic' }
  | { type: 'checkpoint'; version: number; kind: 'multi-part'; part: number; parts: number }
  | { type: 'checkpoint'; version: number; kind: 'v2'; format: 'json' | 'parquet' };

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC = /^(\d{20})\.checkpoint\.parquet$/;
const MULTI_PART = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2 = /^(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$/;

export function parseLogFileName(name: string): LogFileName | undefined {
  let m = COMMIT.exec(name);
  if (m) return { type: 'commit', version: Number(m[1]) };
  m = CLASSIC.exec(name);
  if (m) return { type: 'checkpoint', version: Number(m[1]), kind: 'classic' };
  m = MULTI_PART.exec(name);
  if (m) return { type: 'checkpoint', version: Number(m[1]), kind: 'multi-part', part: Number(m[2]), parts: Number(m[3]) };
  m = V2.exec(name);
  if (m) return { type: 'checkpoint', version: Number(m[1]), kind: 'v2', format: m[2] as 'json' | 'parquet' };
  return undefined;
}

export const commitPath = (version: number) => `${LOG_DIR}/${String(version).padStart(20, '0')}.json`;

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

export class LogSegment {
  readonly version: number;
  readonly checkpoint: CheckpointFiles | undefined;
  /** Commit files after the checkpoint up to `version`, ascending and contiguous. */
  readonly commits: readonly FileInfo[];
  /** Every commit file the listing showed up to `version` (also those before the checkpoint), ascending. */
  readonly allCommits: readonly FileInfo[];

  constructor(version: number, checkpoint: CheckpointFiles | undefined, commits: FileInfo[], allCommits: FileInfo[], root: string) {
    const first = checkpoint ? checkpoint.version + 1 : 0;
    commits.forEach((file, i) => {
      const v = versionOf(file);
      if (v !== first + i) {
        const missing = first + i;
        throw corruptTable(`Delta log of ${root} has a gap: commit ${missing} is missing`, 'the table was damaged; restore the missing commit file');
      }
    });
    const last = commits.length ? versionOf(commits[commits.length - 1]) : checkpoint?.version;
    if (last !== version) throw corruptTable(`Delta log of ${root} does not reach version ${version}`);
    if (checkpoint) {
      if (checkpoint.parts.length === 0) throw corruptTable(`checkpoint ${checkpoint.version} of ${root} has no files`);
      if (checkpoint.kind === 'multi-part') {
        checkpoint.parts.forEach((p, i) => {
          const name = parseLogFileName(baseName(p.path));
          if (name?.type !== 'checkpoint' || name.kind !== 'multi-part' || name.part !== i + 1 || name.parts !== checkpoint.parts.length) {
            throw corruptTable(`multi-part checkpoint ${checkpoint.version} of ${root} is incomplete`);
          }
        });
      }
    }
    this.version = version;
    this.checkpoint = checkpoint;
    this.commits = commits;
    this.allCommits = allCommits;
  }

  /**
   * Lists `_delta_log/` and picks the newest complete checkpoint at or below the wanted version
   * (latest when omitted) plus the commits after it.
   */
  static async build(storage: Storage, wantedVersion?: number): Promise<LogSegment> {
    const listing = await storage.list(LOG_DIR);
    const commits: FileInfo[] = [];
    const checkpoints = new Map<number, Map<string, FileInfo[]>>(); // version -> group key -> files
    for (const file of listing) {
      const name = parseLogFileName(baseName(file.path));
      if (!name) continue;
      if (wantedVersion !== undefined && name.version > wantedVersion) continue;
      if (name.type === 'commit') {
        commits.push(file);
        continue;
      }
      const key = name.kind === 'multi-part' ? `multi-part:${name.parts}` : name.kind === 'v2' ? `v2:${file.path}` : 'classic';
      let groups = checkpoints.get(name.version);
      if (!groups) checkpoints.set(name.version, (groups = new Map()));
      const group = groups.get(key) ?? [];
      group.push(file);
      groups.set(key, group);
    }
    if (commits.length === 0 && checkpoints.size === 0) {
      if (wantedVersion !== undefined && listing.some((f) => parseLogFileName(baseName(f.path)))) {
        throw notFound(`version ${wantedVersion} of ${storage.root} does not exist`);
      }
      throw notFound(`no Delta table at ${storage.root}: ${LOG_DIR}/ has no commits`, 'check the table path');
    }
    const checkpoint = pickCheckpoint(checkpoints);
    const latestListed = Math.max(commits.length ? versionOf(commits[commits.length - 1]) : -1, checkpoint?.version ?? -1);
    const version = wantedVersion ?? latestListed;
    if (version > latestListed) throw notFound(`version ${version} of ${storage.root} does not exist; the latest is ${latestListed}`);
    const after = commits.filter((c) => versionOf(c) > (checkpoint?.version ?? -1));
    if (!checkpoint && after.length && versionOf(after[0]) !== 0) {
      throw notFound(
        `version ${version} of ${storage.root} cannot be reconstructed: commits before ${versionOf(after[0])} were removed and no checkpoint covers them`,
        'read a newer version',
      );
    }
    return new LogSegment(version, checkpoint, after, commits, storage.root);
  }
}

export const versionOf = (file: FileInfo): number => Number(baseName(file.path).slice(0, 20));

function pickCheckpoint(checkpoints: Map<number, Map<string, FileInfo[]>>): CheckpointFiles | undefined {
  for (const version of [...checkpoints.keys()].sort((a, b) => b - a)) {
    const groups = checkpoints.get(version)!;
    // Prefer v2 (self-describing), then classic, then the first complete multi-part set.
    for (const [key, files] of groups) if (key.startsWith('v2:')) return { version, kind: 'v2', parts: files };
    const classic = groups.get('classic');
    if (classic) return { version, kind: 'classic', parts: classic };
    for (const [key, files] of groups) {
      if (files.length === Number(key.slice('multi-part:'.length))) return { version, kind: 'multi-part', parts: files };
    }
  }
  return undefined;
}

/**
 * Table history from commitInfo actions, newest first. Versions whose commit files were cleaned up
 * (older than the oldest checkpoint kept) are not listed.
 */
import type { CommitInfo } from './actions.ts';
import { LOG_DIR, parseLogFileName, versionOf } from './log-segment.ts';
import { commitTimestamp, readCommit } from './snapshot.ts';
import type { Storage } from '../storage/storage.ts';
import { notFound } from '../core/errors.ts';

export interface HistoryEntry {
  version: number;
  /** Commit time in ms (in-commit timestamp, else commitInfo.timestamp, else file time). */
  timestamp: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  engineInfo?: string;
}

export async function history(storage: Storage, options: { limit?: number } = {}): Promise<HistoryEntry[]> {
  const commits = (await storage.list(LOG_DIR)).filter((f) => parseLogFileName(f.path.slice(LOG_DIR.length + 1))?.type === 'commit');
  if (commits.length === 0) throw notFound(`no Delta table at ${storage.root}: ${LOG_DIR}/ has no commits`, 'check the table path');
  const newestFirst = commits.reverse().slice(0, options.limit ?? commits.length);
  return Promise.all(
    newestFirst.map(async (file) => {
      const actions = await readCommit(storage, file);
      const info = actions.find((a): a is { commitInfo: CommitInfo } => 'commitInfo' in a)?.commitInfo;
      return {
        version: versionOf(file),
        timestamp: commitTimestamp(actions, file),
        operation: info?.operation,
        operationParameters: info?.operationParameters,
        engineInfo: info?.engineInfo,
      };
    }),
  );
}

/**
 * One writer per data folder. The pipeline's SQLite state and its bronze -> silver bookkeeping assume a
 * single process; a second `serve` or `ingest` on the same folder is refused with the holder's pid.
 * The lock is a file created with O_EXCL holding the pid; a lock whose process is gone is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, LakehouseError } from '../core/errors.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
};

const lockPath = (dataDir: string) => join(dataDir, '.lakehouse.lock');

/** The pid of the live process holding `dataDir`'s lock, or undefined when none does. */
export function lockHolder(dataDir: string): number | undefined {
  let holder: number;
  try {
    holder = Number(readFileSync(lockPath(dataDir), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(holder) && holder > 0 && alive(holder) ? holder : undefined;
}

export function lockDataDir(dataDir: string): () => void {
  const path = lockPath(dataDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      const holder = lockHolder(dataDir);
      if (holder !== undefined) {
        throw new LakehouseError(ErrorCode.conflict, `data folder ${dataDir} is in use by another lakehouse process (pid ${holder})`, {
          hint: 'stop it first, or pass another --data folder',
        });
      }
      rmSync(path, { force: true }); // left by a process that died
    }
  }
  throw new LakehouseError(ErrorCode.conflict, `cannot lock data folder ${dataDir}`, { hint: `remove ${path} if no lakehouse process uses it` });
}

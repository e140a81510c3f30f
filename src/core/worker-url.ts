/**
 * Where a worker's entry point is. From source it sits beside the module that starts it. In the compiled
 * binary, build.ts lists each worker as an extra entry point and Bun embeds them under /$bunfs/root/ at
 * their path relative to the entry points' common folder (src/), so `api/sql-worker.ts` is found there.
 */
import { fileURLToPath } from 'node:url';

const compiled = import.meta.url.includes('/$bunfs/');

export function workerUrl(pathUnderSrc: string, besideCaller: URL): string {
  return compiled ? `/$bunfs/root/${pathUnderSrc}` : besideCaller.href;
}

/** The first argument that makes the binary run a worker process instead of a command (see cli/main.ts). */
export const WORKER_PROCESS_ARG = '--worker-process';

/**
 * The command line of a worker that must be a process (one the caller can kill mid-statement): the
 * binary itself with WORKER_PROCESS_ARG and the worker's path under src/, or bun and the script from source.
 */
export function workerProcessCommand(pathUnderSrc: string, besideCaller: URL): string[] {
  return compiled ? [process.execPath, WORKER_PROCESS_ARG, pathUnderSrc] : [process.execPath, fileURLToPath(besideCaller)];
}

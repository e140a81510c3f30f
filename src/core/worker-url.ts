/**
 * Where a worker's entry point is. From source it sits beside the module that starts it. In the compiled
 * binary, build.ts lists each worker as an extra entry point and Bun embeds them under /$bunfs/root/ at
 * their path relative to the entry points' common folder (src/), so `api/sql-worker.ts` is found there.
 */
export function workerUrl(pathUnderSrc: string, besideCaller: URL): string {
  return import.meta.url.includes('/$bunfs/') ? `/$bunfs/root/${pathUnderSrc}` : besideCaller.href;
}

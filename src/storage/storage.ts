/**
 * The narrow interface every table and bronze log goes through. Paths are relative to the storage root,
 * '/'-separated, never starting with '/'.
 *
 * Ordering promise: `list` returns entries sorted by path (byte order), which Delta log replay relies on.
 * Atomicity promise: `write` never leaves a torn file visible; `putIfAbsent` creates the file only if no
 * file exists at that path, atomically, and says whether it did (Delta's mutual exclusion for commits).
 */
export interface FileInfo {
  path: string;
  size: number;
  modified: number; // ms since epoch
}

export interface Storage {
  /** A URL-ish description for messages: a directory or s3://bucket/prefix. */
  readonly root: string;
  read(path: string): Promise<Uint8Array | undefined>;
  /** Byte range [start, end) of a file, for Parquet footers and deletion vectors. */
  readRange(path: string, start: number, end: number): Promise<Uint8Array>;
  /** Files under `dir` (recursive when asked), sorted by path. A missing dir lists as empty. */
  list(dir: string, options?: { recursive?: boolean }): Promise<FileInfo[]>;
  write(path: string, bytes: Uint8Array | string): Promise<void>;
  putIfAbsent(path: string, bytes: Uint8Array | string): Promise<boolean>;
  delete(path: string): Promise<void>;
  /** A storage rooted at a sub-directory of this one. */
  at(dir: string): Storage;
}

export const joinPath = (...parts: string[]) =>
  parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/+/g, '/')
    .replace(/^\//, '');

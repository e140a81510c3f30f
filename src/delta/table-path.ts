/**
 * Paths in the log (add.path, cdc.path, 'p' deletion vectors) are URI references: relative ones are
 * percent-encoded paths under the table root; absolute ones (file:// URIs, shallow clones) are only
 * followed when they point inside this table's storage.
 */
import type { Storage } from '../storage/storage.ts';
import { unsupportedFeature } from '../core/errors.ts';

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;

/** A relative log path, percent-decoded. */
export const dataFilePath = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // not percent-encoded: some writers leave a literal '%'
  }
};

/** The storage-relative path of a file the log references. */
export function tablePath(storage: Storage, uri: string): string {
  if (!ABSOLUTE.test(uri)) return dataFilePath(uri);
  const absolute = uri.startsWith('file:') ? dataFilePath(new URL(uri).pathname) : uri;
  const root = storage.root.endsWith('/') ? storage.root : `${storage.root}/`;
  if (!absolute.startsWith(root)) throw unsupportedFeature(`file outside the table root (${uri})`);
  return absolute.slice(root.length);
}

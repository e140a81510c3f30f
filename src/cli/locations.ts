/**
 * Where a run keeps its Delta tables and where it keeps its local state. Tables may live on S3
 * (`--data s3://bucket/prefix`); the state (lakehouse.db, the lock, the embedded simulator's book) is
 * always a local folder: the data folder itself, or for remote tables `--state DIR`, by default a
 * folder under ~/.cache/lakehouse/state named after the URL, so every command finds the same one.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isRemote } from './table-ref.ts';

export interface Locations {
  /** Local folder or s3:// URL holding bronze/, silver/, gold/, dead_letters/. */
  tables: string;
  /** Local folder for lakehouse.db and the lock. */
  state: string;
}

export function resolveLocations(data: string, state?: string): Locations {
  if (!isRemote(data)) return { tables: resolve(data), state: resolve(state ?? data) };
  const name = data.replace(/^s3a?:\/\//, '').replace(/[^A-Za-z0-9._-]+/g, '_');
  return { tables: data.replace(/\/+$/, ''), state: resolve(state ?? join(homedir(), '.cache', 'lakehouse', 'state', name)) };
}

export * from './storage.ts';
export { LocalStorage } from './local.ts';
import { LocalStorage } from './local.ts';
import { ErrorCode, LakehouseError } from '../core/errors.ts';
import type { Storage } from './storage.ts';

/** The one place that picks a storage implementation from a location string. */
export async function openStorage(location: string): Promise<Storage> {
  if (location.startsWith('s3://')) {
    throw new LakehouseError(ErrorCode.unsupported, `S3 storage is not built yet: ${location}`, { hint: 'use a local directory' });
  }
  return new LocalStorage(location.startsWith('file://') ? new URL(location).pathname : location);
}

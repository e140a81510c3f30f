export * from './storage.ts';
export { LocalStorage } from './local.ts';
export { S3Storage, type S3Options } from './s3.ts';
import { LocalStorage } from './local.ts';
import { S3Storage } from './s3.ts';
import type { Storage } from './storage.ts';

/** The one place that picks a storage implementation from a location string. */
export async function openStorage(location: string): Promise<Storage> {
  if (location.startsWith('s3://') || location.startsWith('s3a://')) return S3Storage.fromUrl(location);
  return new LocalStorage(location.startsWith('file://') ? new URL(location).pathname : location);
}

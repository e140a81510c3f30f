/**
 * S3 (and S3-compatible) storage. `putIfAbsent` is a conditional PUT with `If-None-Match: *`: S3 creates
 * the object only if the key is free and answers 412 Precondition Failed otherwise, which gives Delta
 * commits their mutual exclusion without a lock service. 409 ConditionalRequestConflict (a concurrent
 * conditional write to the same key is in flight) is retried until one of the two wins.
 *
 * Endpoint: `LAKEHOUSE_S3_ENDPOINT`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`; with an
 * endpoint, path-style addressing is used (what MinIO, moto and most S3-compatible servers expect).
 * Region: `AWS_REGION` / `AWS_DEFAULT_REGION`, default us-east-1. Credentials: the AWS SDK's default chain.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { ErrorCode, LakehouseError, invalidInput } from '../core/errors.ts';
import type { FileInfo, Storage } from './storage.ts';
import { joinPath } from './storage.ts';

export interface S3Options {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
}

const CONFLICT_RETRIES = 50;

export class S3Storage implements Storage {
  readonly root: string;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {
    this.root = `s3://${bucket}${prefix ? '/' + prefix : ''}`;
  }

  /** `s3://bucket/prefix` with the endpoint and region from options or the environment. */
  static fromUrl(url: string, options: S3Options = {}): S3Storage {
    const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!m?.[1]) throw invalidInput(`not an S3 location: ${url}`, 'write it as s3://bucket/prefix');
    const env = process.env;
    const endpoint = options.endpoint ?? env.LAKEHOUSE_S3_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    const client = new S3Client({
      region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      endpoint,
      forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    });
    return new S3Storage(client, m[1], m[2].replace(/\/+$/, ''));
  }

  private key(path: string): string {
    return joinPath(this.prefix, path);
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      return await out.Body!.transformToByteArray();
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw this.failure('read', path, err);
    }
  }

  async readRange(path: string, start: number, end: number): Promise<Uint8Array> {
    if (end <= start) return new Uint8Array(0);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path), Range: `bytes=${start}-${end - 1}` }));
      return await out.Body!.transformToByteArray();
    } catch (err) {
      throw this.failure('read', path, err);
    }
  }

  async list(dir: string, options: { recursive?: boolean } = {}): Promise<FileInfo[]> {
    const base = this.key(dir);
    const prefix = base ? base + '/' : '';
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    const out: FileInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: options.recursive ? undefined : '/', ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.endsWith('/')) continue;
          out.push({ path: o.Key.slice(strip), size: o.Size ?? 0, modified: o.LastModified?.getTime() ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.failure('list', dir, err);
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async write(path: string, bytes: Uint8Array | string): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(path), Body: bytes }));
    } catch (err) {
      throw this.failure('write', path, err);
    }
  }

  async putIfAbsent(path: string, bytes: Uint8Array | string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(path), Body: bytes, IfNoneMatch: '*' }));
        return true;
      } catch (err) {
        if (isStatus(err, 412)) return false;
        if (isStatus(err, 409) && attempt < CONFLICT_RETRIES) {
          await Bun.sleep(20 + Math.random() * 80);
          continue;
        }
        throw this.failure('write', path, err);
      }
    }
  }

  async delete(path: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
    } catch (err) {
      if (isStatus(err, 404)) return;
      throw this.failure('delete', path, err);
    }
  }

  at(dir: string): Storage {
    return new S3Storage(this.client, this.bucket, this.key(dir));
  }

  private failure(op: string, path: string, err: unknown): LakehouseError {
    const status = (err as S3ServiceException).$metadata?.httpStatusCode;
    const name = (err as Error).name ?? 'Error';
    const where = `${this.root}/${path}`;
    if (status === 403)
      return new LakehouseError(ErrorCode.config, `S3 denied ${op} of ${where} (${name})`, { hint: 'check AWS credentials and bucket policy', cause: err });
    if (name === 'NoSuchBucket')
      return new LakehouseError(ErrorCode.notFound, `S3 bucket ${this.bucket} does not exist`, { hint: 'create it or fix the location', cause: err });
    const retryable = status === undefined || status >= 500;
    const code = status === undefined ? ErrorCode.unavailable : ErrorCode.io;
    return new LakehouseError(code, `S3 ${op} of ${where} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`, {
      retryable,
      cause: err,
    });
  }
}

const isStatus = (err: unknown, status: number) => (err as S3ServiceException)?.$metadata?.httpStatusCode === status;

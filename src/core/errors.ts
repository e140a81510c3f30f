/**
 * One error type for everything a user can meet. `code` comes from one const list so the CLI and the
 * HTTP API map it once (exit code, status); `hint` says what to do next; `retryable` tells a loop whether
 * trying again can help. Anything that is not a LakehouseError is a bug and is reported as one.
 */
export const ErrorCode = {
  usage: 'usage', // bad flag, missing argument
  config: 'config', // invalid setting from flag, env or config file
  notFound: 'not_found', // table, version, file that does not exist
  invalidInput: 'invalid_input', // malformed record, bad SQL, bad request body
  unsupported: 'unsupported', // a Delta feature or input we knowingly do not handle
  corruptTable: 'corrupt_table', // a Delta log that breaks the protocol
  conflict: 'conflict', // a concurrent commit we cannot reconcile
  limit: 'limit', // a size, row or time limit was reached
  unavailable: 'unavailable', // a service (Kafka, S3, server) cannot be reached or is starting
  io: 'io', // filesystem or network failure
  internal: 'internal', // a bug
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorOptions {
  hint?: string;
  retryable?: boolean;
  cause?: unknown;
}

export class LakehouseError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LakehouseError';
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * The user asked to stop (SIGTERM, Ctrl-C) in the middle of a batch: the stages stopped between
 * tables. Not a failure and not about any record: what is committed stays, and the rest of the batch
 * is replayed from bronze on the next run, as after a crash.
 */
export class Interrupted extends Error {
  constructor() {
    super('stopped on request in the middle of a batch; the next run replays the rest of it from bronze');
    this.name = 'Interrupted';
  }
}

export const usageError = (message: string, hint?: string) => new LakehouseError(ErrorCode.usage, message, { hint });
export const notFound = (message: string, hint?: string) => new LakehouseError(ErrorCode.notFound, message, { hint });
export const invalidInput = (message: string, hint?: string) => new LakehouseError(ErrorCode.invalidInput, message, { hint });
export const corruptTable = (message: string, hint?: string) => new LakehouseError(ErrorCode.corruptTable, message, { hint });
export const unsupportedFeature = (feature: string, supported?: readonly string[]) =>
  new LakehouseError(ErrorCode.unsupported, `unsupported Delta feature: ${feature}`, {
    hint: supported ? `supported: ${supported.join(', ')}` : undefined,
  });

/** Wraps anything thrown into a LakehouseError; unknown errors become `internal` (a bug). */
export function asLakehouseError(err: unknown): LakehouseError {
  if (err instanceof LakehouseError) return err;
  const e = err as { code?: string; message?: string; path?: string };
  if (e && typeof e.code === 'string' && ['ENOENT', 'EACCES', 'ENOSPC', 'EISDIR', 'ENOTDIR', 'EROFS'].includes(e.code)) {
    const what = e.code === 'ENOENT' ? ErrorCode.notFound : ErrorCode.io;
    return new LakehouseError(what, `${e.code}: ${e.path ?? e.message ?? 'file system error'}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new LakehouseError(ErrorCode.internal, `internal error (a bug, please report it): ${message}`, { cause: err });
}

/** The one-line form the CLI prints. */
export function formatError(err: LakehouseError): string {
  return `error ${err.code}: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}`;
}

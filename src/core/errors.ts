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
  limit: 'limit', // a size or row limit was reached (a parameter past its maximum, a result too large)
  tooLarge: 'too_large', // a request body larger than allowed
  timeout: 'timeout', // a time limit was reached (a query stopped at its timeout)
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

/** SQLite result codes that are about the machine (disk, permissions, the file), never about a row. */
const machineSqliteCodes = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|PERM|AUTH|BUSY|LOCKED|CORRUPT|NOTADB|NOMEM|PROTOCOL)/;

/** LakehouseError codes a record can cause: a value the writer refuses, a size past a limit. */
const recordCodes = new Set<ErrorCode>([ErrorCode.invalidInput, ErrorCode.unsupported, ErrorCode.limit, ErrorCode.internal]);

/**
 * Whether a failure is the machine's or the setup's (a full disk, permissions, a lost service, a
 * concurrent writer, a broken table), which retrying a smaller batch cannot help, rather than one a
 * record can cause (a value or name the writer or SQLite refuses): the pipeline stops on the former
 * and isolates the record behind the latter (src/silver/poison.ts).
 */
export function isMachineFailure(err: unknown): boolean {
  if (err instanceof Interrupted) return true; // a stop on request is about no record either
  if (err instanceof LakehouseError) return !recordCodes.has(err.code);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // Node's system errors (ENOSPC, EACCES, EROFS, EIO, EMFILE…), and SQLite's own.
  return /^E[A-Z]+$/.test(code) || machineSqliteCodes.test(code);
}

/** Wraps anything thrown into a LakehouseError; unknown errors become `internal` (a bug). */
export function asLakehouseError(err: unknown): LakehouseError {
  if (err instanceof LakehouseError) return err;
  const e = err as { code?: string; message?: string; path?: string };
  if (e && typeof e.code === 'string' && ['ENOENT', 'EACCES', 'ENOSPC', 'EISDIR', 'ENOTDIR', 'EROFS'].includes(e.code)) {
    const what = e.code === 'ENOENT' ? ErrorCode.notFound : ErrorCode.io;
    return new LakehouseError(what, `${e.code}: ${e.path ?? e.message ?? 'file system error'}`, { cause: err });
  }
  if (e && typeof e.code === 'string' && machineSqliteCodes.test(e.code)) {
    return new LakehouseError(ErrorCode.io, `lakehouse.db: ${e.code}: ${e.message ?? 'SQLite failure'}`, {
      cause: err,
      hint: 'check the data folder: free space, permissions, and that no other process holds lakehouse.db',
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new LakehouseError(ErrorCode.internal, `internal error (a bug, please report it): ${message}`, { cause: err });
}

/** The one-line form the CLI prints. */
export function formatError(err: LakehouseError): string {
  return `error ${err.code}: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}`;
}

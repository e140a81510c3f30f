/** Messages between `serve`'s main thread (the pipeline) and the API server thread. */
import type { ChangeRecord, HealthStatus } from '../pipeline/lakehouse-view.ts';

/** The view methods the server thread asks the main thread for. */
export type RemoteMethod = 'tables' | 'table' | 'history' | 'rows';

export interface WireError {
  code: string;
  message: string;
  hint?: string;
}

export type ToServerThread =
  | { type: 'start'; dataDir: string; host: string; port: number; token?: string; heartbeatMs?: number }
  | { type: 'state'; health: HealthStatus; metrics: string }
  | { type: 'changes'; changes: ChangeRecord[] }
  | { type: 'result'; id: number; value?: unknown; error?: WireError }
  | { type: 'stop' };

export type FromServerThread =
  | { type: 'listening'; hostname: string; port: number }
  | { type: 'failed'; error: WireError }
  | { type: 'call'; id: number; method: RemoteMethod; args: unknown[] }
  /** Whether anyone follows the live changes: the main thread forwards them only then. */
  | { type: 'watching'; live: boolean }
  | { type: 'stopped' };

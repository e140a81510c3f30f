/** Messages between the query engine (main thread) and a query worker. Pull-based: one chunk per `next`. */
import type { RowFormatName } from './row-formats/index.ts';

export type ToWorker =
  | { type: 'open'; id: number; dataDir: string; sql: string; format: RowFormatName; limit: number; chunkRows: number }
  | { type: 'next'; id: number }
  | { type: 'close'; id: number };

export type FromWorker =
  | { type: 'chunk'; id: number; text: string; done: boolean; columns?: string[]; rowCount: number; truncated: boolean }
  | { type: 'error'; id: number; error: { code: string; message: string; hint?: string }; text?: string };

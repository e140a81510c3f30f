import type { ApiError } from './api-client.ts';
import type { StreamState } from './change-stream.ts';

/**
 * The one line to show when the server cannot be used, or null when all is well. Unreachable wins over other
 * failures because it explains them.
 */
export function connectionProblem(baseUrl: string, healthError: ApiError | undefined, stream: StreamState, retryMs: number): string | null {
  const retry = `retrying in ${Math.round(retryMs / 100) / 10}s`;
  if (healthError?.kind === 'unreachable') return `cannot reach ${baseUrl} — ${retry}`;
  if (stream.kind === 'retrying') return `${stream.reason} — ${retry}`;
  if (healthError) return healthError.message;
  return null;
}

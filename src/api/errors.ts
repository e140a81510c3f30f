/** The one place an error becomes an HTTP response: `{"error":{"code","message"}}`, never a stack trace. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { asLakehouseError, type ErrorCode } from '../core/errors.ts';

const statusOf: Record<ErrorCode, ContentfulStatusCode> = {
  usage: 400,
  config: 400,
  invalid_input: 400,
  not_found: 404,
  unsupported: 422,
  corrupt_table: 500,
  conflict: 409,
  limit: 422,
  too_large: 413,
  timeout: 408,
  unavailable: 503,
  io: 500,
  internal: 500,
};

export function errorResponse(c: Context, err: unknown) {
  const e = asLakehouseError(err);
  const body: { error: { code: string; message: string; hint?: string } } = { error: { code: e.code, message: e.message } };
  if (e.hint) body.error.hint = e.hint;
  return c.json(body, statusOf[e.code]);
}

/** `--key TABLE=COLUMN[,COLUMN]` values: the key columns of source tables whose records carry no Kafka key. */
import { ErrorCode, LakehouseError } from '../core/errors.ts';

const NAME = /^[^=,\s]+$/;

export function parseKeyColumns(values: readonly string[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const text of values ?? []) {
    const at = text.indexOf('=');
    const table = text.slice(0, at);
    const columns = text
      .slice(at + 1)
      .split(',')
      .map((c) => c.trim());
    if (at <= 0 || !NAME.test(table) || columns.some((c) => !NAME.test(c))) {
      throw new LakehouseError(ErrorCode.config, `--key '${text}': expected TABLE=COLUMN[,COLUMN]`, {
        hint: 'name the source table and its key columns, e.g. --key audit_log=event_id or --key post_tags=post_id,tag',
      });
    }
    if (out[table])
      throw new LakehouseError(ErrorCode.config, `--key '${text}': table ${table} is given twice`, {
        hint: 'give each table one --key with all its key columns',
      });
    out[table] = columns;
  }
  return out;
}

/** `--write-mode [TABLE=]MODE` values: the mode of every new silver table, and of named ones. */
import { ErrorCode, LakehouseError } from '../core/errors.ts';
import { WRITE_MODES, type WriteMode, type WriteModeChoice } from '../silver/index.ts';

export function parseWriteModes(values: string | readonly string[] | undefined): WriteModeChoice | undefined {
  if (values === undefined) return undefined;
  const choice: { all?: WriteMode; tables: Record<string, WriteMode> } = { tables: {} };
  for (const text of (typeof values === 'string' ? [values] : values)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)) {
    const at = text.indexOf('=');
    const table = at < 0 ? undefined : text.slice(0, at);
    const mode = text.slice(at + 1) as WriteMode;
    if (!WRITE_MODES.includes(mode) || table === '') {
      throw new LakehouseError(ErrorCode.config, `--write-mode '${text}': expected MODE or TABLE=MODE, MODE being ${WRITE_MODES.join(' or ')}`, {
        hint: 'e.g. --write-mode copy-on-write (every new table) or --write-mode voters=copy-on-write (that table)',
      });
    }
    if (table === undefined) choice.all = mode;
    else choice.tables[table] = mode;
  }
  return choice;
}

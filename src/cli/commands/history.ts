/** `lakehouse history`: a table's commits, newest first, from their commitInfo. */
import { history } from '../../delta/index.ts';
import { tableStorage } from '../table-ref.ts';
import { renderTable } from '../render-table.ts';
import type { CommandContext } from '../command.ts';
import type { historySpec } from './specs.ts';

export async function run({ args }: CommandContext<typeof historySpec>): Promise<number> {
  const storage = await tableStorage(args.positionals[0]!, args.flags.data);
  const entries = (await history(storage, { limit: args.flags.limit })).map((e) => ({
    version: e.version,
    timestamp: new Date(e.timestamp).toISOString(),
    operation: e.operation ?? null,
    operationParameters: e.operationParameters ?? {},
    engineInfo: e.engineInfo ?? null,
  }));
  const out = Bun.stdout.writer();
  if (args.flags.format === 'ndjson') {
    for (const e of entries) out.write(JSON.stringify(e) + '\n');
  } else {
    const rows = entries.map((e) => ({ ...e, parameters: e.operationParameters, engine: e.engineInfo }));
    out.write(renderTable(['version', 'timestamp', 'operation', 'parameters', 'engine'], rows));
  }
  await out.flush();
  return 0;
}

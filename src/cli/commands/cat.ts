/** `lakehouse cat`: a Delta table's rows as a table or in a row format (NDJSON is lossless). */
import { invalidInput } from '../../core/errors.ts';
import { Snapshot, scan } from '../../delta/index.ts';
import { readingOrder } from '../../bronze/index.ts';
import { rowFormat } from '../../api/row-formats/index.ts';
import { tableStorage } from '../table-ref.ts';
import { openTableSnapshot } from '../table-snapshot.ts';
import { renderTable } from '../render-table.ts';
import type { CommandContext } from '../command.ts';
import type { catSpec } from './specs.ts';

export async function run({ args }: CommandContext<typeof catSpec>): Promise<number> {
  const table = args.positionals[0]!;
  const dataDir = args.flags.data;
  const at = args.flags.timestamp;
  const timestamp = at === undefined ? undefined : Date.parse(at);
  if (timestamp !== undefined && Number.isNaN(timestamp)) throw invalidInput(`--timestamp '${at}' is not an ISO-8601 time`, 'for example 2026-11-25T10:00:00Z');
  const version = args.flags.version;
  // The latest version opens through the data folder's log index when there is one.
  const { storage, snapshot } =
    version === undefined && timestamp === undefined
      ? await openTableSnapshot(table, dataDir)
      : await (async () => {
          const storage = await tableStorage(table, dataDir);
          return { storage, snapshot: await Snapshot.open(storage, { version, timestamp }) };
        })();
  const limit = args.flags.limit;
  // Bronze's files record the order they were stored in (compaction adds its files last): keep it,
  // so `cat bronze | ingest` replays every partition in offset order.
  const files = readingOrder(snapshot.files());
  const format = args.flags.format;
  const columns = snapshot.schema.fields.map((f) => f.name);
  const out = Bun.stdout.writer();
  if (format === 'table') {
    const rows = [];
    for await (const row of scan(snapshot, storage, { limit, files })) rows.push(row);
    out.write(renderTable(columns, rows) + `(${rows.length} rows, version ${snapshot.version})\n`);
  } else {
    const encoder = rowFormat(format).encoder(columns);
    out.write(encoder.begin({ version: snapshot.version }));
    for await (const row of scan(snapshot, storage, { limit, files })) out.write(encoder.row(row));
    out.write(encoder.end());
  }
  await out.flush();
  return 0;
}

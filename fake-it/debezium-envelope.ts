/**
 * Builds change records exactly as the Debezium PostgreSQL connector 3.x writes them with Kafka
 * Connect's JsonConverter (schemas enabled): key `{schema, payload}` with the primary key, value
 * `{schema, payload: {before, after, source, transaction, op, ts_ms, ts_us, ts_ns}}`, on topic
 * `<server>.public.<table>`. Schemas are rendered once per table; a record is the schema text plus
 * the payload.
 */
import type { AppRow, AppValue, ColumnDef, TableDef } from './tables.ts';

export const DEBEZIUM_VERSION = '3.0.8.Final';

/** What the connector knows about the transaction a change belongs to. */
export interface SourceInfo {
  /** Commit time, epoch ms. */
  tsMs: number;
  lsn: number;
  lastCommitLsn: number | null;
  txId: number;
  /** When the connector processed the change (payload ts_ms), epoch ms. */
  processedMs: number;
}

const SOURCE_SCHEMA = {
  type: 'struct',
  fields: [
    { type: 'string', optional: false, field: 'version' },
    { type: 'string', optional: false, field: 'connector' },
    { type: 'string', optional: false, field: 'name' },
    { type: 'int64', optional: false, field: 'ts_ms' },
    {
      type: 'string',
      optional: true,
      name: 'io.debezium.data.Enum',
      version: 1,
      parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' },
      default: 'false',
      field: 'snapshot',
    },
    { type: 'string', optional: false, field: 'db' },
    { type: 'string', optional: true, field: 'sequence' },
    { type: 'int64', optional: true, field: 'ts_us' },
    { type: 'int64', optional: true, field: 'ts_ns' },
    { type: 'string', optional: false, field: 'schema' },
    { type: 'string', optional: false, field: 'table' },
    { type: 'int64', optional: true, field: 'txId' },
    { type: 'int64', optional: true, field: 'lsn' },
    { type: 'int64', optional: true, field: 'xmin' },
  ],
  optional: false,
  name: 'io.debezium.connector.postgresql.Source',
  field: 'source',
};

const TRANSACTION_SCHEMA = {
  type: 'struct',
  fields: [
    { type: 'string', optional: false, field: 'id' },
    { type: 'int64', optional: false, field: 'total_order' },
    { type: 'int64', optional: false, field: 'data_collection_order' },
  ],
  optional: true,
  name: 'event.block',
  version: 1,
  field: 'transaction',
};

function fieldSchema(c: ColumnDef): Record<string, unknown> {
  const base = { optional: c.nullable };
  switch (c.kind) {
    case 'int32':
      return { type: 'int32', ...base, field: c.name };
    case 'int64':
      return { type: 'int64', ...base, field: c.name };
    case 'text':
      return { type: 'string', ...base, field: c.name };
    case 'date':
      return { type: 'int32', ...base, name: 'io.debezium.time.Date', version: 1, field: c.name };
    case 'timestamptz':
      return { type: 'string', ...base, name: 'io.debezium.time.ZonedTimestamp', version: 1, field: c.name };
    case 'numeric':
      return {
        type: 'bytes',
        ...base,
        name: 'org.apache.kafka.connect.data.Decimal',
        version: 1,
        parameters: { scale: String(c.scale), 'connect.decimal.precision': String(c.precision) },
        field: c.name,
      };
  }
}

/** App value -> the JSON value the connector emits for that column. */
function wireValue(c: ColumnDef, v: AppValue): unknown {
  if (v === null) return null;
  switch (c.kind) {
    case 'date':
      return Math.round(Date.parse(`${v}T00:00:00Z`) / 86_400_000);
    case 'numeric':
      return decimalBase64(String(v), c.scale ?? 0);
    default:
      return v;
  }
}

/** Exact decimal text -> base64 of the big-endian two's complement unscaled value, as Connect's Decimal. */
export function decimalBase64(text: string, scale: number): string {
  const negative = text.startsWith('-');
  const [whole, frac = ''] = (negative ? text.slice(1) : text).split('.');
  let unscaled = BigInt(whole! + frac.padEnd(scale, '0').slice(0, scale));
  if (negative) unscaled = -unscaled;
  let byteCount = 1;
  while (unscaled < -(1n << BigInt(byteCount * 8 - 1)) || unscaled >= 1n << BigInt(byteCount * 8 - 1)) byteCount++;
  const bytes = Buffer.alloc(byteCount);
  let u = BigInt.asUintN(byteCount * 8, unscaled);
  for (let i = byteCount - 1; i >= 0; i--) {
    bytes[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return bytes.toString('base64');
}

export class PostgresEnvelopes {
  readonly topic: string;
  private readonly keyPrefix: string;
  private readonly valuePrefix: string;
  private readonly sourceHead: string;
  private readonly sourceTail: string;
  private readonly dbJson: string;

  constructor(
    readonly table: TableDef,
    serverName: string,
    dbName: string,
  ) {
    const qualified = `${serverName}.public.${table.name}`;
    this.topic = qualified;
    const rowFields = table.columns.map(fieldSchema);
    const keyFields = table.key.map((k) => fieldSchema(table.columns.find((c) => c.name === k)!));
    const keySchema = { type: 'struct', fields: keyFields, optional: false, name: `${qualified}.Key` };
    const image = (field: string) => ({ type: 'struct', fields: rowFields, optional: true, name: `${qualified}.Value`, field });
    const valueSchema = {
      type: 'struct',
      fields: [
        image('before'),
        image('after'),
        SOURCE_SCHEMA,
        TRANSACTION_SCHEMA,
        { type: 'string', optional: false, field: 'op' },
        { type: 'int64', optional: true, field: 'ts_ms' },
        { type: 'int64', optional: true, field: 'ts_us' },
        { type: 'int64', optional: true, field: 'ts_ns' },
      ],
      optional: false,
      name: `${qualified}.Envelope`,
      version: 2,
    };
    this.keyPrefix = `{"schema":${JSON.stringify(keySchema)},"payload":`;
    this.valuePrefix = `{"schema":${JSON.stringify(valueSchema)},"payload":`;
    this.sourceHead = `{"version":"${DEBEZIUM_VERSION}","connector":"postgresql","name":${JSON.stringify(serverName)},`;
    this.sourceTail = `"schema":"public","table":${JSON.stringify(table.name)},`;
    this.dbJson = JSON.stringify(dbName);
  }

  /** The row's JSON as the connector emits it; with `only` set, just those columns (partial images). */
  rowJson(row: AppRow, only?: readonly string[]): string {
    const out: Record<string, unknown> = {};
    for (const c of this.table.columns) {
      if (only && !only.includes(c.name)) continue;
      out[c.name] = wireValue(c, row[c.name] ?? null);
    }
    return JSON.stringify(out);
  }

  keyText(row: AppRow): string {
    return `${this.keyPrefix}${this.rowJson(row, this.table.key)}}`;
  }

  /** `before`/`after` are JSON texts from rowJson, or null. */
  valueText(op: 'c' | 'u' | 'd', before: string | null, after: string | null, s: SourceInfo): string {
    const sequence = JSON.stringify(JSON.stringify([s.lastCommitLsn === null ? null : String(s.lastCommitLsn), String(s.lsn)]));
    const source =
      `${this.sourceHead}"ts_ms":${s.tsMs},"snapshot":"false","db":${this.dbJson},"sequence":${sequence},` +
      `"ts_us":${s.tsMs}000,"ts_ns":${s.tsMs}000000,${this.sourceTail}"txId":${s.txId},"lsn":${s.lsn},"xmin":null}`;
    return (
      `${this.valuePrefix}{"before":${before ?? 'null'},"after":${after ?? 'null'},"source":${source},"transaction":null,` +
      `"op":"${op}","ts_ms":${s.processedMs},"ts_us":${s.processedMs}000,"ts_ns":${s.processedMs}000000}}`
    );
  }
}

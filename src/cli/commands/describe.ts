/**
 * `lakehouse describe`: what a table is at its latest version: identity, protocol and features,
 * partitioning, live files and rows, checkpoint, properties and schema.
 */
import {
  TABLE_FEATURES,
  protocolHasFeature,
  readerRequirements,
  describeReaderRequirements,
  isArray,
  isMap,
  isStruct,
  recordCount,
  type DataType,
  type Snapshot,
} from '../../delta/index.ts';
import { keyModeOf } from '../../silver/index.ts';
import { openTableSnapshot } from '../table-snapshot.ts';
import type { CommandContext } from '../command.ts';
import type { describeSpec } from './specs.ts';

interface TableDescription {
  path: string;
  name: string | null;
  id: string;
  description: string | null;
  version: number;
  lastCommit: string;
  createdTime: string | null;
  protocol: { minReaderVersion: number; minWriterVersion: number };
  /** Every feature the protocol enables, explicitly listed or implied by legacy versions. */
  features: string[];
  /** What another engine must support to read the table (README, "Who reads what"). */
  readerNeeds: { minReaderVersion: number; features: string[] };
  partitionColumns: string[];
  files: number;
  sizeInBytes: number;
  /** Live rows from file stats (minus deleted rows); null when some file has no row count. */
  rows: number | null;
  checkpoint: { version: number; kind: string; parts: number; sizeInBytes: number; commitsSince: number } | null;
  properties: Record<string, string>;
  /** A silver table's row identity: its key columns, or keyless (rows appended); null for other tables. */
  key: { mode: 'keyed' | 'keyless'; columns: string[] } | null;
  schema: { name: string; type: string; nullable: boolean }[];
}

export async function run({ args }: CommandContext<typeof describeSpec>): Promise<number> {
  const { storage, snapshot } = await openTableSnapshot(args.positionals[0]!, args.flags.data);
  const description = describeTable(storage.root, snapshot);
  const out = Bun.stdout.writer();
  out.write(args.flags.format === 'json' ? JSON.stringify(description, null, 2) + '\n' : renderDescription(description));
  await out.flush();
  return 0;
}

function describeTable(path: string, snapshot: Snapshot): TableDescription {
  const files = snapshot.files();
  let rows: number | null = 0;
  for (const add of files) {
    const numRecords = recordCount(add);
    if (numRecords === undefined) {
      rows = null;
      break;
    }
    rows += numRecords - (add.deletionVector?.cardinality ?? 0);
  }
  const { checkpoint } = snapshot.logSegment;
  const { metadata, protocol } = snapshot;
  const key = keyModeOf(snapshot.tableProperties);
  return {
    path,
    name: metadata.name ?? null,
    id: metadata.id,
    description: metadata.description ?? null,
    version: snapshot.version,
    lastCommit: new Date(snapshot.timestamp).toISOString(),
    createdTime: metadata.createdTime != null ? new Date(metadata.createdTime).toISOString() : null,
    protocol: { minReaderVersion: protocol.minReaderVersion, minWriterVersion: protocol.minWriterVersion },
    features: TABLE_FEATURES.filter((f) => protocolHasFeature(protocol, f.name)).map((f) => f.name),
    readerNeeds: readerRequirements(protocol),
    partitionColumns: snapshot.partitionColumns,
    files: files.length,
    sizeInBytes: files.reduce((n, a) => n + a.size, 0),
    rows,
    checkpoint: checkpoint
      ? {
          version: checkpoint.version,
          kind: checkpoint.kind,
          parts: checkpoint.parts.length,
          sizeInBytes: checkpoint.parts.reduce((n, p) => n + p.size, 0),
          commitsSince: snapshot.version - checkpoint.version,
        }
      : null,
    properties: snapshot.tableProperties,
    key: key ? { mode: key.mode, columns: key.mode === 'keyed' ? key.columns : [] } : null,
    schema: snapshot.schema.fields.map((f) => ({ name: f.name, type: typeName(f.type), nullable: f.nullable })),
  };
}

/** Spark's short spelling of a type: struct<a:long,b:string>, array<int>, map<string,long>. */
function typeName(t: DataType): string {
  if (isStruct(t)) return `struct<${t.fields.map((f) => `${f.name}:${typeName(f.type)}`).join(',')}>`;
  if (isArray(t)) return `array<${typeName(t.elementType)}>`;
  if (isMap(t)) return `map<${typeName(t.keyType)},${typeName(t.valueType)}>`;
  return t;
}

const bytes = (n: number) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${unit === 0 ? n : n.toFixed(1)} ${units[unit]}`;
};

const describeKey = (key: NonNullable<TableDescription['key']>) =>
  key.mode === 'keyed'
    ? `(${key.columns.join(', ')})`
    : 'none (keyless: each insert is appended as a row; updates and deletes are matched by their full before image)';

function renderDescription(d: TableDescription): string {
  const lines: [string, string][] = [
    ['table', d.path],
    ...(d.name ? [['name', d.name] as [string, string]] : []),
    ...(d.description ? [['description', d.description] as [string, string]] : []),
    ['id', d.id],
    ['version', `${d.version} (last commit ${d.lastCommit})`],
    ...(d.createdTime ? [['created', d.createdTime] as [string, string]] : []),
    ['protocol', `reader ${d.protocol.minReaderVersion}, writer ${d.protocol.minWriterVersion}`],
    ['features', d.features.join(', ') || '(none)'],
    [
      'readers need',
      describeReaderRequirements({
        minReaderVersion: d.readerNeeds.minReaderVersion,
        minWriterVersion: d.protocol.minWriterVersion,
        readerFeatures: d.readerNeeds.features,
      }),
    ],
    ['partitioned by', d.partitionColumns.join(', ') || '(not partitioned)'],
    ['files', `${d.files} (${bytes(d.sizeInBytes)})`],
    ['rows', d.rows === null ? 'unknown (some files have no stats)' : String(d.rows)],
    ...(d.key ? [['key', describeKey(d.key)] as [string, string]] : []),
    [
      'checkpoint',
      d.checkpoint
        ? `version ${d.checkpoint.version} (${d.checkpoint.kind}, ${d.checkpoint.parts} file${d.checkpoint.parts === 1 ? '' : 's'}, ${bytes(d.checkpoint.sizeInBytes)}), ${d.checkpoint.commitsSince} commits since`
        : '(none)',
    ],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  const out = lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  const properties = Object.entries(d.properties);
  out.push('', 'properties:', ...(properties.length ? properties.map(([k, v]) => `  ${k} = ${v}`) : ['  (none)']));
  const nameWidth = Math.max(...d.schema.map((f) => f.name.length));
  out.push('', 'schema:', ...d.schema.map((f) => `  ${f.name.padEnd(nameWidth)}  ${f.type}${f.nullable ? '' : ' NOT NULL'}`));
  return out.join('\n') + '\n';
}

/**
 * Every command's spec: its flags, arguments and examples. Cheap data, declared `as const` so that a
 * command's implementation receives its flags typed (`CommandContext<typeof catSpec>`).
 */
import type { CommandSpec, FlagSpec } from '../args.ts';
import { WRITE_MODES } from '../../silver/write-mode.ts';
import { ROW_FORMAT_NAMES } from '../../api/row-formats/index.ts';

/** The API's row formats, and a table for people. */
const rowFormatFlag = {
  name: 'format',
  type: 'enum',
  values: [...ROW_FORMAT_NAMES, 'table'],
  default: 'table',
  help: 'output format',
} as const satisfies FlagSpec;

export const dataFlag = {
  name: 'data',
  type: 'string',
  default: './lakehouse-data',
  placeholder: 'DIR',
  help: 'the lakehouse data folder, or s3://bucket/prefix for the tables',
} as const satisfies FlagSpec;
export const stateFlag = {
  name: 'state',
  type: 'string',
  placeholder: 'DIR',
  help: 'local folder for lakehouse.db when --data is s3:// (default ~/.cache/lakehouse/state/<url>)',
} as const satisfies FlagSpec;
export const routeFlag = {
  name: 'route',
  type: 'list',
  placeholder: 'REGEX=TABLE',
  help: 'send topics matching REGEX to silver TABLE ($1.. are groups); repeatable; default: the source table name',
} as const satisfies FlagSpec;
// No default here: unset means "not chosen", so an existing table's own mode is never contradicted.
export const writeModeFlag = {
  name: 'write-mode',
  type: 'list',
  placeholder: '[TABLE=]MODE',
  help: 'how new silver tables replace rows: merge-on-read (deletion vectors; the default) or copy-on-write (rewrites touched files; readable without DV support), for all or, as TABLE=MODE, one table; existing tables keep theirs',
} as const satisfies FlagSpec;

export const keyFlag = {
  name: 'key',
  type: 'list',
  placeholder: 'TABLE=COL[,COL]',
  help: 'key columns of a source table without a primary key (its records carry no Kafka key; without --key its rows are appended); repeatable',
} as const satisfies FlagSpec;

export const tombstoneRetentionFlag = {
  name: 'tombstone-retention',
  type: 'int',
  default: 168,
  min: 0,
  placeholder: 'HOURS',
  help: "how long a deleted key's position is kept so that a late, older redelivery cannot bring the row back (0 = forever)",
} as const satisfies FlagSpec;

export const historyFlag = {
  name: 'history',
  type: 'list',
  placeholder: 'TABLE[,TABLE]',
  help: 'also keep the SCD type 2 history of these silver tables, as silver/<table>__history (kept from then on)',
} as const satisfies FlagSpec;

export const goldFlag = {
  name: 'gold',
  type: 'string',
  placeholder: 'DIR',
  help: 'gold tables: a folder of NAME.sql files, one SELECT each (also [gold.NAME] sql = "..." in the config file)',
} as const satisfies FlagSpec;

export const serveSpec = {
  name: 'serve',
  summary: 'Run the whole pipeline: source -> bronze -> silver -> gold, and the HTTP API.',
  flags: [
    dataFlag,
    stateFlag,
    { name: 'port', type: 'int', default: 8080, min: 0, max: 65535, placeholder: 'N', help: 'HTTP port' },
    { name: 'host', type: 'string', default: '127.0.0.1', placeholder: 'ADDR', help: 'HTTP bind address (non-loopback needs --token)' },
    { name: 'token', type: 'string', placeholder: 'SECRET', help: 'bearer token the API requires' },
    { name: 'kafka', type: 'string', placeholder: 'BROKERS', help: 'Kafka brokers host:port[,...]; without it the embedded simulator is the source' },
    { name: 'topics', type: 'string', default: '.*', placeholder: 'REGEX', help: 'Debezium topics to consume (with --kafka)' },
    {
      name: 'file',
      type: 'string',
      placeholder: 'NDJSON',
      help: 'replay a recorded stream of Kafka records (as cat bronze --format ndjson writes) instead of a live source',
    },
    { name: 'rate', type: 'int', default: 50, min: 0, placeholder: 'OPS', help: 'embedded simulator: changes per second (0 = as fast as possible)' },
    { name: 'seed', type: 'int', default: 1, placeholder: 'N', help: 'embedded simulator: random seed' },
    {
      name: 'max-latency',
      type: 'int',
      min: 0,
      placeholder: 'MS',
      help: 'longest a record waits for its batch to commit (default 250 for Kafka, 1000 for the embedded simulator)',
    },
    { name: 'tui', type: 'bool', help: 'also show the terminal UI in this process' },
    routeFlag,
    keyFlag,
    historyFlag,
    writeModeFlag,
    tombstoneRetentionFlag,
    goldFlag,
    {
      name: 'catalog',
      type: 'string',
      placeholder: 'URL',
      help: 'register silver and gold tables in this Iceberg REST catalog (Iceberg metadata beside the Delta log), kept up to date while serving',
    },
  ],
  examples: [
    'lakehouse serve',
    'lakehouse serve --data /tmp/lake --port 9090',
    'lakehouse serve --history voters,polls',
    'lakehouse serve --write-mode voters=copy-on-write',
    'lakehouse serve --kafka localhost:9092 --topics "dbserver1\\..*"',
  ],
} as const satisfies CommandSpec;

export const ingestSpec = {
  name: 'ingest',
  summary: 'Apply Kafka records from NDJSON through bronze -> silver -> gold, then print a summary.',
  positionals: [{ name: 'file', help: "NDJSON file of Kafka records ({topic,partition,offset,timestamp,key,value}), or '-' for stdin", required: true }],
  flags: [
    dataFlag,
    stateFlag,
    { name: 'batch', type: 'int', default: 5000, min: 1, placeholder: 'N', help: 'records per commit' },
    routeFlag,
    keyFlag,
    historyFlag,
    writeModeFlag,
    tombstoneRetentionFlag,
    goldFlag,
    { name: 'progress', type: 'bool', help: 'show progress (default: when stderr is a terminal)' },
    { name: 'timings', type: 'bool', help: 'after the summary, print the CPU time each stage took, per record' },
  ],
  examples: [
    'lakehouse ingest --data ./lake records.ndjson',
    'lakehouse ingest --data ./lake --history voters records.ndjson',
    'cat records.ndjson | lakehouse ingest --data ./lake -',
  ],
} as const satisfies CommandSpec;

export const catSpec = {
  name: 'cat',
  summary: "Print a Delta table's rows.",
  positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data (voters, gold/poll_results, bronze)', required: true }],
  flags: [
    dataFlag,
    { name: 'version', type: 'int', min: 0, placeholder: 'N', help: 'read the table as of this version' },
    { name: 'timestamp', type: 'string', placeholder: 'ISO', help: 'read the table as of this time' },
    { ...rowFormatFlag, help: 'output format (ndjson is lossless)' },
    { name: 'limit', type: 'int', min: 0, placeholder: 'N', help: 'print at most N rows' },
  ],
  examples: ['lakehouse cat voters --format ndjson', 'lakehouse cat ./some/delta/table --version 3'],
} as const satisfies CommandSpec;

export const rebuildSpec = {
  name: 'rebuild',
  summary: 'Recompute a silver table from bronze alone (a running serve on that data folder does it between two batches).',
  positionals: [{ name: 'table', help: 'the silver table, e.g. voters', required: true }],
  flags: [
    dataFlag,
    stateFlag,
    routeFlag,
    keyFlag,
    historyFlag,
    goldFlag,
    {
      name: 'write-mode',
      type: 'enum',
      values: WRITE_MODES,
      placeholder: 'MODE',
      help: "the rebuilt table's write mode, merge-on-read or copy-on-write (default: the table's current one)",
    },
  ],
  examples: [
    'lakehouse rebuild voters --data ./lakehouse-data',
    'lakehouse rebuild voters --history voters   # with its whole history from bronze',
    'lakehouse rebuild voters --write-mode copy-on-write',
  ],
} as const satisfies CommandSpec;

export const fakeItSpec = {
  name: 'fake-it',
  summary: 'Run the voters-book application simulator on its own.',
  flags: [
    { name: 'rate', type: 'int', default: 50, min: 0, placeholder: 'OPS', help: 'changes per second (0 = as fast as possible)' },
    { name: 'ops', type: 'int', min: 0, placeholder: 'N', help: 'stop after N changes (default: run forever)' },
    { name: 'seed', type: 'int', default: 1, placeholder: 'N', help: 'random seed; the same seed gives the same changes' },
    { name: 'postgres', type: 'string', placeholder: 'URL', help: 'write real SQL to this PostgreSQL database' },
    { name: 'mysql', type: 'string', placeholder: 'URL', help: 'write real SQL to this MariaDB/MySQL database' },
    { name: 'kafka', type: 'string', placeholder: 'BROKERS', help: 'produce Debezium envelopes straight to Kafka' },
    { name: 'db', type: 'string', placeholder: 'FILE', help: 'embedded SQLite voters-book database (default target: ./voters-book.db)' },
    { name: 'server-name', type: 'string', default: 'votersbook', placeholder: 'NAME', help: 'Debezium topic prefix / server name' },
    { name: 'replica-identity', type: 'enum', values: ['full', 'default'], default: 'full', help: 'PostgreSQL REPLICA IDENTITY for the tables' },
    { name: 'tombstones', type: 'bool', default: true, help: 'emit a tombstone after each delete (--no-tombstones to turn off)' },
  ],
  examples: ['lakehouse fake-it --postgres postgres://localhost/voters --ops 3000 --seed 7', 'lakehouse fake-it --db ./book.db --rate 100'],
} as const satisfies CommandSpec;

export const tuiSpec = {
  name: 'tui',
  summary: 'Watch live voter changes in the terminal.',
  flags: [{ name: 'url', type: 'string', default: 'http://127.0.0.1:8080', placeholder: 'URL', help: 'the lakehouse server' }],
  examples: ['lakehouse tui', 'lakehouse tui --url http://127.0.0.1:9090'],
} as const satisfies CommandSpec;

export const historySpec = {
  name: 'history',
  summary: "Print a Delta table's commits, newest first.",
  positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data', required: true }],
  flags: [
    dataFlag,
    { name: 'limit', type: 'int', min: 1, placeholder: 'N', help: 'print the newest N commits only' },
    { name: 'format', type: 'enum', values: ['table', 'ndjson'], default: 'table', help: 'output format' },
  ],
  examples: ['lakehouse history voters --limit 10', 'lakehouse history ./some/delta/table --format ndjson'],
} as const satisfies CommandSpec;

export const describeSpec = {
  name: 'describe',
  summary: "Show a Delta table's schema, protocol, features, partitioning, files, checkpoint and properties.",
  positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data', required: true }],
  flags: [dataFlag, { name: 'format', type: 'enum', values: ['text', 'json'], default: 'text', help: 'output format' }],
  examples: ['lakehouse describe voters', 'lakehouse describe ./some/delta/table --format json'],
} as const satisfies CommandSpec;

export const optimizeSpec = {
  name: 'optimize',
  summary: 'Compact small files (and files with deletion vectors) of a Delta table.',
  positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data', required: true }],
  flags: [dataFlag, { name: 'target-size', type: 'int', min: 1, placeholder: 'BYTES', help: 'size compacted files aim for (default 128 MiB)' }],
  examples: ['lakehouse optimize voters', 'lakehouse optimize ./some/delta/table --target-size 33554432'],
} as const satisfies CommandSpec;

export const vacuumSpec = {
  name: 'vacuum',
  summary: 'Delete files a Delta table no longer references, older than the retention.',
  positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data', required: true }],
  flags: [
    dataFlag,
    {
      name: 'retention-hours',
      type: 'int',
      min: 0,
      placeholder: 'H',
      help: "keep files younger than this (default: the table's delta.deletedFileRetentionDuration, 7 days)",
    },
    { name: 'dry-run', type: 'bool', help: 'list the files that would be deleted, delete nothing' },
    { name: 'force', type: 'bool', help: "allow a retention shorter than the table's (readers of old versions may break)" },
  ],
  examples: ['lakehouse vacuum voters --dry-run', 'lakehouse vacuum ./some/delta/table --retention-hours 0 --force'],
} as const satisfies CommandSpec;

export const checkpointSpec = {
  name: 'checkpoint',
  summary: "Write a checkpoint of a Delta table's latest version.",
  positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data', required: true }],
  flags: [dataFlag],
  examples: ['lakehouse checkpoint voters'],
} as const satisfies CommandSpec;

export const querySpec = {
  name: 'query',
  summary: 'Run read-only SQL over the tables of a data folder or a running server.',
  positionals: [{ name: 'sql', help: 'one SELECT; tables by name (voters, poll_results, ...), name@vN for Delta version N', required: true }],
  flags: [
    { name: 'data', type: 'string', placeholder: 'DIR', help: 'query this data folder or s3:// tables location (default ./lakehouse-data)' },
    stateFlag,
    { name: 'url', type: 'string', placeholder: 'URL', help: 'query a running server instead, e.g. http://127.0.0.1:8080' },
    { name: 'token', type: 'string', placeholder: 'SECRET', help: "the server's bearer token (with --url)" },
    rowFormatFlag,
    { name: 'limit', type: 'int', default: 10000, min: 1, max: 1000000, placeholder: 'N', help: 'print at most N rows' },
    { name: 'timeout-ms', type: 'int', default: 10000, min: 1, max: 120000, placeholder: 'MS', help: 'stop the query after this long' },
  ],
  examples: [
    `lakehouse query "SELECT city, count(*) AS n FROM voters GROUP BY city ORDER BY n DESC"`,
    `lakehouse query --url http://127.0.0.1:8080 "SELECT * FROM poll_results" --format csv`,
    `lakehouse query --data ./lake "SELECT v.id, v.city, o.city AS was FROM voters v JOIN voters@v3 o USING (id) WHERE o.city <> v.city"`,
  ],
} as const satisfies CommandSpec;

export const goldSpec = {
  name: 'gold',
  summary: "Check the gold definitions: each one's key, sources, and strategy (incremental or whole) and why.",
  positionals: [{ name: 'action', help: 'check', required: true }],
  flags: [dataFlag, stateFlag, goldFlag],
  examples: ['lakehouse gold check --config lakehouse.toml', 'lakehouse gold check --gold ./gold'],
} as const satisfies CommandSpec;

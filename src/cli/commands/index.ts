/**
 * The command table: specs are cheap data; each implementation is imported only when its command runs,
 * so `lakehouse --help` never loads Parquet, SQLite or React.
 */
import type { CommandSpec, Parsed } from '../args.ts';
import type { Logger } from '../../core/log.ts';
import { WRITE_MODES } from '../../silver/write-mode.ts';

export interface CommandContext {
  args: Parsed;
  log: Logger;
  /** Resolves when the user asks to stop (Ctrl-C / SIGTERM). */
  stopSignal: AbortSignal;
}

export interface Command {
  spec: CommandSpec;
  load: () => Promise<{ run: (ctx: CommandContext) => Promise<number | void> }>;
}

const dataFlag = { name: 'data', type: 'string', default: './lakehouse-data', placeholder: 'DIR', help: 'the lakehouse data folder, or s3://bucket/prefix for the tables' } as const;
const stateFlag = {
  name: 'state',
  type: 'string',
  placeholder: 'DIR',
  help: 'local folder for lakehouse.db when --data is s3:// (default ~/.cache/lakehouse/state/<url>)',
} as const;
const routeFlag = {
  name: 'route',
  type: 'list',
  placeholder: 'REGEX=TABLE',
  help: 'send topics matching REGEX to silver TABLE ($1.. are groups); repeatable; default: the source table name',
} as const;
// No default here: unset means "not chosen", so an existing table's own mode is never contradicted.
const writeModeFlag = {
  name: 'write-mode',
  type: 'enum',
  values: WRITE_MODES,
  placeholder: 'MODE',
  help: 'how new silver tables replace rows: merge-on-read (deletion vectors; the default) or copy-on-write (rewrites touched files; readable without DV support); existing tables keep theirs',
} as const;

const keyFlag = {
  name: 'key',
  type: 'list',
  placeholder: 'TABLE=COL[,COL]',
  help: 'key columns of a source table without a primary key (its records carry no Kafka key); repeatable',
} as const;

const tombstoneRetentionFlag = {
  name: 'tombstone-retention',
  type: 'int',
  default: 168,
  min: 0,
  placeholder: 'HOURS',
  help: "how long a deleted key's position is kept so that a late, older redelivery cannot bring the row back (0 = forever)",
} as const;

const historyFlag = {
  name: 'history',
  type: 'list',
  placeholder: 'TABLE[,TABLE]',
  help: 'also keep the SCD type 2 history of these silver tables, as silver/<table>__history (kept from then on)',
} as const;

export const commands: readonly Command[] = [
  {
    spec: {
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
        { name: 'rate', type: 'int', default: 50, min: 0, placeholder: 'OPS', help: 'embedded simulator: changes per second (0 = as fast as possible)' },
        { name: 'seed', type: 'int', default: 1, placeholder: 'N', help: 'embedded simulator: random seed' },
        { name: 'tui', type: 'bool', help: 'also show the terminal UI in this process' },
        routeFlag,
        keyFlag,
        historyFlag,
        writeModeFlag,
        tombstoneRetentionFlag,
      ],
      examples: ['lakehouse serve', 'lakehouse serve --data /tmp/lake --port 9090', 'lakehouse serve --history voters,polls', 'lakehouse serve --kafka localhost:9092 --topics "dbserver1\\..*"'],
    },
    load: () => import('./serve.ts'),
  },
  {
    spec: {
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
        { name: 'progress', type: 'bool', help: 'show progress (default: when stderr is a terminal)' },
      ],
      examples: ['lakehouse ingest --data ./lake records.ndjson', 'lakehouse ingest --data ./lake --history voters records.ndjson', 'cat records.ndjson | lakehouse ingest --data ./lake -'],
    },
    load: () => import('./ingest.ts'),
  },
  {
    spec: {
      name: 'cat',
      summary: "Print a Delta table's rows.",
      positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data (voters, gold/poll_results, bronze)', required: true }],
      flags: [
        dataFlag,
        { name: 'version', type: 'int', min: 0, placeholder: 'N', help: 'read the table as of this version' },
        { name: 'timestamp', type: 'string', placeholder: 'ISO', help: 'read the table as of this time' },
        { name: 'format', type: 'enum', values: ['ndjson', 'csv', 'table'], default: 'table', help: 'output format (ndjson is lossless)' },
        { name: 'limit', type: 'int', min: 0, placeholder: 'N', help: 'print at most N rows' },
      ],
      examples: ['lakehouse cat voters --format ndjson', 'lakehouse cat ./some/delta/table --version 3'],
    },
    load: () => import('./cat.ts'),
  },
  {
    spec: {
      name: 'rebuild',
      summary: 'Recompute a silver table from bronze alone (stop serve on that data folder first).',
      positionals: [{ name: 'table', help: 'the silver table, e.g. voters', required: true }],
      flags: [
        dataFlag,
        stateFlag,
        routeFlag,
        keyFlag,
        historyFlag,
        { ...writeModeFlag, help: "the rebuilt table's write mode, merge-on-read or copy-on-write (default: the table's current one)" },
      ],
      examples: [
        'lakehouse rebuild voters --data ./lakehouse-data',
        'lakehouse rebuild voters --history voters   # with its whole history from bronze',
        'lakehouse rebuild voters --write-mode copy-on-write',
      ],
    },
    load: () => import('./rebuild.ts'),
  },
  {
    spec: {
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
    },
    load: () => import('./fake-it.ts'),
  },
  {
    spec: {
      name: 'tui',
      summary: 'Watch live voter changes in the terminal.',
      flags: [{ name: 'url', type: 'string', default: 'http://127.0.0.1:8080', placeholder: 'URL', help: 'the lakehouse server' }],
      examples: ['lakehouse tui', 'lakehouse tui --url http://127.0.0.1:9090'],
    },
    load: () => import('./tui.ts'),
  },
  {
    spec: {
      name: 'history',
      summary: "Print a Delta table's commits, newest first.",
      positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data', required: true }],
      flags: [
        dataFlag,
        { name: 'limit', type: 'int', min: 1, placeholder: 'N', help: 'print the newest N commits only' },
        { name: 'format', type: 'enum', values: ['table', 'ndjson'], default: 'table', help: 'output format' },
      ],
      examples: ['lakehouse history voters --limit 10', 'lakehouse history ./some/delta/table --format ndjson'],
    },
    load: () => import('./history.ts'),
  },
  {
    spec: {
      name: 'describe',
      summary: "Show a Delta table's schema, protocol, features, partitioning, files, checkpoint and properties.",
      positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data', required: true }],
      flags: [dataFlag, { name: 'format', type: 'enum', values: ['text', 'json'], default: 'text', help: 'output format' }],
      examples: ['lakehouse describe voters', 'lakehouse describe ./some/delta/table --format json'],
    },
    load: () => import('./describe.ts'),
  },
  {
    spec: {
      name: 'optimize',
      summary: 'Compact small files (and files with deletion vectors) of a Delta table.',
      positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data', required: true }],
      flags: [dataFlag, { name: 'target-size', type: 'int', min: 1, placeholder: 'BYTES', help: 'size compacted files aim for (default 128 MiB)' }],
      examples: ['lakehouse optimize voters', 'lakehouse optimize ./some/delta/table --target-size 33554432'],
    },
    load: () => import('./optimize.ts'),
  },
  {
    spec: {
      name: 'vacuum',
      summary: 'Delete files a Delta table no longer references, older than the retention.',
      positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data', required: true }],
      flags: [
        dataFlag,
        { name: 'retention-hours', type: 'int', min: 0, placeholder: 'H', help: "keep files younger than this (default: the table's delta.deletedFileRetentionDuration, 7 days)" },
        { name: 'dry-run', type: 'bool', help: 'list the files that would be deleted, delete nothing' },
        { name: 'force', type: 'bool', help: "allow a retention shorter than the table's (readers of old versions may break)" },
      ],
      examples: ['lakehouse vacuum voters --dry-run', 'lakehouse vacuum ./some/delta/table --retention-hours 0 --force'],
    },
    load: () => import('./vacuum.ts'),
  },
  {
    spec: {
      name: 'checkpoint',
      summary: "Write a checkpoint of a Delta table's latest version.",
      positionals: [{ name: 'table', help: 'a path to a Delta table, or a table name in --data', required: true }],
      flags: [dataFlag],
      examples: ['lakehouse checkpoint voters'],
    },
    load: () => import('./checkpoint.ts'),
  },
  {
    spec: {
      name: 'query',
      summary: 'Run read-only SQL over the tables of a data folder or a running server.',
      positionals: [{ name: 'sql', help: 'one SELECT; tables by name (voters, poll_results, ...), name@vN for Delta version N', required: true }],
      flags: [
        { name: 'data', type: 'string', placeholder: 'DIR', help: 'query this data folder or s3:// tables location (default ./lakehouse-data)' },
        stateFlag,
        { name: 'url', type: 'string', placeholder: 'URL', help: 'query a running server instead, e.g. http://127.0.0.1:8080' },
        { name: 'token', type: 'string', placeholder: 'SECRET', help: "the server's bearer token (with --url)" },
        { name: 'format', type: 'enum', values: ['table', 'ndjson', 'csv'], default: 'table', help: 'output format' },
        { name: 'limit', type: 'int', default: 10000, min: 1, max: 1000000, placeholder: 'N', help: 'print at most N rows' },
        { name: 'timeout-ms', type: 'int', default: 10000, min: 1, max: 120000, placeholder: 'MS', help: 'stop the query after this long' },
      ],
      examples: [
        `lakehouse query "SELECT city, count(*) AS n FROM voters GROUP BY city ORDER BY n DESC"`,
        `lakehouse query --url http://127.0.0.1:8080 "SELECT * FROM poll_results" --format csv`,
        `lakehouse query --data ./lake "SELECT v.id, v.city, o.city AS was FROM voters v JOIN voters@v3 o USING (id) WHERE o.city <> v.city"`,
      ],
    },
    load: () => import('./query.ts'),
  },
];

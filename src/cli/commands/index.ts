/**
 * The command table: specs are cheap data; each implementation is imported only when its command runs,
 * so `lakehouse --help` never loads Parquet, SQLite or React.
 */
import type { CommandSpec, Parsed } from '../args.ts';
import type { Logger } from '../../core/log.ts';

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

const dataFlag = { name: 'data', type: 'string', default: './lakehouse-data', placeholder: 'DIR', help: 'the lakehouse data folder' } as const;

export const commands: readonly Command[] = [
  {
    spec: {
      name: 'serve',
      summary: 'Run the whole pipeline: source -> bronze -> silver -> gold, and the HTTP API.',
      flags: [
        dataFlag,
        { name: 'port', type: 'int', default: 8080, min: 0, max: 65535, placeholder: 'N', help: 'HTTP port' },
        { name: 'host', type: 'string', default: '127.0.0.1', placeholder: 'ADDR', help: 'HTTP bind address (non-loopback needs --token)' },
        { name: 'token', type: 'string', placeholder: 'SECRET', help: 'bearer token the API requires' },
        { name: 'kafka', type: 'string', placeholder: 'BROKERS', help: 'Kafka brokers host:port[,...]; without it the embedded simulator is the source' },
        { name: 'topics', type: 'string', default: '.*', placeholder: 'REGEX', help: 'Debezium topics to consume (with --kafka)' },
        { name: 'rate', type: 'int', default: 50, min: 0, placeholder: 'OPS', help: 'embedded simulator: changes per second (0 = as fast as possible)' },
        { name: 'seed', type: 'int', default: 1, placeholder: 'N', help: 'embedded simulator: random seed' },
        { name: 'tui', type: 'bool', help: 'also show the terminal UI in this process' },
      ],
      examples: ['lakehouse serve', 'lakehouse serve --data /tmp/lake --port 9090', 'lakehouse serve --kafka localhost:9092 --topics "dbserver1\\..*"'],
    },
    load: () => import('./serve.ts'),
  },
  {
    spec: {
      name: 'ingest',
      summary: 'Apply Kafka records from NDJSON through bronze -> silver -> gold, then print a summary.',
      positionals: [{ name: 'file', help: "NDJSON file of Kafka records ({topic,partition,offset,timestamp,key,value}), or '-' for stdin", required: true }],
      flags: [dataFlag, { name: 'progress', type: 'bool', help: 'show progress (default: when stderr is a terminal)' }],
      examples: ['lakehouse ingest --data ./lake records.ndjson', 'cat records.ndjson | lakehouse ingest --data ./lake -'],
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
      name: 'fake-it',
      summary: 'Run the voters-book application simulator on its own.',
      flags: [
        { name: 'rate', type: 'int', default: 50, min: 0, placeholder: 'OPS', help: 'changes per second (0 = as fast as possible)' },
        { name: 'ops', type: 'int', min: 0, placeholder: 'N', help: 'stop after N changes (default: run forever)' },
        { name: 'seed', type: 'int', default: 1, placeholder: 'N', help: 'random seed; the same seed gives the same changes' },
        { name: 'postgres', type: 'string', placeholder: 'URL', help: 'write real SQL to this PostgreSQL database' },
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
];

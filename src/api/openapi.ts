/**
 * The OpenAPI 3.1 document served at GET /api/openapi.json: every endpoint, its parameters, answers and
 * errors. The answers' schemas are written against the wire types of pipeline/lakehouse-view.ts: the
 * compiler checks that each lists exactly the type's members (and which may be absent), enumerations come
 * from there, and a test validates real answers against the document.
 */
import {
  CHANGE_OPS,
  KEY_MODES,
  LAYERS,
  RUN_STATES,
  SOURCE_KINDS,
  type ChangeRecord,
  type HealthStatus,
  type HistoryEntry,
  type SourceInfo,
  type TableDetail,
  type TableKey,
  type TableSummary,
} from '../pipeline/lakehouse-view.ts';
import { ROW_FORMATS, ROW_FORMAT_NAMES } from './row-formats/index.ts';

/** The subset of JSON Schema the document uses. */
export interface Schema {
  type?: string | string[];
  enum?: readonly unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  $ref?: string;
  description?: string;
}

/** A member that may be absent. */
interface Optional {
  optional: Schema;
}
const optional = (schema: Schema): Optional => ({ optional: schema });
/** One schema per member of T, wrapped in `optional` exactly where T's member is optional. */
type Members<T> = { [K in keyof T]-?: Partial<Pick<T, K>> extends Pick<T, K> ? Optional : Schema };

function object<T>(members: Members<T>): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [name, member] of Object.entries<Schema | Optional>(members)) {
    if ('optional' in member) properties[name] = member.optional;
    else {
      properties[name] = member;
      required.push(name);
    }
  }
  return { type: 'object', properties, required };
}

/** ISO-8601 (a date, or a date and time with an optional zone) or epoch milliseconds. */
export const TIMESTAMP_PATTERN = '^(\\d+|\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?)?)$';
/** The largest whole number a parameter may be (JavaScript's safe integers). */
const MAX_INT = Number.MAX_SAFE_INTEGER;
const string: Schema = { type: 'string' };
const integer: Schema = { type: 'integer' };
const number: Schema = { type: 'number' };
const row: Schema = { type: 'object', description: 'a row: int64 beyond 2^53 and decimals as strings, binary as hex, timestamps as ISO-8601 text' };
const nullable = (schema: Schema): Schema => ({ ...schema, type: [schema.type as string, 'null'] });
const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
const mapOf = (values: Schema): Schema => ({ type: 'object', additionalProperties: values });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const summaryMembers: Members<TableSummary> = {
  name: string,
  layer: { type: 'string', enum: LAYERS },
  sqlName: string,
  version: integer,
  rows: integer,
  lastCommit: nullable(string),
  key: optional(
    object<TableKey>({
      mode: { type: 'string', enum: KEY_MODES, description: 'keyless: rows appended; updates and deletes matched by their full before image' },
      columns: arrayOf(string),
    }),
  ),
};

/** The answers' schemas, by name (#/components/schemas/NAME). */
export const schemas = {
  Health: object<HealthStatus>({
    status: { type: 'string', enum: RUN_STATES },
    source: object<SourceInfo>({ kind: { type: 'string', enum: SOURCE_KINDS }, brokers: optional(string), topics: optional(string) }),
    uptimeSeconds: number,
    eventsPerSecond: number,
    lag: number,
    lastCommitMs: nullable(number),
    deadLetters: integer,
    versions: object<HealthStatus['versions']>({ bronze: nullable(integer), silver: mapOf(integer), gold: mapOf(integer) }),
    degradedGold: optional(mapOf(string)),
    message: optional(string),
  }),
  TableSummary: object<TableSummary>(summaryMembers),
  TableDetail: object<TableDetail>({
    ...summaryMembers,
    schema: object<TableDetail['schema']>({
      fields: arrayOf(
        object<TableDetail['schema']['fields'][number]>({
          name: string,
          type: { description: 'a Delta type: its name, or an object' },
          nullable: { type: 'boolean' },
        }),
      ),
    }),
    protocol: object<TableDetail['protocol']>({
      minReaderVersion: integer,
      minWriterVersion: integer,
      readerFeatures: optional(arrayOf(string)),
      writerFeatures: optional(arrayOf(string)),
    }),
    partitionColumns: arrayOf(string),
    configuration: mapOf(string),
    files: integer,
    sizeBytes: integer,
  }),
  HistoryEntry: object<HistoryEntry>({ version: integer, timestamp: string, operation: nullable(string), operationParameters: { type: 'object' } }),
  Change: object<ChangeRecord>({
    id: integer,
    table: string,
    op: { type: 'string', enum: CHANGE_OPS },
    key: row,
    before: nullable(row),
    after: nullable(row),
    version: integer,
    position: string,
    ts: string,
  }),
  TableList: object<{ tables: TableSummary[] }>({ tables: arrayOf(ref('TableSummary')) }),
  History: object<{ history: HistoryEntry[] }>({ history: arrayOf(ref('HistoryEntry')) }),
} satisfies Record<string, Schema>;

const json = (schema: Schema) => ({ 'application/json': { schema } });
const error = { $ref: '#/components/responses/Error' };
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), error]));
const table = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'table name: a silver table (voters), a gold table (poll_results), bronze or dead_letters',
};
const format = {
  name: 'format',
  in: 'query',
  schema: { type: 'string', enum: ROW_FORMAT_NAMES },
  description: `result encoding; otherwise chosen by Accept (${ROW_FORMATS.slice(1)
    .map((f) => f.mediaTypes[0])
    .join(', ')}), ${ROW_FORMATS[0].name.toUpperCase()} by default`,
};
/** An answer of rows in every row format; `json` is the schema of the JSON one. */
const rowsContent = (json: Schema) => Object.fromEntries(ROW_FORMATS.map((f) => [f.mediaTypes[0], { schema: f.name === 'json' ? json : { type: 'string' } }]));

export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'lakehouse',
      version,
      description:
        'Debezium change streams into a Delta Lake: bronze, silver (one table per source table), gold (aggregates). Errors are always {"error":{"code","message"}}; every /api route answers 503 while the server is starting.',
    },
    servers: [{ url: 'http://127.0.0.1:8080' }],
    security: [{}, { bearer: [] }],
    paths: {
      '/health': {
        get: {
          summary: 'Pipeline status, versions, lag',
          responses: {
            '200': { description: 'running', content: json(ref('Health')) },
            '503': { description: 'starting', content: json(ref('Health')) },
            ...errors(400),
          },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format', content: { 'text/plain': {} } }, ...errors(400) } },
      },
      '/api/tables': {
        get: {
          summary: 'Every bronze, silver and gold table: name, layer, version, rows, last commit',
          responses: { '200': { description: 'tables', content: json(ref('TableList')) }, ...errors(400, 503) },
        },
      },
      '/api/tables/{name}': {
        get: {
          summary: 'Schema, protocol, partitioning, files and size of a table',
          parameters: [table],
          responses: { '200': { description: 'detail', content: json(ref('TableDetail')) }, ...errors(400, 404, 503) },
        },
      },
      '/api/tables/{name}/history': {
        get: {
          summary: "A table's commits, newest first",
          parameters: [
            table,
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 0, maximum: MAX_INT }, description: 'the newest N commits only' },
          ],
          responses: { '200': { description: 'history', content: json(ref('History')) }, ...errors(400, 404, 422, 503) },
        },
      },
      '/api/tables/{name}/rows': {
        get: {
          summary: "A table's rows, at the latest or an older version",
          parameters: [
            table,
            { name: 'limit', in: 'query', schema: { type: 'integer', default: 100, minimum: 0, maximum: 100000 } },
            { name: 'offset', in: 'query', schema: { type: 'integer', default: 0, minimum: 0, maximum: MAX_INT } },
            { name: 'version', in: 'query', schema: { type: 'integer', minimum: 0, maximum: MAX_INT }, description: 'Delta version to read' },
            {
              name: 'timestamp',
              in: 'query',
              schema: { type: 'string', pattern: TIMESTAMP_PATTERN },
              description: 'ISO-8601 or epoch ms: the latest version committed at or before it',
            },
            format,
          ],
          responses: {
            '200': { description: 'rows', content: rowsContent(object<{ version: number; rows: unknown[] }>({ version: integer, rows: arrayOf(row) })) },
            ...errors(400, 404, 422, 503),
          },
        },
      },
      '/api/query': {
        post: {
          summary: 'Run one read-only SQL query (SQLite dialect) over every table by name',
          description: [
            'The body is the SQL text (or JSON {"sql": "..."}). Tables: silver tables by name (live rows, with __ metadata columns), gold tables by name',
            '(poll_results, poll_results_by_city, voters_per_city, ballots_per_precinct, change_activity, poll_latest_answers).',
            'Time travel: name@vN reads a table as of Delta version N (also bronze@vN, dead_letters@vN); an older version is loaded from its Delta snapshot on first use.',
            'Read-only: INSERT/UPDATE/DELETE/CREATE/DROP/ALTER/ATTACH/DETACH/PRAGMA/VACUUM/transactions, load_extension and more than one statement are rejected with 400.',
            'Results stream. More rows than limit: the first limit rows are returned; JSON says "truncated": true. A query past its timeout is stopped:',
            '408 when nothing was sent yet, otherwise the body ends with an error (JSON "error" member, NDJSON {"error":…} line, CSV cut short).',
            'An answer over 64 MB is 422 (or, once streaming, ends with that error): narrow the query. A parameter past its maximum is 422; a body over 1 MB is 413; an unknown query parameter is 400.',
          ].join(' '),
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', default: 10000, minimum: 0, maximum: 1000000 } },
            { name: 'timeout_ms', in: 'query', schema: { type: 'integer', default: 10000, minimum: 0, maximum: 120000 } },
            format,
          ],
          requestBody: {
            required: true,
            content: {
              'text/plain': { schema: { type: 'string', pattern: '\\S', example: 'SELECT city, count(*) AS n FROM voters GROUP BY city' } },
              'application/json': { schema: { type: 'object', properties: { sql: { type: 'string', pattern: '\\S' } }, required: ['sql'] } },
            },
          },
          responses: {
            '200': {
              description: 'the result',
              content: rowsContent({
                type: 'object',
                properties: {
                  columns: { type: 'array', items: { type: 'string' } },
                  rows: { type: 'array' },
                  rowCount: { type: 'integer' },
                  truncated: { type: 'boolean' },
                  error: { type: 'object' },
                },
              }),
            },
            ...errors(400, 404, 408, 413, 422, 503),
          },
        },
      },
      '/api/changes': {
        get: {
          summary: 'Server-Sent Events of live silver changes (event "change"; id resumes with Last-Event-ID)',
          parameters: [
            { name: 'table', in: 'query', schema: { type: 'string' }, description: 'only this silver table (404 when there is none by that name)' },
            {
              name: 'since',
              in: 'query',
              schema: { type: 'integer', minimum: 0, maximum: MAX_INT },
              description: 'replay changes after this id (like Last-Event-ID)',
            },
            { name: 'Last-Event-ID', in: 'header', schema: { type: 'integer', minimum: 0, maximum: MAX_INT } },
          ],
          responses: {
            '200': { description: 'text/event-stream: events "change" whose data is a Change', content: { 'text/event-stream': {} } },
            ...errors(400, 404, 422, 503),
          },
        },
      },
      '/api/openapi.json': {
        get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } }, ...errors(400) } },
      },
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'required when the server was started with --token' } },
      responses: {
        Error: {
          description: 'an error',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  error: {
                    type: 'object',
                    properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } },
                    required: ['code', 'message'],
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}

type Paths = ReturnType<typeof openApiDocument>['paths'];
export type ApiPath = keyof Paths;

/** The query parameters the document lists for a path: the API rejects any other (app.ts). */
export function queryParameterNames(path: ApiPath): string[] {
  const operation = Object.values(openApiDocument('').paths[path])[0] as { parameters?: { name: string; in: string }[] };
  return (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
}

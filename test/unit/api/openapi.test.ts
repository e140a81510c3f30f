import { votersBookGold } from '../../../src/gold/index.ts';
/**
 * The OpenAPI document against the server: every JSON answer of a real pipeline's API (and one change
 * of the stream) must match the schema the document gives for it, with no member the schema leaves out.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../src/api/index.ts';
import type { Schema } from '../../../src/api/openapi.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { Pipeline, PipelineView, type RunStatus } from '../../../src/pipeline/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lh-openapi-'));
let pipeline: Pipeline;
const run: RunStatus = { status: 'ok', source: { kind: 'kafka', brokers: '127.0.0.1:9', topics: '.*' }, startedAt: Date.now(), lag: () => 3 };
const stream = new VoterStream();

beforeAll(async () => {
  pipeline = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  await pipeline.process([stream.change('c', 1, null, voter(1, 'Avalon')), stream.change('c', 2, null, voter(2, 'Brightwater'))]);
  await pipeline.process([stream.change('u', 3, voter(1, 'Avalon'), voter(1, 'Cedar Falls')), stream.change('d', 4, voter(2, 'Brightwater'), null)]);
});
afterAll(() => {
  pipeline.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const app = () => createApp(new PipelineView(pipeline, run), { heartbeatMs: 50 });

type Document = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
};
const document = async () => (await (await app().request('/api/openapi.json')).json()) as Document;

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value);

/** Where `value` breaks `schema` (JSON Schema's type, enum, properties, required, items, additionalProperties, $ref). */
function violations(doc: Document, schema: Schema, value: unknown, at = '$'): string[] {
  if (schema.$ref) return violations(doc, doc.components.schemas[schema.$ref.split('/').pop()!]!, value, at);
  const types = schema.type === undefined ? [] : ([] as string[]).concat(schema.type);
  const actual = typeOf(value);
  if (types.length > 0 && !types.includes(actual) && !(actual === 'integer' && types.includes('number')))
    return [`${at} is ${actual}, not ${types.join(' or ')}`];
  if (schema.enum && !schema.enum.includes(value)) return [`${at} is ${JSON.stringify(value)}, not one of ${schema.enum.join(', ')}`];
  const out: string[] = [];
  if (actual === 'array' && schema.items)
    for (const [i, item] of (value as unknown[]).entries()) out.push(...violations(doc, schema.items, item, `${at}[${i}]`));
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in object)) out.push(`${at}.${name} is missing`);
    for (const [name, member] of Object.entries(object)) {
      const memberSchema = schema.properties?.[name] ?? schema.additionalProperties;
      if (memberSchema) out.push(...violations(doc, memberSchema, member, `${at}.${name}`));
      else if (schema.properties) out.push(`${at}.${name} is not in the document`);
    }
  }
  return out;
}

const answerSchema = (doc: Document, path: string) => doc.paths[path]!.get!.responses['200']!.content!['application/json']!.schema!;

test('every JSON answer matches its schema in the document', async () => {
  const doc = await document();
  const answers: [string, string][] = [
    ['/health', '/health'],
    ['/api/tables', '/api/tables'],
    ['/api/tables/{name}', '/api/tables/voters'],
    ['/api/tables/{name}', '/api/tables/bronze'],
    ['/api/tables/{name}/history', '/api/tables/voters/history'],
    ['/api/tables/{name}/rows', '/api/tables/voters/rows'],
    ['/api/tables/{name}/rows', '/api/tables/poll_results/rows?version=0'],
  ];
  for (const [path, url] of answers) {
    const res = await app().request(url);
    expect(res.status).toBe(200);
    expect({ url, problems: violations(doc, answerSchema(doc, path), await res.json()) }).toEqual({ url, problems: [] });
  }
});

test('a change on the stream matches the Change schema', async () => {
  const doc = await document();
  const res = await app().request('/api/changes?since=0');
  const reader = res.body!.getReader();
  let text = '';
  while (!/\n\n/.test(text.slice(text.indexOf('data: ')))) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  const data = text.split('\n').filter((line) => line.startsWith('data: '));
  expect(data.length).toBeGreaterThan(0);
  for (const line of data) expect(violations(doc, doc.components.schemas.Change!, JSON.parse(line.slice(6)))).toEqual([]);
});

test('the schema check finds a member the document leaves out, a wrong type and a value outside an enumeration', async () => {
  const doc = await document();
  const health = (await (await app().request('/health')).json()) as Record<string, unknown>;
  expect(violations(doc, doc.components.schemas.Health!, { ...health, extra: 1 })).toEqual(['$.extra is not in the document']);
  expect(violations(doc, doc.components.schemas.Health!, { ...health, lag: 'x' })).toEqual(['$.lag is string, not number']);
  expect(violations(doc, doc.components.schemas.Health!, { ...health, status: 'resting' })).toEqual([
    '$.status is "resting", not one of starting, ok, degraded, stopping',
  ]);
});

import { expect, test } from 'bun:test';
import { openApiDocument } from '../../../src/api/openapi.ts';
import { ROW_FORMATS, ROW_FORMAT_NAMES, encodeRows, negotiateFormat, rowFormat } from '../../../src/api/row-formats/index.ts';
import { catSpec, querySpec } from '../../../src/cli/commands/specs.ts';

const rows = [
  { id: 1n, name: 'Ann, "the first"', photo: new Uint8Array([0xca, 0xfe]), big: 2n ** 60n, tags: ['a'] },
  { id: 2n, name: null, photo: null, big: 0n, tags: [] },
];
const columns = ['id', 'name', 'photo', 'big', 'tags'];

test('JSON, NDJSON and CSV encode the same rows: int64 past 2^53 as text, binary as hex', () => {
  const json = JSON.parse(encodeRows(rowFormat('json'), columns, rows, { version: 3 }, { rowCount: 2 }));
  expect(json).toEqual({
    version: 3,
    rows: [
      { id: 1, name: 'Ann, "the first"', photo: 'cafe', big: '1152921504606846976', tags: ['a'] },
      { id: 2, name: null, photo: null, big: 0, tags: [] },
    ],
    rowCount: 2,
  });
  const ndjson = encodeRows(rowFormat('ndjson'), columns, rows)
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(ndjson).toEqual(json.rows);
  expect(encodeRows(rowFormat('csv'), columns, rows)).toBe('id,name,photo,big,tags\n1,"Ann, ""the first""",cafe,1152921504606846976,"[""a""]"\n2,,,0,[]\n');
  expect(JSON.parse(encodeRows(rowFormat('json'), columns, []))).toEqual({ rows: [] });
});

test('a failure after the start: JSON closes the document with it, NDJSON adds a line, CSV has no place for it', () => {
  const error = { code: 'limit', message: 'too slow' };
  const json = rowFormat('json');
  const encoder = json.encoder(columns);
  expect(JSON.parse(encoder.begin() + encoder.row(rows[1]!) + json.failure(error))).toMatchObject({ error });
  expect(JSON.parse(rowFormat('ndjson').failure(error)!)).toEqual({ error });
  expect(rowFormat('csv').failure(error)).toBeUndefined();
});

test('?format= wins over Accept; JSON is the default; an unknown format names the known ones', () => {
  expect(negotiateFormat('csv', 'application/x-ndjson')).toBe('csv');
  expect(negotiateFormat(undefined, 'application/x-ndjson')).toBe('ndjson');
  expect(negotiateFormat(undefined, 'text/csv')).toBe('csv');
  expect(negotiateFormat(undefined, 'text/html,*/*')).toBe('json');
  expect(() => negotiateFormat('xml', undefined)).toThrow("format must be json, ndjson or csv, got 'xml'");
});

test('every registered format is offered by the OpenAPI document, cat and query', () => {
  const doc = openApiDocument('test');
  const rowsAnswer = doc.paths['/api/tables/{name}/rows'].get.responses['200'].content;
  expect(Object.keys(rowsAnswer)).toEqual(ROW_FORMATS.map((f) => f.mediaTypes[0]!));
  const formatParameter = doc.paths['/api/query'].post.parameters.find((p) => p.name === 'format');
  expect(formatParameter?.schema).toMatchObject({ enum: ROW_FORMAT_NAMES });
  for (const spec of [catSpec, querySpec]) expect(spec.flags.find((f) => f.name === 'format')?.values).toEqual([...ROW_FORMAT_NAMES, 'table']);
});

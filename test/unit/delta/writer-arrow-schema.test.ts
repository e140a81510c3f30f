import { describe, expect, test } from 'bun:test';
import { rowsToArrow, toArrowSchema } from '../../../src/delta/arrow-schema.ts';
import { parseSmallInteger, smallUnscaledDecimal, toEpochDays, toEpochMicros, toUnscaledDecimal } from '../../../src/delta/input-values.ts';
import { field, struct } from '../../../src/delta/schema.ts';
import { readParquet, writeParquet } from '../../../src/parquet/index.ts';
import { LakehouseError } from '../../../src/core/errors.ts';

const schema = struct([
  field('id', 'long', false),
  field('i', 'integer'),
  field('s', 'string'),
  field('b', 'binary'),
  field('d', 'date'),
  field('ts', 'timestamp'),
  field('ntz', 'timestamp_ntz'),
  field('dec', 'decimal(10,2)'),
  field('f', 'float'),
  field('ok', 'boolean'),
  field('st', struct([field('x', 'short'), field('y', 'string')])),
  field('arr', { type: 'array', elementType: 'long', containsNull: true }),
  field('m', { type: 'map', keyType: 'string', valueType: 'byte', valueContainsNull: true }),
]);

const plain = (v: unknown): unknown => {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v && typeof v === 'object' && 'toJSON' in v) return plain((v as { toJSON(): unknown }).toJSON());
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};

describe('toArrowSchema', () => {
  test('maps Delta types to the physical types Spark writes', () => {
    const s = toArrowSchema(schema);
    expect(s.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'id:Int64',
      'i:Int32',
      's:Utf8',
      'b:Binary',
      'd:Date32<DAY>',
      'ts:Timestamp<MICROSECOND, UTC>',
      'ntz:Timestamp<MICROSECOND>',
      'dec:Decimal[10e+2]',
      'f:Float32',
      'ok:Bool',
      'st:Struct<{x:Int16, y:Utf8}>',
      'arr:List<Int64>',
      'm:Map<{key:Utf8, value:Int8}>',
    ]);
    expect(s.fields[0].nullable).toBe(false);
  });

  test('column mapping names fields physically and tags Parquet field ids', () => {
    const mapped = struct([field('a', 'integer', true, { 'delta.columnMapping.id': 7, 'delta.columnMapping.physicalName': 'col-x' })]);
    const f = toArrowSchema(mapped, { columnMapping: 'name' }).fields[0];
    expect(f.name).toBe('col-x');
    expect(f.metadata.get('PARQUET:field_id')).toBe('7');
    expect(toArrowSchema(mapped).fields[0].name).toBe('a');
  });
});

describe('rowsToArrow', () => {
  test('canonical and natural JS values survive a Parquet round trip', () => {
    const rows = [
      {
        id: '9223372036854775807',
        i: '5',
        s: 'héllo',
        b: 'cafe',
        d: '2024-02-29',
        ts: '2024-01-02T03:04:05.123456',
        ntz: '2024-01-02T03:04:05.123456Z',
        dec: '123.45',
        f: 1.5,
        ok: true,
        st: { x: 1, y: 'a' },
        arr: [1, null, '3'],
        m: { a: 1, b: null },
      },
      { id: -5n, i: null, s: undefined, b: null, d: null, ts: null, ntz: null, dec: null, f: null, ok: null, st: null, arr: null, m: null },
      {
        id: -4294967297,
        i: -1,
        s: '',
        b: new Uint8Array([1, 2]),
        d: new Date(Date.UTC(1969, 11, 31, 23)),
        ts: new Date(1000),
        ntz: 1,
        dec: 1,
        f: 'NaN',
        ok: 'false',
        st: { x: null },
        arr: [],
        m: new Map([['z', -128]]),
      },
    ];
    const back = readParquet(writeParquet(rowsToArrow(schema, rows)));
    expect(back.numRows).toBe(3);
    const got = back.toArray().map((r) => plain(r));
    expect(got[0]).toMatchObject({
      id: '9223372036854775807',
      i: 5,
      s: 'héllo',
      b: 'cafe',
      d: Date.UTC(2024, 1, 29),
      ok: true,
      st: { x: 1, y: 'a' },
      arr: ['1', null, '3'],
      m: { a: 1, b: null },
    });
    expect(got[1]).toMatchObject({ id: '-5', i: null, s: null, st: null, arr: null, m: null });
    expect(got[2]).toMatchObject({ id: '-4294967297', s: '', b: '0102', d: -86_400_000, ok: false, st: { x: null, y: null }, arr: [], m: { z: -128 } });
    const ts = back.getChild('ts')!;
    expect(ts.get(0)).toBe(Date.UTC(2024, 0, 2, 3, 4, 5) + 123.456);
    expect(ts.get(2)).toBe(1000);
    expect(back.getChild('ntz')!.get(2)).toBe(0.001);
    expect(back.getChild('dec')!.get(0)?.toString()).toBe('12345');
    expect(back.getChild('dec')!.get(2)?.toString()).toBe('100');
    expect(Number.isNaN(back.getChild('f')!.get(2))).toBe(true);
  });

  test('more rows than the initial buffer capacity of nested builders', () => {
    const rows = Array.from({ length: 1000 }, (_, k) => ({ id: k, arr: Array.from({ length: k % 7 }, (_, j) => j), s: k % 3 ? null : 'x'.repeat(k % 50) }));
    const t = rowsToArrow(schema, rows);
    expect(t.getChild('arr')!.get(999)!.toArray().length).toBe(999 % 7);
    expect(t.getChild('s')!.nullCount).toBe(666);
    expect(t.getChild('s')!.get(999)).toBe('x'.repeat(999 % 50));
    expect(t.getChild('id')!.get(999)).toBe(999n);
  });

  /** Each text is stored as the bytes TextEncoder gives for it. */
  const expectUtf8AsTextEncoderGives = (texts: string[]) => {
    const data = rowsToArrow(
      struct([field('s', 'string')]),
      texts.map((s) => ({ s })),
    ).getChild('s')!.data[0];
    const encoder = new TextEncoder();
    texts.forEach((text, i) => {
      expect(data.values.subarray(data.valueOffsets[i], data.valueOffsets[i + 1])).toEqual(encoder.encode(text));
    });
  };

  test('strings in every script are stored as the UTF-8 TextEncoder gives, short and long', () => {
    const texts = [
      '',
      'plain',
      'Chloé García',
      '東京都',
      'emoji 😀 pair',
      'lone \ud800 high',
      'lone \udc00 low',
      'é'.repeat(64),
      'é'.repeat(65),
      'x'.repeat(64) + '😀',
    ];
    expectUtf8AsTextEncoderGives(texts);
  });

  test('long strings that outgrow the projected buffer mid-value are completed, whole characters only', () => {
    // ASCII rows first make the projection small; then multi-byte text needs up to 3 bytes a unit.
    const texts = [...Array.from({ length: 20 }, (_, k) => 'a'.repeat(100 + k)), '東'.repeat(5000), '😀'.repeat(3000) + 'é'.repeat(777), 'mixé😀'.repeat(999)];
    expectUtf8AsTextEncoderGives(texts);
  });

  test('bad values are rejected with the column named', () => {
    const attempt = (row: Record<string, unknown>) => {
      try {
        rowsToArrow(schema, [{ id: 1, ...row }]);
      } catch (err) {
        expect(err).toBeInstanceOf(LakehouseError);
        return (err as LakehouseError).message;
      }
      return 'accepted';
    };
    expect(attempt({ id: null })).toContain('column id is NOT NULL');
    expect(attempt({ i: 2 ** 31 })).toContain('column i (Int32)');
    expect(attempt({ i: 1.5 })).toContain('column i');
    expect(attempt({ d: '2024-13-01' })).toContain('column d');
    expect(attempt({ dec: '1.234' })).toContain('decimal(10,2)');
    expect(attempt({ dec: '123456789' })).toContain('decimal(10,2)');
    expect(attempt({ b: 'xyz' })).toContain('column b (binary)');
    expect(attempt({ st: { x: 40000 } })).toContain('column st.x');
    expect(attempt({ arr: 'nope' })).toContain('column arr (array)');
    expect(attempt({ dec: '1.230' })).toBe('accepted');
  });
});

describe('input values', () => {
  test('timestamps: separators, fractions, offsets', () => {
    expect(toEpochMicros('1970-01-01T00:00:00Z')).toBe(0);
    expect(toEpochMicros('1970-01-01 00:00:01.5')).toBe(1_500_000);
    expect(toEpochMicros('1970-01-01T01:00:00+01:00')).toBe(0);
    expect(toEpochMicros('1969-12-31T23:59:59.999999999Z')).toBe(-1);
    // Past 2^53 microseconds (2255 on) a double would round: PostgreSQL's '2262-04-12 00:00:00.000001'.
    expect(toEpochMicros('2262-04-12T00:00:00.000001')).toBe(9223372800000001n);
    expect(toEpochMicros('2262-04-11T23:47:16.854775Z')).toBe(9223372036854775n);
    expect(toEpochMicros('2024-01-01')).toBe(Date.UTC(2024, 0, 1) * 1000);
    expect(toEpochMicros('2024-01-01T00:00')).toBeUndefined();
    expect(toEpochMicros('2024-01-01T00:00:00X')).toBeUndefined();
  });
  test('dates and decimals', () => {
    expect(toEpochDays('0001-01-01')).toBe(-719162);
    expect(toEpochDays('9999-12-31')).toBe(2932896);
    expect(toUnscaledDecimal('-0.05', 2)).toBe(-5n);
    expect(toUnscaledDecimal('1.5E+2', 1)).toBe(1500n);
    expect(toUnscaledDecimal('15e-1', 1)).toBe(15n);
    expect(toUnscaledDecimal(7n, 3)).toBe(7000n);
    expect(toUnscaledDecimal('abc', 1)).toBeUndefined();
  });
  test('fast paths agree with the general parsers, and step aside where they cannot be exact', () => {
    for (const [text, scale] of [
      ['-0.05', 2],
      ['123.45', 2],
      ['+1.5', 3],
      ['7', 4],
      ['5.', 1],
      ['999999999999.99', 2],
    ] as const) {
      expect(smallUnscaledDecimal(text, scale)).toBe(Number(toUnscaledDecimal(text, scale)));
    }
    for (const [text, scale] of [
      ['1.234', 2],
      ['.5', 1],
      ['1e3', 0],
      ['-.5', 1],
      ['1.-5', 2],
      ['12345678901234567', 0],
    ] as const) {
      expect(smallUnscaledDecimal(text, scale)).toBeUndefined();
    }
    expect(parseSmallInteger('-123456789012345')).toBe(-123456789012345);
    expect(parseSmallInteger('1234567890123456')).toBeUndefined();
    expect(parseSmallInteger('12a')).toBeUndefined();
    expect(parseSmallInteger('-')).toBeUndefined();
  });
});

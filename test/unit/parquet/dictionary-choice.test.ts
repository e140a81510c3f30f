import { describe, expect, test } from 'bun:test';
import { tableFromArrays } from 'apache-arrow';
import { columnsWithoutDictionary } from '../../../src/parquet/dictionary-choice.ts';
import { readParquet, writeParquet } from '../../../src/parquet/index.ts';

const rows = 200_000;
const table = tableFromArrays({
  unique_id: Float64Array.from({ length: rows }, (_, i) => i * 3 + 1),
  city: Array.from({ length: rows }, (_, i) => ['Springfield', 'Shelbyville', 'Ogdenville'][i % 3]),
  // 9,999 distinct addresses: a ~200 KB dictionary, worth keeping although a sample rarely repeats.
  address: Array.from({ length: rows }, (_, i) => `${(i % 9999) + 1} Evergreen Terrace`),
  event_text: Array.from({ length: rows }, (_, i) => `event ${i} at 2024-01-01T00:00:${String(i % 60).padStart(2, '0')}`),
});

describe('dictionary choice', () => {
  test('columns of unique values skip the dictionary; repeating ones keep it', () => {
    expect(columnsWithoutDictionary(table)).toEqual(['unique_id', 'event_text']);
  });

  test('small tables keep the writer default', () => {
    expect(columnsWithoutDictionary(table.slice(0, 1000))).toEqual([]);
  });

  test('the written file reads back the same values', () => {
    const back = readParquet(writeParquet(table));
    for (const name of ['unique_id', 'city', 'address', 'event_text'] as const) {
      expect([...back.getChild(name)!]).toEqual([...table.getChild(name)!]);
    }
  });
});

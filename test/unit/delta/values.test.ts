import { describe, expect, test } from 'bun:test';
import { formatDecimal, formatFloat, formatTimestamp, parsePartitionValue, parseTimestampMicros } from '../../../src/delta/values.ts';

describe('canonical formatting', () => {
  test('decimals keep their exact scale and sign', () => {
    expect(formatDecimal(10000n, 3)).toBe('10.000');
    expect(formatDecimal(-5n, 3)).toBe('-0.005');
    expect(formatDecimal(123n, 0)).toBe('123');
    expect(formatDecimal(-(10n ** 37n), 10)).toBe('-1000000000000000000000000000.0000000000');
  });

  test('timestamps render in UTC with microseconds, also before 1970', () => {
    expect(formatTimestamp(0n)).toBe('1970-01-01T00:00:00.000000');
    expect(formatTimestamp(1_631_099_471_123_456n)).toBe('2021-09-08T11:11:11.123456');
    expect(formatTimestamp(-1n)).toBe('1969-12-31T23:59:59.999999');
  });

  test('non-finite floats are strings', () => {
    expect(formatFloat(Number.NaN)).toBe('NaN');
    expect(formatFloat(-Infinity)).toBe('-Infinity');
    expect(formatFloat(1.5)).toBe(1.5);
  });
});

describe('partition values', () => {
  test('decode by Delta type', () => {
    expect(parsePartitionValue('7', 'integer', 'c')).toBe(7);
    expect(parsePartitionValue('9223372036854775807', 'long', 'c')).toBe('9223372036854775807');
    expect(parsePartitionValue('true', 'boolean', 'c')).toBe(true);
    expect(parsePartitionValue('1.5', 'double', 'c')).toBe(1.5);
    expect(parsePartitionValue('0.1', 'float', 'c')).toBe(Math.fround(0.1));
    expect(parsePartitionValue('-0.00004', 'decimal(10,5)', 'c')).toBe('-0.00004');
    expect(parsePartitionValue('1.2E-4', 'decimal(10,5)', 'c')).toBe('0.00012');
    expect(parsePartitionValue('2021-09-08', 'date', 'c')).toBe('2021-09-08');
    expect(parsePartitionValue('ab', 'binary', 'c')).toBe('6162');
    expect(parsePartitionValue('null', 'string', 'c')).toBe('null');
  });

  test('null and the empty string are null, as Spark reads them', () => {
    expect(parsePartitionValue(null, 'integer', 'c')).toBeNull();
    expect(parsePartitionValue('', 'date', 'c')).toBeNull();
    expect(parsePartitionValue('', 'string', 'c')).toBeNull();
  });

  test('timestamps without a zone are UTC; zones and Z are honoured', () => {
    expect(parsePartitionValue('2021-09-08 11:11:11', 'timestamp', 'c')).toBe('2021-09-08T11:11:11.000000');
    expect(parsePartitionValue('2021-09-08 11:11:11.5', 'timestamp_ntz', 'c')).toBe('2021-09-08T11:11:11.500000');
    expect(parseTimestampMicros('2021-09-08T11:11:11Z')).toBe(parseTimestampMicros('2021-09-08 04:11:11-07:00'));
  });

  test('malformed values are a corrupt table', () => {
    expect(() => parsePartitionValue('x', 'integer', 'c')).toThrow('partition value');
    expect(() => parsePartitionValue('1.001', 'decimal(5,2)', 'c')).toThrow('partition value');
    expect(() => parsePartitionValue('yes', 'boolean', 'c')).toThrow('partition value');
  });
});

import { expect, test } from 'bun:test';
import { daysToDate, decimalText, microsToTimestamp, zonedToUtcTimestamp } from '../../../src/cdc/index.ts';
import { InvalidValue, microsToTimeOfDay, nanosToMicros } from '../../../src/cdc/values.ts';

test('daysToDate agrees with Date across eras, leap days and the epoch', () => {
  for (let days = -719_162; days <= 2_932_896; days += 997) {
    expect(daysToDate(days)).toBe(new Date(days * 86_400_000).toISOString().slice(0, 10));
  }
  for (const d of [-1, 0, 59, 60, 11_016, 11_017, 2_932_896]) expect(daysToDate(d)).toBe(new Date(d * 86_400_000).toISOString().slice(0, 10));
});

test('timestamps and decimals', () => {
  expect(zonedToUtcTimestamp('2026-01-05T08:00:00.000001Z')).toBe('2026-01-05T08:00:00.000001');
  expect(zonedToUtcTimestamp('2026-01-05T08:00:00Z')).toBe('2026-01-05T08:00:00.000000');
  expect(zonedToUtcTimestamp('2026-01-05 08:00:00.1234567+00')).toBe('2026-01-05T08:00:00.123456');
  expect(() => zonedToUtcTimestamp('yesterday')).toThrow(/not an ISO timestamp/);
  expect(microsToTimestamp(1_000_001)).toBe('1970-01-01T00:00:01.000001');
  // Past 2^53 (from 2255 on) JSON integers arrive as bigints, exact to the last digit.
  expect(microsToTimestamp(9223372800000001n)).toBe('2262-04-12T00:00:00.000001');
  expect(microsToTimestamp(-9007199254740993n)).toBe('1684-07-28T00:12:25.259007');
  expect(nanosToMicros(9223372036854775807n)).toBe(9223372036854775n);
  expect(nanosToMicros(-1n)).toBe(-1n);
  expect(nanosToMicros(-1)).toBe(-1);
  expect(decimalText(5n, 3)).toBe('0.005');
  expect(decimalText(-123n, 0)).toBe('-123');
  expect(decimalText(12n, -2)).toBe('1200');
});

test('dates and timestamps outside 0001-01-01..9999-12-31 (BC, PostgreSQL infinity) are refused, not written as text no reader takes', () => {
  expect(daysToDate(-719_162)).toBe('0001-01-01');
  expect(() => daysToDate(-735_160)).toThrow(InvalidValue); // 44 BC
  expect(() => daysToDate(-2_147_472_692)).toThrow(
    '-2147472692 days from 1970-01-01 is outside the range of Delta dates and timestamps (0001-01-01 to 9999-12-31)',
  );
  expect(() => daysToDate(2_932_897)).toThrow(InvalidValue);
  expect(microsToTimestamp(253402300799999999n)).toBe('9999-12-31T23:59:59.999999');
  expect(() => microsToTimestamp(9223372036825200000n)).toThrow(InvalidValue); // Debezium's 'infinity'
  expect(() => microsToTimestamp(-63517780800000000)).toThrow(InvalidValue);
  expect(() => zonedToUtcTimestamp('12000-01-01T00:00:00Z')).toThrow(InvalidValue);
  expect(() => zonedToUtcTimestamp('0001-01-01T00:30:00+01:00')).toThrow(InvalidValue);
});

test('a zoned timestamp of the years 1 to 99 keeps its year (Date.UTC would read 1900 to 1999)', () => {
  expect(zonedToUtcTimestamp('0044-03-15T12:00:00+05:30')).toBe('0044-03-15T06:30:00.000000');
  expect(zonedToUtcTimestamp('2024-02-29T23:59:59.999999-14')).toBe('2024-03-01T13:59:59.999999');
});

test('a time of day past 24 hours or below zero (MySQL and MariaDB TIME is a duration) reads as that duration', () => {
  expect(microsToTimeOfDay(45_296_000_001)).toBe('12:34:56.000001');
  expect(microsToTimeOfDay(3_020_399_999_999)).toBe('838:59:59.999999');
  expect(microsToTimeOfDay(-3_020_399_000_000)).toBe('-838:59:59.000000');
  expect(microsToTimeOfDay(-7)).toBe('-00:00:00.000007');
  expect(microsToTimeOfDay(-1_500_000)).toBe('-00:00:01.500000');
});

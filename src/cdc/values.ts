/**
 * Canonical values: the one form every decoded row value takes, whatever the converter sent.
 *   long, decimal      -> decimal string ("42", "-1.50")
 *   binary             -> lowercase hex
 *   date               -> 'YYYY-MM-DD'
 *   timestamp(_ntz)    -> 'YYYY-MM-DDTHH:MM:SS.ffffff' (UTC for timestamp)
 *   time of day        -> 'HH:MM:SS.ffffff'
 *   everything else    -> the JSON value (number, boolean, string, array)
 * Each converter throws InvalidValue on a value of the wrong JSON type; the decoder turns that into an
 * `invalid` result.
 */
export type CanonicalValue = string | number | boolean | null | CanonicalValue[];
export type Row = Record<string, CanonicalValue>;

export class InvalidValue extends Error {}

/**
 * Delta's dates and timestamps run from 0001-01-01 to 9999-12-31 (Spark's range, and what the canonical
 * 'YYYY-MM-DD' text can say). PostgreSQL also has BC dates and infinity (which Debezium sends as
 * sentinel numbers): such a value is refused, so its record becomes a dead letter rather than text the
 * writer would refuse for the whole batch.
 */
const MIN_MS = Date.parse('0001-01-01T00:00:00Z');
const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');
const outOfRange = (what: string) => new InvalidValue(`${what} is outside the range of Delta dates and timestamps (0001-01-01 to 9999-12-31)`);

export function base64ToHex(b64: string): string {
  return Buffer.from(b64, 'base64').toString('hex');
}

/** Big-endian two's complement bytes (base64) -> unscaled bigint. */
export function unscaledFromBase64(b64: string): bigint {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length === 0) return 0n;
  let n = BigInt('0x' + bytes.toString('hex'));
  if (bytes[0]! & 0x80) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

/** Unscaled bigint and scale -> plain decimal text ("-0.050" for -50 at scale 3). */
export function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (scale === 0 ? unscaled : unscaled * 10n ** BigInt(-scale)).toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  return negative ? '-' + text : text;
}

/** Days since 1970-01-01 -> 'YYYY-MM-DD' (proleptic Gregorian), by integer arithmetic: no Date per value. */
export function daysToDate(days: number): string {
  // Civil-from-days (H. Hinnant's algorithm), eras of 400 years starting 0000-03-01.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 1 || year > 9999) throw outOfRange(`${days} days from 1970-01-01`);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** Epoch microseconds (a bigint past 2^53, from 2255 on) -> 'YYYY-MM-DDTHH:MM:SS.ffffff'. */
export function microsToTimestamp(micros: number | bigint): string {
  if (typeof micros === 'bigint') {
    const ms = floorDiv(micros, 1000n);
    if (ms < MIN_MS || ms > MAX_MS) throw outOfRange(`${micros} µs from 1970-01-01`);
    return new Date(Number(ms)).toISOString().slice(0, 23) + String(micros - ms * 1000n).padStart(3, '0');
  }
  const ms = Math.floor(micros / 1000);
  if (ms < MIN_MS || ms > MAX_MS) throw outOfRange(`${micros} µs from 1970-01-01`);
  return new Date(ms).toISOString().slice(0, 23) + String(micros - ms * 1000).padStart(3, '0');
}

/** Epoch nanoseconds -> epoch microseconds, rounded down. */
export function nanosToMicros(nanos: number | bigint): number | bigint {
  return typeof nanos === 'bigint' ? floorDiv(nanos, 1000n) : Math.floor(nanos / 1000);
}

const floorDiv = (a: bigint, b: bigint): bigint => a / b - (a % b < 0n ? 1n : 0n);

/** Microseconds since midnight -> '[-]HH:MM:SS.ffffff' (a MySQL TIME is a duration: docs/design.md, Column types). */
export function microsToTimeOfDay(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const s = Math.floor(abs / 1_000_000);
  const frac = abs - s * 1_000_000;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${sign}${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}.${String(frac).padStart(6, '0')}`;
}

const zoned = /^(\d{4,})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d(?::?\d\d)?)$/;

/** An ISO-8601 timestamp with zone (Debezium ZonedTimestamp) -> UTC 'YYYY-MM-DDTHH:MM:SS.ffffff'. */
export function zonedToUtcTimestamp(text: string): string {
  // Fast path: what Debezium sends for timestamptz(6), 'YYYY-MM-DDTHH:MM:SS.ffffffZ'.
  if (text.length === 27 && text.charCodeAt(26) === 90 /* Z */ && text.charCodeAt(19) === 46 /* . */ && text.charCodeAt(10) === 84 /* T */) {
    return text.slice(0, 26);
  }
  const m = zoned.exec(text);
  if (!m) throw new InvalidValue(`not an ISO timestamp with zone: ${text.slice(0, 40)}`);
  const frac = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  const zone = m[8]!;
  const digits = zone.replace(':', '');
  const offsetMin = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0));
  const local = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  local.setUTCFullYear(Number(m[1])); // Date.UTC reads the years 0 to 99 as 1900 to 1999
  const ms = local.getTime() - offsetMin * 60_000;
  if (!(ms >= MIN_MS && ms <= MAX_MS)) throw outOfRange(text.slice(0, 40));
  return new Date(ms).toISOString().slice(0, 19) + '.' + frac;
}

export function expectNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  // JsonConverter writes non-finite floats as strings.
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new InvalidValue(`expected a number, got ${typeof v}`);
}

export function expectInteger(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new InvalidValue(`expected an integer, got ${jsonText(v)?.slice(0, 40)}`);
}

/** An int64 from JSON: a number, or a bigint past 2^53 (see parseJson). */
export function expectInt64(v: unknown): number | bigint {
  if ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint') return v;
  throw new InvalidValue(`expected an integer, got ${jsonText(v)?.slice(0, 40)}`);
}

export function expectString(v: unknown): string {
  if (typeof v === 'string') return v;
  throw new InvalidValue(`expected a string, got ${typeof v}`);
}

const rawJson = (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON;

/** A parsed JSON value as JSON text again, integers past 2^53 (bigints, see parseJson) with every digit. */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_key, x) => (typeof x === 'bigint' ? rawJson(String(x)) : x));
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
export const fitsInt64 = (v: bigint): boolean => v >= INT64_MIN && v <= INT64_MAX;

/** int64 from JSON: a number, a bigint (past 2^53, see parseJson) or a decimal string, within int64's range. */
export function longText(v: unknown): string {
  const text = (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' ? String(v) : typeof v === 'string' && /^-?\d+$/.test(v) ? v : undefined;
  if (text === undefined) throw new InvalidValue(`expected an int64, got ${jsonText(v)?.slice(0, 40)}`);
  if (!fitsInt64(BigInt(text))) throw new InvalidValue(`int64 value ${text.slice(0, 45)} is outside the int64 range`);
  return text;
}

/**
 * Parsing of row values as callers hand them to the writer into the physical numbers Parquet stores:
 * days since the epoch for dates, microseconds since the epoch for timestamps, unscaled integers for
 * decimals. Each parser takes the canonical text encoding (what the reader's scan returns) and the
 * natural JS values; anything else is `undefined`, and the caller reports the column.
 */

const MICROS_PER_DAY = 86_400_000_000;

/** The value of `count` decimal digits at `from`, or NaN if any is not a digit. */
const digits = (s: string, from: number, count: number) => {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
};

/** Days from 1970-01-01 to a proleptic Gregorian civil date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Parses `YYYY-MM-DD` at the start of `s` (4-digit years only, as the canonical encoding writes). */
function parseDatePart(s: string): number {
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31)) return NaN;
  return daysFromCivil(digits(s, 0, 4), month, day);
}

/** A date as days since the epoch: 'YYYY-MM-DD', a Date (its UTC day) or a day number. */
export function toEpochDays(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const days = v.length === 10 ? parseDatePart(v) : NaN;
    return Number.isNaN(days) ? undefined : days;
  }
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (v instanceof Date) {
    const ms = v.getTime();
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 86_400_000);
  }
  return undefined;
}

/**
 * A timestamp as microseconds since the epoch: a number, or a bigint past 2^53 (from the year 2255 on).
 * Text: `YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}][Z|±HH:MM]`, UTC when no offset is given; digits past
 * microseconds are truncated. A number or bigint is taken as microseconds; a Date as its milliseconds.
 */
export function toEpochMicros(v: unknown): number | bigint | undefined {
  if (typeof v === 'string') return parseTimestampText(v);
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'bigint') return v;
  if (v instanceof Date) {
    const ms = v.getTime();
    return Number.isNaN(ms) ? undefined : ms * 1000;
  }
  return undefined;
}

function parseTimestampText(s: string): number | bigint | undefined {
  const days = parseDatePart(s);
  if (Number.isNaN(days)) return undefined;
  if (s.length === 10) return days * MICROS_PER_DAY;
  const sep = s.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || s.length < 19 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const h = digits(s, 11, 2);
  const m = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (!(h < 24 && m < 60 && sec < 61)) return undefined;
  let i = 19;
  let fraction = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let scale = 100_000;
    while (i < s.length) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      if (scale >= 1) fraction += d * scale;
      scale /= 10;
      i++;
    }
  }
  let offsetMinutes = 0;
  if (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 90 && i === s.length - 1) {
      // 'Z'
    } else if ((c === 43 || c === 45) && s.length - i === 6 && s.charCodeAt(i + 3) === 58) {
      const oh = digits(s, i + 1, 2);
      const om = digits(s, i + 4, 2);
      if (Number.isNaN(oh + om)) return undefined;
      offsetMinutes = (c === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return undefined;
    }
  }
  const seconds = days * 86_400 + h * 3600 + m * 60 + sec - offsetMinutes * 60;
  if (Number.isNaN(seconds)) return undefined;
  const micros = seconds * 1_000_000 + fraction;
  // Past 2^53 microseconds (from the year 2255 on) a double would round the last digits.
  return Number.isSafeInteger(micros) ? micros : BigInt(seconds) * 1_000_000n + BigInt(fraction);
}

/**
 * Integer text of at most 15 digits (optionally signed) as a number, else undefined: the common case
 * of the canonical long and decimal encodings, parsed without a regex or a BigInt.
 */
export function parseSmallInteger(s: string, from = 0, to = s.length): number | undefined {
  let i = from;
  const negative = s.charCodeAt(i) === 45;
  if (negative || s.charCodeAt(i) === 43) i++;
  if (i >= to || to - i > 15) return undefined;
  let n = 0;
  for (; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

/**
 * A decimal of at most 15 digits as its unscaled integer at `scale`, as a number: plain text like
 * '-123.45' (no exponent). Undefined when the fast path does not apply; use toUnscaledDecimal then.
 */
export function smallUnscaledDecimal(v: string, scale: number): number | undefined {
  const dot = v.indexOf('.');
  if (dot < 0) {
    const n = parseSmallInteger(v);
    return n === undefined || scale > 15 ? undefined : n * 10 ** scale;
  }
  const fractionDigits = v.length - dot - 1;
  if (fractionDigits > scale || dot === 0 || (dot === 1 && (v[0] === '-' || v[0] === '+'))) return undefined;
  const intPart = parseSmallInteger(v, 0, dot);
  const fraction = fractionDigits === 0 ? 0 : parseSmallInteger(v, dot + 1, v.length);
  if (intPart === undefined || fraction === undefined || v.charCodeAt(dot + 1) === 45 || v.charCodeAt(dot + 1) === 43) return undefined;
  const unscaled = Math.abs(intPart) * 10 ** scale + fraction * 10 ** (scale - fractionDigits);
  if (!Number.isSafeInteger(unscaled)) return undefined;
  return v.charCodeAt(0) === 45 ? -unscaled : unscaled;
}

/**
 * A decimal as its unscaled integer at `scale`: text like '-123.45' or '1E+3', a number (via its shortest
 * text) or a bigint (an integral value). Digits beyond the scale must be zeros: we never round silently.
 */
export function toUnscaledDecimal(v: unknown, scale: number): bigint | undefined {
  if (typeof v === 'bigint') return v * 10n ** BigInt(scale);
  let text: string;
  if (typeof v === 'string') text = v.trim();
  else if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
  else return undefined;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  let intPart = m[2];
  let fracPart = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  if (exp > 0) {
    const moved = fracPart.padEnd(exp, '0');
    intPart += moved.slice(0, exp);
    fracPart = moved.slice(exp);
  } else if (exp < 0) {
    const padded = intPart.padStart(-exp, '0');
    fracPart = padded.slice(padded.length + exp) + fracPart;
    intPart = padded.slice(0, padded.length + exp);
  }
  if (fracPart.length > scale) {
    if (!/^0*$/.test(fracPart.slice(scale))) return undefined;
    fracPart = fracPart.slice(0, scale);
  }
  const unscaled = BigInt((intPart || '0') + fracPart.padEnd(scale, '0'));
  return m[1] === '-' ? -unscaled : unscaled;
}

/** Binary values: bytes as they are, or the canonical lowercase/uppercase hex text. */
export function toBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (typeof v === 'string') {
    if (v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v)) return undefined;
    return Uint8Array.from(Buffer.from(v, 'hex'));
  }
  return undefined;
}

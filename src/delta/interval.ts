/**
 * Table properties that hold durations (`delta.logRetentionDuration`, `delta.deletedFileRetentionDuration`)
 * use Spark's calendar interval text: 'interval 30 days', '1 week', 'interval 2 days 12 hours'.
 */
import { invalidInput } from '../core/errors.ts';

const UNIT_MS: Record<string, number> = {
  microsecond: 0.001,
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};

/** The interval in milliseconds; `property` names the setting in the error. */
export function parseInterval(text: string, property: string): number {
  const parts = text
    .trim()
    .toLowerCase()
    .replace(/^interval\s+/, '')
    .split(/\s+/);
  let ms = 0;
  for (let i = 0; i < parts.length; i += 2) {
    const n = Number(parts[i]);
    const unit = UNIT_MS[(parts[i + 1] ?? '').replace(/s$/, '')];
    if (!Number.isFinite(n) || unit === undefined) {
      throw invalidInput(`${property} is not an interval: '${text}'`, "write it like 'interval 7 days' or '1 week'");
    }
    ms += n * unit;
  }
  return ms;
}

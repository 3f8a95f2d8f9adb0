import type { BarSeries } from "../core/bars.ts";
import { etToUtcMs, isoToEtDay } from "../core/ny-time.ts";

export interface TimeRange {
  /** First instant kept (inclusive), epoch ms. */
  readonly fromMs: number;
  /** First instant dropped (exclusive), epoch ms. */
  readonly toMs: number;
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The etDay of a YYYY-MM-DD date; throws, naming `name`, for anything else (2024-02-30 included). */
export function etDayOf(name: string, iso: string): number {
  // isoToEtDay goes through Date.parse, which rolls 2024-02-30 over to March; insist on a real date.
  if (!ISO_DAY.test(iso) || new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) {
    throw new Error(`${name} must be a date as YYYY-MM-DD (got ${JSON.stringify(iso)})`);
  }
  return isoToEtDay(iso);
}

/**
 * The UTC instants covering New York calendar days `fromDay..toDay` (inclusive, either may be
 * open), or null when neither is given. Midnight to midnight New York time, DST included.
 */
export function dayRangeMs(fromDay?: string, toDay?: string): TimeRange | null {
  if (fromDay === undefined && toDay === undefined) return null;
  const fromMs = fromDay === undefined ? -Infinity : etToUtcMs(etDayOf("fromDay", fromDay), 0);
  const toMs = toDay === undefined ? Infinity : etToUtcMs(etDayOf("toDay", toDay) + 1, 0);
  if (fromMs >= toMs) throw new Error(`fromDay ${fromDay} is after toDay ${toDay}`);
  return { fromMs, toMs };
}

/** First index whose time is >= t in an ascending array (length when none). */
export function lowerBound(tMs: Float64Array, t: number, lo = 0, hi = tMs.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tMs[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The bars with fromMs <= t < toMs, as views on the same storage. */
export function sliceSeries(s: BarSeries, fromMs: number, toMs: number): BarSeries {
  const a = lowerBound(s.tMs, fromMs, 0, s.length);
  const b = lowerBound(s.tMs, toMs, a, s.length);
  if (a === 0 && b === s.length) return s;
  return {
    symbol: s.symbol,
    length: b - a,
    tMs: s.tMs.subarray(a, b),
    open: s.open.subarray(a, b),
    high: s.high.subarray(a, b),
    low: s.low.subarray(a, b),
    close: s.close.subarray(a, b),
    volume: s.volume.subarray(a, b),
  };
}

const HALF_DAY_MS = 43_200_000;
const DAY_MS = 86_400_000;

/**
 * Whether a series holds date-stamped (daily) bars: its first bars sit at midnight UTC (this
 * repo's daily files) or midnight New York (Alpaca's 1Day bars). Minute and hour bars never all do.
 */
export function isDateStamped(s: BarSeries): boolean {
  const n = Math.min(s.length, 3);
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const t = s.tMs[i];
    const utcMidnight = t % DAY_MS === 0;
    // New York midnight is 04:00Z or 05:00Z.
    const nyMidnight = t % 3_600_000 === 0 && (((t / 3_600_000) % 24) + 24) % 24 >= 4 && (((t / 3_600_000) % 24) + 24) % 24 <= 5;
    if (!utcMidnight && !nyMidnight) return false;
  }
  return true;
}

/**
 * A series cut to the New York days of `range`. A date-stamped bar belongs to the day twelve hours
 * after its stamp (engine/daily-bars.ts: a 00:00Z stamp is the evening before in New York), so its
 * range is shifted by those twelve hours; without that, `--from D` dropped D's daily bar and
 * `--to D` kept D+1's.
 */
export function sliceToDays(s: BarSeries, range: TimeRange): BarSeries {
  return isDateStamped(s) ? sliceSeries(s, range.fromMs - HALF_DAY_MS, range.toMs - HALF_DAY_MS) : sliceSeries(s, range.fromMs, range.toMs);
}

/**
 * A date-stamped series restamped the way Alpaca stamps a 1Day bar: 00:00 New York of its session
 * (REST `t`), not 00:00Z of the same date as this repo's converted daily files do (which is 19:00 or
 * 20:00 New York the evening before). Every reader then agrees on which day a daily bar is: day
 * windows (`--from`, walk-forward folds: a train window ending at D's midnight no longer holds D's
 * bar) and the engine. Other series are returned as they are.
 */
export function alpacaDailyStamps(s: BarSeries): BarSeries {
  if (!isDateStamped(s) || s.tMs[0] % DAY_MS !== 0) return s;
  const tMs = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) tMs[i] = s.tMs[i] % DAY_MS === 0 ? etToUtcMs(Math.round(s.tMs[i] / DAY_MS), 0) : s.tMs[i];
  return { ...s, tMs };
}

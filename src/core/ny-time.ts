/**
 * America/New_York local time without Intl in the hot path. US DST rules (Energy Policy Act of
 * 2005, in force since 2007): EDT from the second Sunday of March 02:00 EST (07:00 UTC) to the
 * first Sunday of November 02:00 EDT (06:00 UTC). Years before 2007 use the 1987-2006 rule
 * (first Sunday of April to last Sunday of October). Checked against Intl in the tests.
 */

const MIN_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const EST_OFFSET_MS = -5 * HOUR_MS;
const EDT_OFFSET_MS = -4 * HOUR_MS;

/** Day of month of the n-th (1-based) Sunday of a month; n = -1 for the last one. */
function nthSunday(year: number, month0: number, n: number): number {
  if (n > 0) {
    const firstDow = new Date(Date.UTC(year, month0, 1)).getUTCDay();
    return 1 + ((7 - firstDow) % 7) + (n - 1) * 7;
  }
  const lastDay = new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
  const lastDow = new Date(Date.UTC(year, month0, lastDay)).getUTCDay();
  return lastDay - lastDow;
}

/** UTC instants [start, end) of daylight time in a year. */
export function dstBoundsUtc(year: number): { startMs: number; endMs: number } {
  if (year >= 2007) {
    return {
      startMs: Date.UTC(year, 2, nthSunday(year, 2, 2), 7),
      endMs: Date.UTC(year, 10, nthSunday(year, 10, 1), 6),
    };
  }
  return {
    startMs: Date.UTC(year, 3, nthSunday(year, 3, 1), 7),
    endMs: Date.UTC(year, 9, nthSunday(year, 9, -1), 6),
  };
}

/** Offset of New York local time from UTC at an instant, in ms (negative). */
export function nyOffsetMs(tMs: number): number {
  const year = new Date(tMs).getUTCFullYear();
  const { startMs, endMs } = dstBoundsUtc(year);
  return tMs >= startMs && tMs < endMs ? EDT_OFFSET_MS : EST_OFFSET_MS;
}

/**
 * Converts instants to New York session coordinates, caching the current constant-offset
 * segment so that consecutive bars cost two comparisons and a few divisions.
 */
export class NyTime {
  private segStartMs = 1;
  private segEndMs = 0;
  private offsetMs = 0;

  private locate(tMs: number): void {
    const year = new Date(tMs).getUTCFullYear();
    const { startMs, endMs } = dstBoundsUtc(year);
    if (tMs < startMs) {
      this.segStartMs = Date.UTC(year, 0, 1);
      this.segEndMs = startMs;
      this.offsetMs = EST_OFFSET_MS;
    } else if (tMs < endMs) {
      this.segStartMs = startMs;
      this.segEndMs = endMs;
      this.offsetMs = EDT_OFFSET_MS;
    } else {
      this.segStartMs = endMs;
      this.segEndMs = Date.UTC(year + 1, 0, 1);
      this.offsetMs = EST_OFFSET_MS;
    }
  }

  /** Local epoch ms: UTC ms shifted by the New York offset. */
  localMs(tMs: number): number {
    if (tMs < this.segStartMs || tMs >= this.segEndMs) this.locate(tMs);
    return tMs + this.offsetMs;
  }

  /** Days since 1970-01-01 in New York local time. */
  etDay(tMs: number): number {
    return Math.floor(this.localMs(tMs) / DAY_MS);
  }

  /** Minutes since New York local midnight. */
  etMinute(tMs: number): number {
    const local = this.localMs(tMs);
    return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / MIN_MS);
  }
}

/** `YYYY-MM-DD` for an etDay number. */
export function etDayToIso(etDay: number): string {
  return new Date(etDay * DAY_MS).toISOString().slice(0, 10);
}

/** etDay number for a `YYYY-MM-DD` string (the New York calendar date). */
export function isoToEtDay(iso: string): number {
  const ms = Date.parse(`${iso}T00:00:00Z`);
  if (!Number.isFinite(ms)) throw new Error(`not a date: ${JSON.stringify(iso)} (want YYYY-MM-DD)`);
  return Math.floor(ms / DAY_MS);
}

/** UTC instant of a New York local wall time on an etDay (e.g. 09:30 -> minute 570). */
export function etToUtcMs(etDay: number, etMinute: number): number {
  const guess = etDay * DAY_MS + etMinute * MIN_MS - EST_OFFSET_MS;
  const off = nyOffsetMs(guess);
  return etDay * DAY_MS + etMinute * MIN_MS - off;
}

/** Parses "HH:MM" into minutes since midnight. */
export function hhmmToMinute(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new Error(`not a time: ${JSON.stringify(hhmm)} (want HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export const ET_MINUTE = { open: 570, close: 960 } as const;

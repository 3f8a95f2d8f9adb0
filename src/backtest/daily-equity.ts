import type { DailyEquityPoint } from "./metrics.ts";

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Collects end-of-session equity for `computeMetrics`. The engine may mark a day many times
 * (every session boundary it passes); the last value of a day wins, so the point is the equity at
 * that session's end.
 *
 * `mark` is O(1) and allocates nothing while the day is unchanged, because it runs on the engine's
 * hot path; only the first mark of a new day appends a point.
 */
export class DailyEquityRecorder {
  readonly initialEquityUsd: number;
  // Mutable on purpose so same-day marks overwrite in place; points() hands out copies.
  private readonly days: { day: string; equityUsd: number }[] = [];
  private last: { day: string; equityUsd: number } | null = null;

  constructor(initialEquityUsd: number) {
    if (!(Number.isFinite(initialEquityUsd) && initialEquityUsd > 0)) {
      throw new RangeError(`initial equity must be finite and > 0, got ${initialEquityUsd}`);
    }
    this.initialEquityUsd = initialEquityUsd;
  }

  /**
   * Records `equityUsd` as the latest equity of the New York day `etDayIso` (`YYYY-MM-DD`).
   * @throws RangeError for a non-finite equity, a malformed day, or a day earlier than the last
   *   one marked: daily returns assume sessions arrive in order, so a step back is an engine bug.
   */
  mark(etDayIso: string, equityUsd: number): void {
    if (!Number.isFinite(equityUsd)) throw new RangeError(`equity for ${etDayIso} is not finite: ${equityUsd}`);
    const last = this.last;
    if (last !== null && last.day === etDayIso) {
      last.equityUsd = equityUsd;
      return;
    }
    if (!ISO_DAY.test(etDayIso)) throw new RangeError(`not a YYYY-MM-DD day: ${JSON.stringify(etDayIso)}`);
    // Fixed-width ISO dates order lexicographically like the calendar.
    if (last !== null && etDayIso < last.day) {
      throw new RangeError(`day ${etDayIso} marked after ${last.day}; days must not go back`);
    }
    const point = { day: etDayIso, equityUsd };
    this.days.push(point);
    this.last = point;
  }

  /** Equity of the latest marked day, or the initial equity before any mark. */
  lastEquityUsd(): number {
    return this.last === null ? this.initialEquityUsd : this.last.equityUsd;
  }

  /** One point per marked day, oldest first; a snapshot that later marks do not change. */
  points(): DailyEquityPoint[] {
    return this.days.map((p) => ({ day: p.day, equityUsd: p.equityUsd }));
  }
}

/**
 * The US equity (NYSE) trading calendar: which New York days trade and when they close. Pure
 * and IO-free; days are the repo's etDay numbers (days since 1970-01-01 in New York local time,
 * see ny-time.ts), minutes are minutes after New York midnight.
 *
 * Rules (NYSE Rule 7.2 and the exchange's published calendars; reliable from 2000 on):
 * - Full holidays: New Year's Day, Martin Luther King Jr. Day (3rd Monday of January, from 1998),
 *   Washington's Birthday (3rd Monday of February), Good Friday, Memorial Day (last Monday of
 *   May), Juneteenth (June 19, from 2022), Independence Day, Labor Day (1st Monday of September),
 *   Thanksgiving (4th Thursday of November), Christmas.
 * - A holiday on a Sunday is observed on the Monday, one on a Saturday on the Friday before,
 *   EXCEPT New Year's Day: the Friday before it ends a month and a year (an accounting period),
 *   so the market stays open (2021-12-31 traded although 2022-01-01 was a Saturday).
 * - Early 13:00 closes: July 3 when it is a weekday trading day (the day before Independence Day;
 *   when July 4 is a Saturday, July 3 is the observed holiday instead), the day after
 *   Thanksgiving, and December 24 when it is a weekday trading day.
 * - Unscheduled closures (national days of mourning, 9/11, Hurricane Sandy) come from a table.
 */

import { etToUtcMs, NyTime } from "./ny-time.ts";

export interface Session {
  /** Regular-session open, minutes after New York midnight (570 = 09:30). */
  readonly openMinute: number;
  /** Regular-session close, minutes after New York midnight (960 = 16:00, 780 = 13:00 on early-close days). */
  readonly closeMinute: number;
}

export const REGULAR_SESSION: Session = { openMinute: 570, closeMinute: 960 };
export const EARLY_CLOSE_SESSION: Session = { openMinute: 570, closeMinute: 780 };

/** Full-day closures no rule predicts, by ISO date. */
const SPECIAL_CLOSURES: Readonly<Record<string, string>> = {
  "2001-09-11": "September 11 attacks",
  "2001-09-12": "September 11 attacks",
  "2001-09-13": "September 11 attacks",
  "2001-09-14": "September 11 attacks",
  "2004-06-11": "National Day of Mourning (Ronald Reagan)",
  "2007-01-02": "National Day of Mourning (Gerald Ford)",
  "2012-10-29": "Hurricane Sandy",
  "2012-10-30": "Hurricane Sandy",
  "2018-12-05": "National Day of Mourning (George H. W. Bush)",
  "2025-01-09": "National Day of Mourning (Jimmy Carter)",
};

const DAY_MS = 86_400_000;

interface YearCalendar {
  /** Weekdays without a session, with the reason. */
  readonly closed: ReadonlyMap<number, string>;
  readonly earlyClose: ReadonlySet<number>;
}

// Built once per year on first use: the replay asks about the same few years millions of times.
const years = new Map<number, YearCalendar>();

/** 0 = Sunday ... 6 = Saturday (etDay 0, 1970-01-01, was a Thursday). */
export function dayOfWeek(etDay: number): number {
  return (((etDay + 4) % 7) + 7) % 7;
}

function dayOf(year: number, month0: number, day: number): number {
  return Math.round(Date.UTC(year, month0, day) / DAY_MS);
}

function yearOf(etDay: number): number {
  return new Date(etDay * DAY_MS).getUTCFullYear();
}

/** The n-th (1-based) given weekday of a month, or the last one for n = -1. */
function nthWeekday(year: number, month0: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = dayOf(year, month0, 1);
    return first + ((weekday - dayOfWeek(first) + 7) % 7) + (n - 1) * 7;
  }
  const last = dayOf(year, month0 + 1, 0);
  return last - ((dayOfWeek(last) - weekday + 7) % 7);
}

/** Easter Sunday (Gregorian; the anonymous "Meeus/Jones/Butcher" algorithm). */
export function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return dayOf(year, month - 1, day);
}

/** Saturday holidays move to Friday, Sunday ones to Monday. */
function observed(etDay: number): number {
  const dow = dayOfWeek(etDay);
  return dow === 6 ? etDay - 1 : dow === 0 ? etDay + 1 : etDay;
}

function buildYear(year: number): YearCalendar {
  const closed = new Map<number, string>();
  const newYear = dayOf(year, 0, 1);
  // Never the Friday before: see the module comment.
  if (dayOfWeek(newYear) !== 6) closed.set(observed(newYear), "New Year's Day");
  if (year >= 1998) closed.set(nthWeekday(year, 0, 1, 3), "Martin Luther King Jr. Day");
  closed.set(nthWeekday(year, 1, 1, 3), "Washington's Birthday");
  closed.set(easterSunday(year) - 2, "Good Friday");
  closed.set(nthWeekday(year, 4, 1, -1), "Memorial Day");
  if (year >= 2022) closed.set(observed(dayOf(year, 5, 19)), "Juneteenth");
  closed.set(observed(dayOf(year, 6, 4)), "Independence Day");
  closed.set(nthWeekday(year, 8, 1, 1), "Labor Day");
  const thanksgiving = nthWeekday(year, 10, 4, 4);
  closed.set(thanksgiving, "Thanksgiving Day");
  closed.set(observed(dayOf(year, 11, 25)), "Christmas Day");
  for (const [iso, why] of Object.entries(SPECIAL_CLOSURES)) if (iso.startsWith(`${year}-`)) closed.set(Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS), why);

  const earlyClose = new Set<number>();
  const weekdayOpen = (d: number): boolean => dayOfWeek(d) !== 0 && dayOfWeek(d) !== 6 && !closed.has(d);
  for (const d of [dayOf(year, 6, 3), thanksgiving + 1, dayOf(year, 11, 24)]) if (weekdayOpen(d)) earlyClose.add(d);
  return { closed, earlyClose };
}

function yearCalendar(etDay: number): YearCalendar {
  const year = yearOf(etDay);
  let y = years.get(year);
  if (!y) {
    y = buildYear(year);
    years.set(year, y);
  }
  return y;
}

/** Why the market is closed on a day ("Saturday", "Good Friday", ...), or null when it trades. */
export function closedReason(etDay: number): string | null {
  const dow = dayOfWeek(etDay);
  if (dow === 0) return "Sunday";
  if (dow === 6) return "Saturday";
  return yearCalendar(etDay).closed.get(etDay) ?? null;
}

export function isTradingDay(etDay: number): boolean {
  return closedReason(etDay) === null;
}

/** The regular session of a day (early close included), or null when the market is closed. */
export function sessionOf(etDay: number): Session | null {
  if (!isTradingDay(etDay)) return null;
  return yearCalendar(etDay).earlyClose.has(etDay) ? EARLY_CLOSE_SESSION : REGULAR_SESSION;
}

/** The first trading day strictly after `etDay`, with its session. */
export function nextSession(etDay: number): Session & { readonly etDay: number } {
  // Terminates within a few days: no closure run is longer than a long weekend plus the 9/11 week.
  for (let d = etDay + 1; ; d++) {
    const s = sessionOf(d);
    if (s) return { etDay: d, ...s };
  }
}

const ny = new NyTime();

/**
 * The close of the session in progress at `tMs`, or of the next session when `tMs` is at or after
 * today's close or on a day without one (epoch ms). When a day order placed at `tMs` expires.
 */
export function nextCloseMs(tMs: number): number {
  return nextEdgeMs(tMs, "closeMinute");
}

/** The open of today's session when it is still ahead of `tMs`, else of the next session (epoch ms). */
export function nextOpenMs(tMs: number): number {
  return nextEdgeMs(tMs, "openMinute");
}

function nextEdgeMs(tMs: number, edge: keyof Session): number {
  const day = ny.etDay(tMs);
  const today = sessionOf(day);
  if (today && ny.etMinute(tMs) < today[edge]) return etToUtcMs(day, today[edge]);
  const next = nextSession(day);
  return etToUtcMs(next.etDay, next[edge]);
}

/** Whether the regular session is in progress at `tMs`. */
export function isOpenAt(tMs: number): boolean {
  const today = sessionOf(ny.etDay(tMs));
  const minute = ny.etMinute(tMs);
  return today !== null && minute >= today.openMinute && minute < today.closeMinute;
}

/**
 * Which session a New York day has (null: none). The NYSE rules of this module by default
 * ({@link sessionOf}); the daemon may pass its broker's calendar (Alpaca GET /v2/calendar).
 */
export type SessionLookup = (etDay: number) => Session | null;

/**
 * A broker's calendar as a {@link SessionLookup}: its answer for the days it covers (a missing
 * day inside its range is a holiday, such as an unscheduled closure the rules cannot know), the
 * NYSE rules beyond them, so a calendar fetched for a range never closes the days after it.
 */
export function brokerSessions(calendar: { covers(etDay: number): boolean; session(etDay: number): Session | null }): SessionLookup {
  return (etDay) => (calendar.covers(etDay) ? calendar.session(etDay) : sessionOf(etDay));
}

/**
 * One day's session as a bot acts on it: looked up once when the day changes, then read as plain
 * numeric fields on every bar (no allocation, no map lookup on the hot path). On a day without a
 * session (a weekend, a holiday) open, close and flatten are all 0, so every minute is outside it.
 */
export class SessionDay {
  /** The day these fields describe (NaN before the first `at`). */
  etDay = Number.NaN;
  /** Regular-session open, minutes after New York midnight. */
  openMinute = 0;
  /** Regular-session close (960, or 780 on an early-close day). */
  closeMinute = 0;
  /**
   * From this minute on positions are flattened, and no entry is decided at or after it: the
   * close less the run's flatten offset (15:55 on a full day, 12:55 on a half day by default).
   */
  flattenMinute = 0;

  /**
   * @param flattenBeforeCloseMinutes how long before each day's close positions are flattened
   *   (clamped to the session: a larger offset flattens at the open).
   */
  constructor(
    private readonly flattenBeforeCloseMinutes = 0,
    private readonly lookup: SessionLookup = sessionOf,
  ) {}

  /** Moves to `etDay`; a no-op when already there (bars of one day cost one comparison). */
  at(etDay: number): this {
    if (etDay === this.etDay) return this;
    this.etDay = etDay;
    const s = this.lookup(etDay);
    if (s === null) {
      this.openMinute = this.closeMinute = this.flattenMinute = 0;
      return this;
    }
    this.openMinute = s.openMinute;
    this.closeMinute = s.closeMinute;
    this.flattenMinute = Math.max(s.openMinute, s.closeMinute - Math.max(0, this.flattenBeforeCloseMinutes));
    return this;
  }

  /** Whether the day has a session at all. */
  get trading(): boolean {
    return this.closeMinute > this.openMinute;
  }

  /** Whether a bar starting at `etMinute` lies inside the regular session. */
  inSession(etMinute: number): boolean {
    return etMinute >= this.openMinute && etMinute < this.closeMinute;
  }
}

/** "HH:MM" for minutes after midnight (780 -> "13:00"). */
export function minuteToHhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

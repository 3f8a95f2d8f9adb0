import { z } from "zod";
import { describeZodIssues } from "../config/zod-issues.ts";
import { etToUtcMs, hhmmToMinute, isoToEtDay, etDayToIso } from "../core/ny-time.ts";

/** The fields the daemon reads from one entry of Alpaca's GET /v2/calendar answer. */
export interface AlpacaCalendarDay {
  readonly date: string;
  readonly open: string;
  readonly close: string;
}

/** One regular trading session; minutes are New York local minutes since midnight. */
export interface Session {
  readonly etDay: number;
  readonly openMinute: number;
  readonly closeMinute: number;
  readonly openMs: number;
  readonly closeMs: number;
}

/** The daemon's fixed points in one session's day (ET minute and UTC instant of each). */
export interface DayTimes {
  readonly warmupMinute: number;
  readonly warmupMs: number;
  readonly flattenMinute: number;
  readonly flattenMs: number;
  readonly summaryMinute: number;
  readonly summaryMs: number;
}

/** How far from the open and close the daemon's jobs run (config daemon.*). */
export interface DayOffsets {
  /** Minutes before the open that the warm-up runs. */
  readonly warmupMinutes: number;
  /** Minutes before the close that positions are flattened (5 by default: 15:55, or 12:55 on a half day). */
  readonly flattenMinutesBeforeClose?: number;
  /** Minutes after the close that the day is summarised (5 by default), once late fills have arrived. */
  readonly summaryMinutesAfterClose?: number;
}

export const DEFAULT_FLATTEN_MINUTES_BEFORE_CLOSE = 5;
export const DEFAULT_SUMMARY_MINUTES_AFTER_CLOSE = 5;

// Date.parse rolls 2024-02-30 over to March 1; a round trip through toISOString catches it.
function isCalendarDate(iso: string): boolean {
  const ms = Date.parse(`${iso}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === iso;
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "want HH:MM (24h)");
const dayEntry = z
  .object({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "want YYYY-MM-DD")
      .refine((s) => isCalendarDate(s), "not a calendar date"),
    open: hhmm,
    close: hhmm,
  })
  .refine((d) => d.close > d.open, { message: "close must be after open", path: ["close"] });

function parseEntry(raw: unknown, i: number): Session {
  const r = dayEntry.safeParse(raw);
  if (!r.success) {
    const date = (raw as { date?: unknown } | null)?.date;
    throw new Error(`calendar entry ${i}${typeof date === "string" ? ` (${date})` : ""}: ${describeZodIssues(r.error)}`);
  }
  const etDay = isoToEtDay(r.data.date);
  const openMinute = hhmmToMinute(r.data.open);
  const closeMinute = hhmmToMinute(r.data.close);
  return { etDay, openMinute, closeMinute, openMs: etToUtcMs(etDay, openMinute), closeMs: etToUtcMs(etDay, closeMinute) };
}

/**
 * Which days the market trades and when, from Alpaca's calendar. Alpaca lists trading days only,
 * so a day inside the covered range that is missing is a holiday; a day outside it is unknown
 * (`covers` says which), and reads as "no session" rather than guessing weekday rules.
 */
export class SessionCalendar {
  private readonly byDay = new Map<number, Session>();

  private constructor(
    private readonly sessions: readonly Session[],
    /** First and last etDay the calendar speaks for (the request range when given). */
    readonly firstEtDay: number,
    readonly lastEtDay: number,
  ) {
    for (const s of sessions) this.byDay.set(s.etDay, s);
  }

  /**
   * Validates Alpaca's answer (an array of {@link AlpacaCalendarDay}; other fields such as
   * session_open are ignored) and builds the calendar. `range` is the start/end the calendar was
   * requested for, so holidays at its edges count as covered; without it the first and last
   * listed days bound the coverage.
   */
  static fromAlpaca(entries: unknown, range?: { readonly from?: string; readonly to?: string }): SessionCalendar {
    if (!Array.isArray(entries)) throw new Error("calendar: want an array of {date, open, close}");
    const sessions = entries.map(parseEntry).sort((a, b) => a.etDay - b.etDay);
    for (let i = 1; i < sessions.length; i++) {
      if (sessions[i].etDay === sessions[i - 1].etDay) throw new Error(`calendar: ${etDayToIso(sessions[i].etDay)} is listed twice`);
    }
    const first = range?.from !== undefined ? isoToEtDay(range.from) : sessions[0]?.etDay;
    const last = range?.to !== undefined ? isoToEtDay(range.to) : sessions[sessions.length - 1]?.etDay;
    if (first === undefined || last === undefined) throw new Error("calendar: no trading days and no range to cover");
    if (sessions.length > 0 && (sessions[0].etDay < first || sessions[sessions.length - 1].etDay > last)) {
      throw new Error(`calendar: entries fall outside the requested range ${etDayToIso(first)}..${etDayToIso(last)}`);
    }
    return new SessionCalendar(sessions, first, last);
  }

  /** Whether the calendar knows this day, trading or not. */
  covers(etDay: number): boolean {
    return etDay >= this.firstEtDay && etDay <= this.lastEtDay;
  }

  isTradingDay(etDay: number): boolean {
    return this.byDay.has(etDay);
  }

  session(etDay: number): Session | null {
    return this.byDay.get(etDay) ?? null;
  }

  /** The session at `ms`: the one in progress, or else the next to open; null past the calendar. */
  nextSession(afterMs: number): Session | null {
    let lo = 0;
    let hi = this.sessions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sessions[mid].closeMs > afterMs) hi = mid;
      else lo = mid + 1;
    }
    return this.sessions[lo] ?? null;
  }

  /** Warm-up, flatten and summary times of a trading day; null otherwise. */
  dayTimes(etDay: number, offsets: DayOffsets): DayTimes | null {
    const s = this.session(etDay);
    return s ? dayTimesOf(s, offsets) : null;
  }
}

function checkOffset(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name} must be an integer in 0..${max}, got ${v}`);
  return v;
}

/** The fixed points of a session's day; DST-correct because each goes through etToUtcMs. */
export function dayTimesOf(s: Session, o: DayOffsets): DayTimes {
  const warmupMinute = s.openMinute - checkOffset("warmupMinutes", o.warmupMinutes, s.openMinute);
  const flattenMinute = s.closeMinute - checkOffset("flattenMinutesBeforeClose", o.flattenMinutesBeforeClose ?? DEFAULT_FLATTEN_MINUTES_BEFORE_CLOSE, s.closeMinute - s.openMinute);
  const summaryMinute = s.closeMinute + checkOffset("summaryMinutesAfterClose", o.summaryMinutesAfterClose ?? DEFAULT_SUMMARY_MINUTES_AFTER_CLOSE, 1439 - s.closeMinute);
  return {
    warmupMinute,
    warmupMs: etToUtcMs(s.etDay, warmupMinute),
    flattenMinute,
    flattenMs: etToUtcMs(s.etDay, flattenMinute),
    summaryMinute,
    summaryMs: etToUtcMs(s.etDay, summaryMinute),
  };
}

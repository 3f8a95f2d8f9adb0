import { describe, expect, it } from "vitest";
import { isoToEtDay } from "../../src/core/ny-time.ts";
import { SessionCalendar } from "../../src/daemon/session-calendar.ts";

// Alpaca's answer for Thanksgiving week 2024, extra fields as the API sends them.
const THANKSGIVING_WEEK = [
  { date: "2024-11-25", open: "09:30", close: "16:00", session_open: "0400", session_close: "2000", settlement_date: "2024-11-26" },
  { date: "2024-11-26", open: "09:30", close: "16:00" },
  { date: "2024-11-27", open: "09:30", close: "16:00" },
  { date: "2024-11-29", open: "09:30", close: "13:00" },
  { date: "2024-12-02", open: "09:30", close: "16:00" },
];
const utc = (iso: string): number => Date.parse(iso);
const day = isoToEtDay;

describe("SessionCalendar", () => {
  const cal = SessionCalendar.fromAlpaca(THANKSGIVING_WEEK);

  it("knows trading days, holidays and weekends", () => {
    expect(cal.isTradingDay(day("2024-11-27"))).toBe(true);
    expect(cal.isTradingDay(day("2024-11-28"))).toBe(false);
    expect(cal.isTradingDay(day("2024-11-30"))).toBe(false);
    expect(cal.session(day("2024-11-28"))).toBeNull();
    expect(cal.covers(day("2024-11-28"))).toBe(true);
    expect(cal.covers(day("2024-12-03"))).toBe(false);
  });

  it("gives a regular session in UTC instants and ET minutes", () => {
    expect(cal.session(day("2024-11-27"))).toEqual({
      etDay: day("2024-11-27"),
      openMinute: 570,
      closeMinute: 960,
      openMs: utc("2024-11-27T14:30:00Z"),
      closeMs: utc("2024-11-27T21:00:00Z"),
    });
  });

  it("moves flatten and summary with a half day's early close", () => {
    expect(cal.dayTimes(day("2024-11-29"), { warmupMinutes: 30 })).toEqual({
      warmupMinute: 540,
      warmupMs: utc("2024-11-29T14:00:00Z"),
      flattenMinute: 775,
      flattenMs: utc("2024-11-29T17:55:00Z"),
      summaryMinute: 785,
      summaryMs: utc("2024-11-29T18:05:00Z"),
    });
    expect(cal.dayTimes(day("2024-11-27"), { warmupMinutes: 45 })).toMatchObject({
      warmupMs: utc("2024-11-27T13:45:00Z"),
      flattenMs: utc("2024-11-27T20:55:00Z"),
      summaryMs: utc("2024-11-27T21:05:00Z"),
    });
    expect(cal.dayTimes(day("2024-11-29"), { warmupMinutes: 60, flattenMinutesBeforeClose: 15, summaryMinutesAfterClose: 30 })).toMatchObject({
      warmupMs: utc("2024-11-29T13:30:00Z"),
      flattenMs: utc("2024-11-29T17:45:00Z"),
      summaryMs: utc("2024-11-29T18:30:00Z"),
    });
    expect(cal.dayTimes(day("2024-11-28"), { warmupMinutes: 30 })).toBeNull();
    expect(() => cal.dayTimes(day("2024-11-29"), { warmupMinutes: 30, flattenMinutesBeforeClose: 300 })).toThrow(/flattenMinutesBeforeClose must be an integer in 0..210/);
  });

  it("converts across both DST switches", () => {
    const dst = SessionCalendar.fromAlpaca(
      ["2024-03-08", "2024-03-11", "2024-11-01", "2024-11-04"].map((date) => ({ date, open: "09:30", close: "16:00" })),
      { from: "2024-03-01", to: "2024-11-30" },
    );
    const times = (iso: string): [number, number] => {
      const t = dst.dayTimes(day(iso), { warmupMinutes: 30 });
      if (!t) throw new Error(`no session on ${iso}`);
      return [t.flattenMs, t.summaryMs];
    };
    expect(times("2024-03-08")).toEqual([utc("2024-03-08T20:55:00Z"), utc("2024-03-08T21:05:00Z")]);
    expect(times("2024-03-11")).toEqual([utc("2024-03-11T19:55:00Z"), utc("2024-03-11T20:05:00Z")]);
    expect(times("2024-11-01")).toEqual([utc("2024-11-01T19:55:00Z"), utc("2024-11-01T20:05:00Z")]);
    expect(times("2024-11-04")).toEqual([utc("2024-11-04T20:55:00Z"), utc("2024-11-04T21:05:00Z")]);
    expect(dst.session(day("2024-03-11"))?.openMs).toBe(utc("2024-03-11T13:30:00Z"));
    expect(dst.session(day("2024-11-04"))?.openMs).toBe(utc("2024-11-04T14:30:00Z"));
    expect(dst.covers(day("2024-03-01"))).toBe(true);
  });

  it("nextSession is the session in progress, else the next to open", () => {
    const at = (iso: string): number | undefined => cal.nextSession(utc(iso))?.etDay;
    expect(at("2024-11-27T03:00:00Z")).toBe(day("2024-11-27")); // 22:00 ET the night before
    expect(at("2024-11-27T18:00:00Z")).toBe(day("2024-11-27")); // mid-session
    expect(at("2024-11-27T21:00:00Z")).toBe(day("2024-11-29")); // at the close: over, skip Thanksgiving
    expect(at("2024-11-29T18:30:00Z")).toBe(day("2024-12-02")); // after the early close
    expect(at("2024-12-02T21:00:00Z")).toBeUndefined();
  });

  it("rejects bad entries naming the entry", () => {
    const bad = (entry: object): (() => SessionCalendar) => () => SessionCalendar.fromAlpaca([THANKSGIVING_WEEK[0], entry]);
    expect(bad({ date: "2024-11-26", open: "9:30", close: "16:00" })).toThrow(/calendar entry 1 \(2024-11-26\): open: want HH:MM/);
    expect(bad({ date: "2024-11-26", open: "09:30", close: "09:00" })).toThrow(/entry 1 \(2024-11-26\): close: close must be after open/);
    expect(bad({ date: "2024-02-30", open: "09:30", close: "16:00" })).toThrow(/entry 1 \(2024-02-30\): date: not a calendar date/);
    expect(bad({ date: "2024-13-45", open: "09:30", close: "16:00" })).toThrow(/entry 1 \(2024-13-45\): date: not a calendar date/);
    expect(bad({ open: "09:30", close: "16:00" })).toThrow(/calendar entry 1: date:/);
    expect(bad({ date: "2024-11-25", open: "09:30", close: "16:00" })).toThrow(/2024-11-25 is listed twice/);
    expect(() => SessionCalendar.fromAlpaca({ date: "2024-11-26" })).toThrow(/want an array/);
    expect(() => SessionCalendar.fromAlpaca([])).toThrow(/no trading days/);
    expect(() => SessionCalendar.fromAlpaca(THANKSGIVING_WEEK, { from: "2024-11-26" })).toThrow(/outside the requested range/);
  });

  it("an empty answer over a requested range is a covered stretch of holidays", () => {
    const closed = SessionCalendar.fromAlpaca([], { from: "2024-12-25", to: "2024-12-25" });
    expect(closed.covers(day("2024-12-25"))).toBe(true);
    expect(closed.isTradingDay(day("2024-12-25"))).toBe(false);
    expect(closed.nextSession(0)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { SessionDay, brokerSessions, type SessionLookup } from "../../src/core/market-calendar.ts";
import { isoToEtDay } from "../../src/core/ny-time.ts";
import { SessionCalendar } from "../../src/daemon/session-calendar.ts";

const view = (s: SessionDay): number[] => [s.openMinute, s.closeMinute, s.flattenMinute];

describe("SessionDay: one day's session as the engine and the simulated broker read it", () => {
  it("follows the calendar's close: the flatten sits the same distance before 16:00 and before a 13:00 half-day close", () => {
    const s = new SessionDay(5);
    expect(view(s.at(isoToEtDay("2024-11-27")))).toEqual([570, 960, 955]);
    expect(view(s.at(isoToEtDay("2024-11-29")))).toEqual([570, 780, 775]);
    expect(view(s.at(isoToEtDay("2024-12-24")))).toEqual([570, 780, 775]);
    expect(view(s.at(isoToEtDay("2024-07-03")))).toEqual([570, 780, 775]);
    expect([s.trading, s.inSession(569), s.inSession(570), s.inSession(779), s.inSession(780)]).toEqual([true, false, true, true, false]);
  });

  it("has no session on a holiday or a weekend: no minute is inside it", () => {
    const s = new SessionDay(5);
    for (const iso of ["2024-11-28", "2024-12-25", "2024-11-30"]) {
      s.at(isoToEtDay(iso));
      expect(s.trading).toBe(false);
      expect(s.inSession(600)).toBe(false);
    }
  });

  it("clamps the flatten offset to the session, and reads an injected broker calendar instead of the rules", () => {
    expect(new SessionDay(600).at(isoToEtDay("2024-11-29")).flattenMinute).toBe(570);
    expect(new SessionDay(-10).at(isoToEtDay("2024-11-27")).flattenMinute).toBe(960);
    // A broker calendar that closes a day the rules do not know (an unscheduled closure) wins.
    const broker: SessionLookup = (d) => (d === isoToEtDay("2024-11-27") ? null : { openMinute: 570, closeMinute: 960 });
    expect(new SessionDay(5, broker).at(isoToEtDay("2024-11-27")).trading).toBe(false);
  });

  it("brokerSessions: the broker's calendar inside its range, the rules outside it", () => {
    const from = isoToEtDay("2024-11-25");
    const to = isoToEtDay("2024-11-29");
    const calendar = {
      covers: (d: number) => d >= from && d <= to,
      // The broker closes 2024-11-27 (say, a national day of mourning) and keeps 11-29 a half day.
      session: (d: number) => (d === isoToEtDay("2024-11-27") || d === isoToEtDay("2024-11-28") ? null : d === to ? { openMinute: 570, closeMinute: 780 } : { openMinute: 570, closeMinute: 960 }),
    };
    const s = new SessionDay(5, brokerSessions(calendar));
    expect(s.at(isoToEtDay("2024-11-27")).trading).toBe(false);
    expect(view(s.at(to))).toEqual([570, 780, 775]);
    // Past the fetched range: the rules (2024-12-24 is a half day, 2024-12-25 a holiday).
    expect(view(s.at(isoToEtDay("2024-12-24")))).toEqual([570, 780, 775]);
    expect(s.at(isoToEtDay("2024-12-25")).trading).toBe(false);
  });

  it("takes the daemon's SessionCalendar (Alpaca GET /v2/calendar) as it is", () => {
    const days = ["2024-11-25", "2024-11-26", "2024-11-27"].map((date) => ({ date, open: "09:30", close: "16:00" }));
    const cal = SessionCalendar.fromAlpaca([...days, { date: "2024-11-29", open: "09:30", close: "13:00" }], { from: "2024-11-25", to: "2024-11-29" });
    const s = new SessionDay(5, brokerSessions(cal));
    expect(view(s.at(isoToEtDay("2024-11-29")))).toEqual([570, 780, 775]);
    expect(s.at(isoToEtDay("2024-11-28")).trading).toBe(false);
  });
});

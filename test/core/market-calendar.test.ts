import { describe, expect, it } from "vitest";
import { closedReason, dayOfWeek, easterSunday, isOpenAt, isTradingDay, minuteToHhmm, nextCloseMs, nextOpenMs, nextSession, sessionOf } from "../../src/core/market-calendar.ts";
import { etDayToIso, etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";

/** Weekdays of a year on which the market does not trade, and its 13:00 closes, as ISO dates. */
function yearView(year: number): { closed: string[]; early: string[]; tradingDays: number } {
  const closed: string[] = [];
  const early: string[] = [];
  let tradingDays = 0;
  for (let d = isoToEtDay(`${year}-01-01`); d <= isoToEtDay(`${year}-12-31`); d++) {
    const s = sessionOf(d);
    if (s) tradingDays++;
    if (!s && dayOfWeek(d) !== 0 && dayOfWeek(d) !== 6) closed.push(etDayToIso(d));
    if (s?.closeMinute === 780) early.push(etDayToIso(d));
  }
  return { closed, early, tradingDays };
}

// NYSE's published holiday and early-close calendars.
const PUBLISHED: Record<number, { closed: string[]; early: string[] }> = {
  2022: {
    closed: ["2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20", "2022-07-04", "2022-09-05", "2022-11-24", "2022-12-26"],
    early: ["2022-11-25"],
  },
  2023: {
    closed: ["2023-01-02", "2023-01-16", "2023-02-20", "2023-04-07", "2023-05-29", "2023-06-19", "2023-07-04", "2023-09-04", "2023-11-23", "2023-12-25"],
    early: ["2023-07-03", "2023-11-24"],
  },
  2024: {
    closed: ["2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25"],
    early: ["2024-07-03", "2024-11-29", "2024-12-24"],
  },
  2025: {
    closed: ["2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25"],
    early: ["2025-07-03", "2025-11-28", "2025-12-24"],
  },
  2026: {
    closed: ["2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"],
    early: ["2026-11-27", "2026-12-24"],
  },
  2027: {
    closed: ["2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24"],
    early: ["2027-11-26"],
  },
};

const day = isoToEtDay;

describe("market calendar (NYSE)", () => {
  for (const [year, want] of Object.entries(PUBLISHED)) {
    it(`closes exactly on the published holidays of ${year}, early at 13:00 on the published days`, () => {
      const got = yearView(Number(year));
      expect(got.closed).toEqual(want.closed);
      expect(got.early).toEqual(want.early);
    });
  }

  it("counts the published number of trading days", () => {
    expect([2022, 2023, 2024, 2025].map((y) => yearView(y).tradingDays)).toEqual([251, 250, 252, 250]);
  });

  it("names the reason for the closures the brief calls out", () => {
    expect(closedReason(day("2024-03-29"))).toBe("Good Friday");
    expect(closedReason(day("2025-01-09"))).toBe("National Day of Mourning (Jimmy Carter)");
    expect(closedReason(day("2022-06-20"))).toBe("Juneteenth");
    expect(closedReason(day("2021-06-18"))).toBeNull(); // Juneteenth is a holiday from 2022 on only
    expect(closedReason(day("2024-01-06"))).toBe("Saturday");
    expect(closedReason(day("2024-01-07"))).toBe("Sunday");
  });

  it("keeps the Friday before a Saturday New Year's Day open, but moves other Saturday holidays to Friday", () => {
    expect(isTradingDay(day("2021-12-31"))).toBe(true);
    expect(isTradingDay(day("2022-01-03"))).toBe(true);
    expect(sessionOf(day("2021-12-31"))).toEqual({ openMinute: 570, closeMinute: 960 });
    expect(closedReason(day("2020-07-03"))).toBe("Independence Day"); // July 4, 2020 was a Saturday
    expect(closedReason(day("2021-12-24"))).toBe("Christmas Day"); // Christmas 2021 was a Saturday
    expect(closedReason(day("2017-01-02"))).toBe("New Year's Day"); // Sunday -> Monday
  });

  it("has sessions of 09:30-16:00, 09:30-13:00 on early-close days, none on closed days", () => {
    expect(sessionOf(day("2024-07-02"))).toEqual({ openMinute: 570, closeMinute: 960 });
    expect(sessionOf(day("2024-07-03"))).toEqual({ openMinute: 570, closeMinute: 780 });
    expect(sessionOf(day("2024-07-04"))).toBeNull();
    expect(sessionOf(day("2024-12-24"))).toEqual({ openMinute: 570, closeMinute: 780 });
    expect(sessionOf(day("2024-11-29"))).toEqual({ openMinute: 570, closeMinute: 780 });
  });

  it("finds the next session across weekends and holidays", () => {
    expect(etDayToIso(nextSession(day("2024-03-28")).etDay)).toBe("2024-04-01"); // over Good Friday and a weekend
    expect(nextSession(day("2024-12-23"))).toEqual({ etDay: day("2024-12-24"), openMinute: 570, closeMinute: 780 });
    expect(etDayToIso(nextSession(day("2025-01-08")).etDay)).toBe("2025-01-10");
    expect(etDayToIso(nextSession(day("2001-09-10")).etDay)).toBe("2001-09-17");
  });

  it("gives the next open and close, and whether the session is in progress, at an instant", () => {
    const at = (iso: string, hhmm: string): number => etToUtcMs(day(iso), Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));
    const show = (ms: number): string => new Date(ms).toISOString();
    // Before the bell, during, at the close, of an early-close day before a holiday.
    expect(nextOpenMs(at("2024-07-03", "09:29"))).toBe(at("2024-07-03", "09:30"));
    expect(nextCloseMs(at("2024-07-03", "09:29"))).toBe(at("2024-07-03", "13:00"));
    expect(isOpenAt(at("2024-07-03", "09:29"))).toBe(false);
    expect(isOpenAt(at("2024-07-03", "09:30"))).toBe(true);
    expect(isOpenAt(at("2024-07-03", "12:59"))).toBe(true);
    expect(isOpenAt(at("2024-07-03", "13:00"))).toBe(false);
    expect(show(nextCloseMs(at("2024-07-03", "13:00")))).toBe(show(at("2024-07-05", "16:00")));
    expect(show(nextOpenMs(at("2024-07-03", "10:00")))).toBe(show(at("2024-07-05", "09:30")));
    // On a holiday and across a DST change (2024-03-10): the next session is Monday's.
    expect(show(nextCloseMs(at("2024-03-29", "11:00")))).toBe("2024-04-01T20:00:00.000Z");
    expect(show(nextOpenMs(at("2024-03-08", "16:00")))).toBe("2024-03-11T13:30:00.000Z");
    expect(minuteToHhmm(780)).toBe("13:00");
  });

  it("computes Easter Sunday", () => {
    const easter = (y: number): string => etDayToIso(easterSunday(y));
    expect([2000, 2008, 2019, 2024, 2025, 2038, 2285].map(easter)).toEqual([
      "2000-04-23", "2008-03-23", "2019-04-21", "2024-03-31", "2025-04-20", "2038-04-25", "2285-03-22",
    ]);
  });

  it("has 246-253 trading days in every year 2000-2030 (2001 lost four days to 9/11)", () => {
    for (let y = 2000; y <= 2030; y++) {
      const { tradingDays } = yearView(y);
      expect(tradingDays, String(y)).toBeGreaterThanOrEqual(246);
      expect(tradingDays, String(y)).toBeLessThanOrEqual(253);
    }
  });
});

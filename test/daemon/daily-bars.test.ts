import { describe, expect, it } from "vitest";
import type { FeedBar } from "../../src/broker/port.ts";
import { sessionOf } from "../../src/core/market-calendar.ts";
import { etToUtcMs, NyTime } from "../../src/core/ny-time.ts";
import { DAILY_GRACE_MS, DailyBars } from "../../src/daemon/daily-bars.ts";

/**
 * One final daily bar per symbol and session, after the close (issue 14, item 3). Alpaca's `d`
 * runs during the session ("emitted right after each minute mark after the market opens ...
 * all trades until the time they were emitted"), so only the one that arrives at or after the
 * close is the session's bar; without it the session is closed from what arrived.
 */

const ny = new NyTime();
const DAY = ny.etDay(Date.parse("2024-01-05T12:00:00Z")); // Friday
const at = (etDay: number, hhmm: string): number => etToUtcMs(etDay, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));
const T = at(DAY, "00:00");
const CLOSE = at(DAY, "16:00");
const MON = ny.etDay(Date.parse("2024-01-08T12:00:00Z"));

function bar(symbol: string, tMs: number, o: number, h: number, l: number, c: number, v = 100): FeedBar {
  return { symbol, tMs, open: o, high: h, low: l, close: c, volume: v };
}

function gate(symbols = ["SPY"]): { d: DailyBars; finals: FeedBar[] } {
  const finals: FeedBar[] = [];
  const d = new DailyBars({ symbols, sessions: () => sessionOf, onFinal: (b) => finals.push(b) });
  return { d, finals };
}

describe("DailyBars", () => {
  it("a running d during the session is not final; the one at the close is, once, with Alpaca's own timestamp", () => {
    const { d, finals } = gate();
    d.daily(bar("SPY", T, 100, 101, 99, 100.5), at(DAY, "10:00"));
    d.daily(bar("SPY", T, 100, 103, 99, 102), at(DAY, "15:00"));
    expect(finals).toEqual([]);
    d.daily(bar("SPY", T, 100, 104, 98, 103), CLOSE);
    expect(finals).toEqual([bar("SPY", T, 100, 104, 98, 103)]);
    // A repeat after the close (a resubscribe, a replay overlap) changes nothing.
    d.daily(bar("SPY", T, 100, 104, 98, 103), CLOSE + 5000);
    d.advance(CLOSE + 10 * DAILY_GRACE_MS);
    expect(finals).toHaveLength(1);
    expect(d.repeats).toBe(1);
  });

  it("no d after the close: closed a grace after it from the last running d and the minutes after it", () => {
    const { d, finals } = gate();
    d.minute(bar("SPY", at(DAY, "09:30"), 100, 101, 99.5, 100.8, 10));
    d.daily(bar("SPY", T, 100, 101, 99.5, 100.8, 10), at(DAY, "09:31") + 50);
    d.minute(bar("SPY", at(DAY, "09:31"), 100.8, 105, 100.7, 104, 20));
    d.minute(bar("SPY", at(DAY, "15:59"), 104, 104.5, 97, 98, 30));
    d.advance(CLOSE);
    expect(finals).toEqual([]);
    d.advance(CLOSE + DAILY_GRACE_MS);
    expect(finals).toEqual([bar("SPY", T, 100, 105, 97, 98, 60)]);
  });

  it("no d at all: the regular session's minute bars consolidated; pre- and after-market minutes left out", () => {
    const { d, finals } = gate();
    d.minute(bar("SPY", at(DAY, "08:00"), 90, 200, 1, 90, 999));
    d.minute(bar("SPY", at(DAY, "09:30"), 100, 101, 99, 100, 10));
    d.minute(bar("SPY", at(DAY, "12:00"), 100, 102, 98, 101, 10));
    d.minute(bar("SPY", at(DAY, "16:30"), 90, 200, 1, 90, 999));
    // The next session's first bar closes Friday's (the daemon advances before each bar).
    d.advance(at(MON, "09:30"));
    expect(finals).toEqual([bar("SPY", T, 100, 102, 98, 101, 20)]);
  });

  it("a daily bar dated a day without a session (a Saturday) is not a session's bar", () => {
    const { d, finals } = gate();
    const sat = ny.etDay(Date.parse("2024-01-06T12:00:00Z"));
    d.daily(bar("SPY", at(sat, "00:00"), 50, 50, 50, 50), at(sat, "18:00"));
    d.advance(at(MON, "09:30"));
    expect(finals).toEqual([]);
  });

  it("a d for a later session closes the one before it first; symbols of other strategies are ignored", () => {
    const { d, finals } = gate();
    d.daily(bar("SPY", T, 1, 2, 0.5, 1.5), at(DAY, "12:00"));
    d.daily(bar("QQQ", T, 1, 2, 0.5, 1.5), CLOSE);
    d.daily(bar("SPY", at(MON, "00:00"), 2, 3, 1, 2.5), at(MON, "16:00"));
    expect(finals.map((b) => [b.symbol, b.tMs])).toEqual([["SPY", T], ["SPY", at(MON, "00:00")]]);
  });
});

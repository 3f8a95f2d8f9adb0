import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.ts";
import { parseConfig } from "../../src/config/load.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import type { Config } from "../../src/config/schema.ts";
import type { Fill } from "../../src/core/types.ts";
import { NyTime, etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { decline, flat, sessionBatch, type Ohlcv } from "./scenario.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";

// Early closes (13:00) from the calendar: entries end and positions flatten at 12:55, the bars
// from 13:00 on are post-market, and nothing fills after the close (SPEC 5; issue 13 item 5).

const ny = new NyTime();
const HALF_DAYS = ["2024-11-29", "2024-12-24"] as const;
/** A full session the week of each half day, for the same bars under a 16:00 close. */
const FULL_DAY = "2024-11-27";

/** 60 bars falling 10.00 -> 8.30 (-17%), then the reclaim bar (breaks 8.27 to 8.15, closes 8.30). */
const selloff = (): Ohlcv[] => [...decline(10, 8.3, 60), [8.26, 8.32, 8.15, 8.3, 3000]];

/** New York minute of day of an instant. */
const etMinute = (ms: number): number => ny.etMinute(ms);

function run(day: string, startMinute: number, bars: Ohlcv[], config: Config = parseConfig({})) {
  const fills: Fill[] = [];
  const rejected: string[] = [];
  const engine = new Engine({
    config,
    symbols: ["TRAP"],
    strategy: createBearTrap(strategyParams(config, "bear-trap")),
    sizer: createSizer({ sizing: config.sizing, risk: config.risk }),
    events: { fill: (f) => fills.push(f), rejected: (_s, why) => rejected.push(why) },
  });
  engine.runBatch(sessionBatch(day, startMinute, bars));
  return { res: engine.finish(), fills, rejected };
}

describe("sessions from the calendar", () => {
  it.each(HALF_DAYS)("%s: no entry is decided at or after 12:55 (the strategy alone would enter until 15:55)", (day) => {
    // The reclaim bar is the 12:56 bar (its close at 12:57); post-market bars follow to 13:30.
    const bars = [...selloff(), ...flat(8.3, 34)];
    const half = run(day, 776 - 60, bars, parseConfig({ strategy: { regularHoursOnly: false } }));
    expect(half.res.signals).toBe(1);
    expect(half.res.trades).toHaveLength(0);
    expect(half.fills).toHaveLength(0);
    expect(half.rejected).toEqual(["no entries from 12:55 (the session closes at 13:00)"]);
    // The same bars on a full day enter at the reclaim close: the half day's refusal is the calendar's.
    const full = run(FULL_DAY, 776 - 60, bars);
    expect(full.res.trades).toHaveLength(1);
    expect(full.res.trades[0].entryTimeMs).toBe(etToUtcMs(isoToEtDay(FULL_DAY), 777));
  });

  it.each(HALF_DAYS)("%s: a position is flattened by 12:55 and nothing fills after 13:00", (day) => {
    // Reclaim on the 12:30 bar, entry at its close (12:31); the 30-minute time stop would be 13:01.
    const bars = [...selloff(), ...flat(8.3, 60)];
    for (const regularHoursOnly of [true, false]) {
      const { res, fills } = run(day, 750 - 60, bars, parseConfig({ strategy: { regularHoursOnly } }));
      expect(res.trades).toHaveLength(1);
      const t = res.trades[0];
      expect(etMinute(t.entryTimeMs)).toBe(751);
      expect(t.exitReason).toBe("eod");
      expect(etMinute(t.exitTimeMs)).toBeLessThanOrEqual(775);
      expect(ny.etDay(t.exitTimeMs)).toBe(isoToEtDay(day));
      for (const f of fills) expect(etMinute(f.timeMs)).toBeLessThanOrEqual(780);
    }
  });

  it("the contrast: on a full day the same bars run past 12:55 to the time stop at 13:01", () => {
    const { res } = run(FULL_DAY, 750 - 60, [...selloff(), ...flat(8.3, 60)]);
    expect(res.trades).toHaveLength(1);
    expect(res.trades[0].exitReason).toBe("time_stop");
    expect(etMinute(res.trades[0].exitTimeMs)).toBe(781);
  });

  it("post-market bars of a half day are not regular hours: they feed nothing when regularHoursOnly", () => {
    // 09:30 to 15:59 on 2024-11-29: 210 session bars, 180 post-market.
    const { res } = run("2024-11-29", 570, flat(8.3, 390));
    expect(res.barsUsed).toBe(210);
    expect(res.marketMs).toBe(210 * 60_000);
  });

  it("a holiday has no session: its bars are ignored, extended hours or not", () => {
    const bars = [...selloff(), ...flat(8.3, 40)];
    for (const regularHoursOnly of [true, false]) {
      const { res } = run("2024-11-28", 630, bars, parseConfig({ strategy: { regularHoursOnly } }));
      expect([res.barsUsed, res.signals, res.trades.length, res.daily.length, res.marketMs]).toEqual([0, 0, 0, 0, 0]);
    }
    // The same bars the day before enter: the holiday's silence is the calendar's.
    expect(run("2024-11-27", 630, bars).res.trades).toHaveLength(1);
  });

  it("an earlier flattenAt keeps its distance from the close: 15:30 flattens at 12:30 on a half day", () => {
    const { res } = run("2024-11-29", 720 - 60, [...selloff(), ...flat(8.3, 60)], parseConfig({ strategy: { flattenAt: "15:30" } }));
    expect(res.trades).toHaveLength(1);
    expect(res.trades[0].exitReason).toBe("eod");
    expect(etMinute(res.trades[0].exitTimeMs)).toBe(750);
  });
});

describe("sessions from the calendar on generated bars (extended hours, holidays included)", () => {
  const HALF = new Set(HALF_DAYS.map(isoToEtDay));
  const HOLIDAYS = new Set(["2024-11-28", "2024-12-25"].map(isoToEtDay));
  // Generated weekdays 2024-11-25 .. 2024-12-27: two half days, two holidays the generator does not skip.
  const series = generateSeries({ seed: 11, symbols: 40, days: 25, startDay: "2024-11-25", extendedHours: true, selloffProb: 0.5, trapProb: 0.9 });

  it.each([true, false])("regularHoursOnly %s: nothing is entered from 12:55, held past 12:55 or filled from 13:00 on a half day; nothing on a holiday", (regularHoursOnly) => {
    // No trade limit, so the afternoon trades too (a fixed 16:00 would enter and hold after 12:55).
    const config = parseConfig({ strategy: { minDayChangePct: -5, regularHoursOnly }, risk: { maxTradesPerDay: 1000, dailyLossLimitPct: 100 } });
    const fills: Fill[] = [];
    const res = run2(config, (f) => fills.push(f));
    const halfDayTrades = res.trades.filter((t) => HALF.has(ny.etDay(t.entryTimeMs)));
    // The scenario must trade on the half days, or it proves nothing.
    expect(halfDayTrades.length).toBeGreaterThan(2);
    for (const t of halfDayTrades) {
      expect(etMinute(t.entryTimeMs)).toBeLessThanOrEqual(775);
      expect(etMinute(t.exitTimeMs)).toBeLessThanOrEqual(775);
      expect(ny.etDay(t.exitTimeMs)).toBe(ny.etDay(t.entryTimeMs));
    }
    for (const f of fills) {
      const day = ny.etDay(f.timeMs);
      expect(HOLIDAYS.has(day)).toBe(false);
      if (HALF.has(day)) expect(etMinute(f.timeMs)).toBeLessThanOrEqual(780);
    }
    expect(res.daily.map((d) => d.day)).not.toContain("2024-11-28");
  });

  function run2(config: Config, onFill: (f: Fill) => void) {
    const engine = new Engine({
      config,
      symbols: series.map((s) => s.symbol),
      strategy: createBearTrap(strategyParams(config, "bear-trap")),
      sizer: createSizer({ sizing: config.sizing, risk: config.risk }),
      events: { fill: onFill },
    });
    const src = seriesSource(series);
    for (let b = src.nextBatch(); b !== null; b = src.nextBatch()) engine.runBatch(b);
    return engine.finish();
  }
});

import { describe, expect, it } from "vitest";
import type { BarView } from "../../src/core/bars.ts";
import { createBarView } from "../../src/core/bars.ts";
import type { SymbolSnapshot } from "../../src/core/snapshot.ts";
import { Adx } from "../../src/indicators/adx.ts";
import { Atr } from "../../src/indicators/atr.ts";
import { AtrPercentile } from "../../src/indicators/atr-percentile.ts";
import { DayChange } from "../../src/indicators/day-change.ts";
import { SymbolIndicators } from "../../src/indicators/indicator-set.ts";
import { SessionStats } from "../../src/indicators/session-stats.ts";
import { TrendStrength } from "../../src/indicators/trend-strength.ts";
import { VolumeAverage } from "../../src/indicators/volume-average.ts";
import { randomBars } from "./bars.ts";

const nan = (x: number | null): number => (x === null ? Number.NaN : x);

type Row = Omit<SymbolSnapshot, "symbol" | "atrRatio">;

function snapshot(s: SymbolSnapshot): Row {
  return {
    etDay: s.etDay,
    sessionBars: s.sessionBars,
    sessionOpen: s.sessionOpen,
    sessionHigh: s.sessionHigh,
    sessionLow: s.sessionLow,
    priorSessionLow: s.priorSessionLow,
    dayChangePct: s.dayChangePct,
    atr: s.atr,
    volumeAvg: s.volumeAvg,
    atrPercentile: s.atrPercentile,
    trendStrength: s.trendStrength,
    adx: s.adx,
  };
}

/** The same values from standalone indicators, each fed separately. */
function expected(bars: readonly BarView[], o: { atr: number; vol: number; win: number; trend: number; adx: number }): Row[] {
  const session = new SessionStats();
  const day = new DayChange();
  const atr = new Atr(o.atr);
  const pct = new AtrPercentile({ window: o.win, atrPeriod: o.atr });
  const vol = new VolumeAverage(o.vol);
  const trend = new TrendStrength(o.trend);
  const adx = new Adx(o.adx);
  return bars.map((b) => {
    session.update(b);
    return {
      etDay: session.etDay,
      sessionBars: session.bars,
      sessionOpen: session.open,
      sessionHigh: session.high,
      sessionLow: session.low,
      priorSessionLow: session.priorLow,
      dayChangePct: nan(day.update(b)),
      atr: nan(atr.update(b)),
      volumeAvg: nan(vol.update(b)),
      atrPercentile: nan(pct.update(b)),
      trendStrength: nan(trend.update(b)),
      adx: nan(adx.update(b)),
    };
  });
}

describe("SymbolIndicators", () => {
  const bars = randomBars(11, 3);

  it("exposes every indicator's value as a plain field, NaN while warming up", () => {
    const set = new SymbolIndicators("ABC");
    const before = snapshot(set);
    expect(before.etDay).toBe(-1);
    expect(Object.values(before).slice(2).every(Number.isNaN)).toBe(true);
    const view = createBarView();
    const got = bars.map((b) => {
      Object.assign(view, b);
      set.update(view);
      return snapshot(set);
    });
    expect(got).toEqual(expected(bars, { atr: 14, vol: 20, win: 390, trend: 20, adx: 14 }));
    expect(got[0].priorSessionLow).toBeNaN();
    expect(got[13].atr).toBeGreaterThan(0);
    expect(got[12].atr).toBeNaN();
    expect(Object.values(got[400]).every(Number.isFinite)).toBe(true);
  });

  it("honours custom periods and reset()", () => {
    const o = { atrPeriod: 5, volumeAvgPeriod: 3, atrPercentileWindow: 60, trendWindow: 4, adxPeriod: 6 };
    const set = new SymbolIndicators("ABC", o);
    const run = (): Row[] =>
      bars.map((b) => {
        set.update(b);
        return snapshot(set);
      });
    const first = run();
    expect(first).toEqual(expected(bars, { atr: 5, vol: 3, win: 60, trend: 4, adx: 6 }));
    set.reset();
    expect(snapshot(set).etDay).toBe(-1);
    expect(run()).toEqual(first);
  });

  it("satisfies SymbolSnapshot: every value readable as a number (NaN before any bar, etDay -1)", () => {
    const set = new SymbolIndicators("XYZ");
    const row = snapshot(set);
    for (const [k, v] of Object.entries(row)) expect(typeof v, k).toBe("number");
    expect(row.etDay).toBe(-1);
    expect(row.sessionBars).toBe(0);
    expect(row.atr).toBeNaN();
    expect(set.symbol).toBe("XYZ");
  });
});

describe("SymbolIndicators.atrRatio", () => {
  it("is the latest ATR over the mean of the ATR window, NaN until the window has enough samples", () => {
    const bars = randomBars(500, 3);
    const s = new SymbolIndicators("X", { atrPercentileWindow: 100, atrPercentileMinSamples: 30 });
    const atr = new Atr(14);
    const hist: number[] = [];
    for (const b of bars) {
      s.update(b);
      const a = atr.update(b);
      if (a !== null) hist.push(a);
      const win = hist.slice(-100);
      if (win.length < 30) expect(s.atrRatio).toBeNaN();
      else expect(s.atrRatio).toBeCloseTo(win[win.length - 1] / (win.reduce((x, y) => x + y, 0) / win.length), 9);
    }
  });
});

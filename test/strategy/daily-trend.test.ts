import { describe, expect, it } from "vitest";
import { createBarView, type BarView } from "../../src/core/bars.ts";
import type { SymbolSnapshot } from "../../src/core/snapshot.ts";
import { SeededRng } from "../../src/core/rng.ts";
import { Rsi } from "../../src/indicators/rsi.ts";
import { bandFor, dailyTrend, DAILY_TREND_TABLE, RSI_EXIT, type DailyTrendState } from "../../strategies/daily-trend.ts";

const DAY_MS = 86_400_000;

function snap(symbol = "SPY", atr = NaN): SymbolSnapshot {
  return {
    symbol, etDay: 0, sessionBars: 1, sessionOpen: NaN, sessionHigh: NaN, sessionLow: NaN, priorSessionLow: NaN,
    dayChangePct: NaN, atr, volumeAvg: NaN, atrPercentile: NaN, atrRatio: NaN, trendStrength: NaN, adx: NaN,
  };
}

/** A trending random walk of daily closes: long runs up and down so RSI visits both bands often. */
function closes(seed: number, n: number): number[] {
  const rng = new SeededRng(seed);
  const out: number[] = [];
  let p = 100;
  let drift = 0;
  for (let i = 0; i < n; i++) {
    if (i % 40 === 0) drift = (rng.next() - 0.5) * 0.02;
    p *= 1 + drift + rng.normal() * 0.01;
    out.push(Math.round(p * 100) / 100);
  }
  return out;
}

interface Calls {
  entries: number[];
  exits: number[];
}

/** Runs the strategy over closes the way the engine would: exitSignal while "in", onBar while flat. */
function run(cs: readonly number[], symbol = "SPY", bothEachBar = false): Calls {
  const s = dailyTrend.create(dailyTrend.params.parse({}));
  const st = s.createState(symbol);
  const v = createBarView();
  const out: Calls = { entries: [], exits: [] };
  let inPos = false;
  cs.forEach((c, i) => {
    Object.assign(v, { tMs: (20_000 + i) * DAY_MS, etDay: 20_000 + i, etMinute: 0, open: c, high: c, low: c, close: c });
    if (inPos || bothEachBar) {
      const r = s.exitSignal!(st, snap(symbol), v);
      if (inPos && r === RSI_EXIT) {
        out.exits.push(i);
        inPos = false;
        return;
      }
    }
    const sig = s.onBar(st, snap(symbol), v);
    if (sig && !inPos) {
      out.entries.push(i);
      inPos = true;
    }
  });
  return out;
}

/** The same decisions from the RSI series and the definition in the strategy's TSDoc. */
function expected(cs: readonly number[], period: number, upper: number, lower: number): Calls {
  const rsi = new Rsi(period);
  const out: Calls = { entries: [], exits: [] };
  let prev = NaN;
  let inPos = false;
  cs.forEach((c, i) => {
    rsi.stepClose(c);
    const cur = rsi.current;
    if (!inPos && prev <= upper && cur > upper) {
      out.entries.push(i);
      inPos = true;
    } else if (inPos && prev >= lower && cur < lower) {
      out.exits.push(i);
      inPos = false;
    }
    prev = cur;
  });
  return out;
}

describe("daily-trend definition", () => {
  it("is a long-held daily strategy whose defaults carry the research's table", () => {
    expect(dailyTrend.id).toBe("daily-trend");
    expect(dailyTrend.timeframe).toBe("1Day");
    expect(dailyTrend.holding).toBe("overnight");
    const p = dailyTrend.params.parse({});
    expect(p.bySymbol).toEqual(DAILY_TREND_TABLE);
    expect(p.bySymbol.AAPL).toEqual({ period: 28, upper: 65, lower: 35 });
    expect(p.bySymbol.QQQ).toEqual({ period: 21, upper: 60, lower: 40 });
    expect(p.maxPositionPct).toBe(15);
    expect(p.frictionRoundTripBps).toBe(10);
    expect(bandFor(p, "aapl").period).toBe(28);
    expect(bandFor(p, "TSLA")).toEqual(p.default);
  });

  it("refuses bands whose upper is not above lower, and lower-case symbol keys", () => {
    expect(() => dailyTrend.params.parse({ default: { upper: 40, lower: 40 } })).toThrow(/upper must be greater than lower/);
    expect(() => dailyTrend.params.parse({ bySymbol: { AAPL: { period: 14, upper: 30, lower: 70 } } })).toThrow(/upper must be greater/);
    expect(() => dailyTrend.params.parse({ bySymbol: { aapl: {} } })).toThrow(/upper-case/);
  });

  it("has no stop, target, trail or time stop", () => {
    const s = dailyTrend.create(dailyTrend.params.parse({}));
    const plan = s.exitPlan({} as never, 100);
    expect(plan).toEqual({ stopUsd: null, targets: [], stopMoveAfter: null, trailBars: 0, timeStopMinutes: null });
  });
});

describe("daily-trend decisions", () => {
  it("enters on a cross above upper and exits only on a cross below lower (hysteresis)", () => {
    for (const seed of [1, 2, 3]) {
      const cs = closes(seed, 900);
      const got = run(cs);
      expect(got).toEqual(expected(cs, 21, 58, 42));
      expect(got.entries.length).toBeGreaterThan(2);
      // The hysteresis is exercised: some position lived through RSI back below upper without exiting.
      const rsi = new Rsi(21);
      const series = cs.map((c) => (rsi.stepClose(c), rsi.current));
      const dipped = got.entries.some((e, k) => {
        const end = got.exits[k] ?? cs.length;
        return series.slice(e + 1, end).some((r) => r < 58 && r > 42);
      });
      expect(dipped).toBe(true);
    }
  });

  it("uses each symbol's own period and bands", () => {
    const cs = closes(4, 900);
    expect(run(cs, "AAPL")).toEqual(expected(cs, 28, 65, 35));
    expect(run(cs, "QQQ")).toEqual(expected(cs, 21, 60, 40));
  });

  it("takes each bar once, whether the engine calls exitSignal, onBar or both on it", () => {
    const cs = closes(5, 600);
    expect(run(cs, "SPY", true)).toEqual(run(cs, "SPY", false));
  });

  it("signals with no stop, NaN day change, and its RSI numbers in detail", () => {
    const cs = closes(6, 600);
    const s = dailyTrend.create(dailyTrend.params.parse({}));
    const st: DailyTrendState = s.createState("NVDA");
    const v: BarView = createBarView();
    let sig = null;
    for (let i = 0; i < cs.length && !sig; i++) {
      Object.assign(v, { symId: 3, tMs: (20_000 + i) * DAY_MS, etDay: 20_000 + i, close: cs[i] });
      sig = s.onBar(st, snap("NVDA", 2.5), v);
    }
    expect(sig).not.toBeNull();
    const raw = sig as unknown as Record<string, unknown>;
    expect(raw.stopPriceUsd).toBeNull();
    expect(raw.strategyId).toBe("daily-trend");
    expect(raw.symbol).toBe("NVDA");
    expect(raw.symId).toBe(3);
    expect(raw.refPriceUsd).toBe(v.close);
    expect(raw.atrUsd).toBe(2.5);
    expect(Number.isNaN(raw.dayChangePct)).toBe(true);
    const detail = raw.detail as Record<string, number>;
    expect(detail).toMatchObject({ upper: 58, lower: 42, period: 28 });
    expect(detail.rsi).toBeGreaterThan(58);
    expect(detail.rsi).toBe(st.rsi.current);
  });

  it("never signals before the RSI has a previous value; a repeated bar does not move the RSI", () => {
    const s = dailyTrend.create(dailyTrend.params.parse({ default: { period: 2, upper: 50, lower: 40 } }));
    const st = s.createState("ZZZ");
    const v = createBarView();
    const feed = (i: number, c: number) => s.onBar(st, snap("ZZZ"), Object.assign(v, { tMs: i * DAY_MS, close: c }));
    // First RSI (bar 2) is 100 > 50 but has no previous value: not a cross.
    expect([feed(1, 10), feed(2, 11), feed(3, 12)]).toEqual([null, null, null]);
    feed(4, 8); // RSI falls well below 50
    expect(feed(5, 12)).not.toBeNull(); // crosses back above
    const rsi = st.rsi.current;
    // The same bar again (exitSignal then onBar) is not taken twice: same RSI, same answer.
    expect(feed(5, 12)).not.toBeNull();
    expect(st.rsi.current).toBe(rsi);
    expect(feed(6, 13)).toBeNull(); // still above: no new cross
  });
});

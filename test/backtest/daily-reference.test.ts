import { describe, expect, it } from "vitest";
import type { BarSeries } from "../../src/core/bars.ts";
import { createBarView } from "../../src/core/bars.ts";
import { isTradingDay } from "../../src/core/market-calendar.ts";
import { SeededRng } from "../../src/core/rng.ts";
import { dropClosedDays, runBuyAndHold, runDailyReference, type ReferenceRun } from "../../src/backtest/daily-reference.ts";
import { dailyReturns, returnStats, runFigures } from "../../src/backtest/daily-figures.ts";
import { adjustSplits, matchSplit } from "../../src/data/splits.ts";
import { studyDailyTrend } from "../../src/backtest/daily-study.ts";
import { dailyTrend, RSI_EXIT } from "../../strategies/daily-trend.ts";

const DAY_MS = 86_400_000;
/** 2024-01-02, a Tuesday and a session. */
const FIRST = 19_724;

/** Trading days from FIRST on (the market calendar's sessions). */
function sessions(n: number, from = FIRST): number[] {
  const out: number[] = [];
  for (let d = from; out.length < n; d++) if (isTradingDay(d)) out.push(d);
  return out;
}

/** Daily bars stamped 00:00Z of their session, from (open, close) pairs. */
function series(symbol: string, oc: readonly (readonly [number, number])[], days = sessions(oc.length), volume = 1e6): BarSeries {
  const n = oc.length;
  const f = (g: (i: number) => number): Float64Array => Float64Array.from({ length: n }, (_, i) => g(i));
  return {
    symbol, length: n, tMs: f((i) => days[i] * DAY_MS), open: f((i) => oc[i][0]), close: f((i) => oc[i][1]),
    high: f((i) => Math.max(oc[i][0], oc[i][1])), low: f((i) => Math.min(oc[i][0], oc[i][1])), volume: f(() => volume),
  };
}

/** A trending random walk (open = previous close x small gap), so RSI crosses both bands often. */
function walk(symbol: string, seed: number, n: number): BarSeries {
  const rng = new SeededRng(seed);
  const oc: [number, number][] = [];
  let p = 50 + seed;
  let drift = 0;
  for (let i = 0; i < n; i++) {
    if (i % 35 === 0) drift = (rng.next() - 0.5) * 0.02;
    const o = Math.round(p * (1 + rng.normal() * 0.003) * 100) / 100;
    p = Math.max(1, o * (1 + drift + rng.normal() * 0.012));
    oc.push([o, Math.round(p * 100) / 100]);
  }
  return series(symbol, oc);
}

const ONE = { initialEquityUsd: 10_000, sideCostBps: 5, weight: 1, maxPositionPct: 100 };

describe("reference daily backtest: the rules worked by hand", () => {
  // Period 2, upper 60, lower 40. Closes 10, 11, 12 -> first RSI 100 (no previous: no cross);
  // 9 -> changes +1, -3: avgGain (1 x 1 + 0)/2 = 0.5, avgLoss (0 + 3)/2 = 1.5 -> RSI 25;
  // 13 -> avgGain (0.5 + 4)/2 = 2.25, avgLoss 0.75 -> RSI 75: crosses above 60 -> enter at next open;
  // 14 -> RSI > 60; 9.5 -> avgGain (2.625 x 1 + 0)/2..., falls below 40 -> exit at next open.
  const oc: [number, number][] = [[10, 10], [10.5, 11], [11.5, 12], [9.5, 9], [12, 13], [13.2, 14], [13, 9.5], [9.4, 9.6], [9.7, 9.8]];
  const s = series("ABC", oc);
  const run = runDailyReference([{ series: s, period: 2, upper: 60, lower: 40 }], ONE);
  const days = sessions(oc.length);

  it("decides at the close and fills at the next session's open, with 5 bps a side", () => {
    expect(run.decisions.map((d) => [d.action, d.day])).toEqual([["enter", days[4]], ["exit", days[6]]]);
    expect(run.decisions[0].rsi).toBeCloseTo(75, 12);
    expect(run.trades).toHaveLength(1);
    const t = run.trades[0];
    expect(t.entryDay).toBe(days[5]);
    expect(t.entryPx).toBeCloseTo(13.2 * 1.0005, 12);
    // Sized at the decision close: floor(10000 / 13) = 769 shares; cash 10000 pays for 757 at 13.2066.
    expect(t.qty).toBe(Math.floor(10_000 / (13.2 * 1.0005)));
    expect(t.exitDay).toBe(days[7]);
    expect(t.exitPx).toBeCloseTo(9.4 * 0.9995, 12);
    expect(t.pnlUsd).toBeCloseTo(t.qty * (9.4 * 0.9995 - 13.2 * 1.0005), 9);
    expect(t.holdingDays).toBe(2);
    expect(t.open).toBe(false);
    // Flat again: equity is cash, the initial equity plus the trade's P/L.
    expect(run.equity.at(-1)).toBeCloseTo(10_000 + t.pnlUsd, 9);
    // Marked to market at each close while held.
    const cash = 10_000 - t.qty * t.entryPx;
    expect(run.equity[5]).toBeCloseTo(cash + t.qty * 14, 9);
    expect(run.equity[6]).toBeCloseTo(cash + t.qty * 9.5, 9);
  });

  it("caps an entry at maxPositionPct of equity and never spends more cash than it has", () => {
    const capped = runDailyReference([{ series: s, period: 2, upper: 60, lower: 40 }], { ...ONE, maxPositionPct: 15 });
    expect(capped.trades[0].qty).toBe(Math.floor((0.15 * 10_000) / 13));
    for (const r of [run, capped]) for (const t of r.trades) expect(t.qty * t.entryPx).toBeLessThanOrEqual(10_000);
  });

  it("skips and counts bars of days the market is closed", () => {
    // days[3] is Friday 2024-01-05: a stray Saturday bar after it, far from the price, must not count.
    const withSat = series("ABC", [...oc.slice(0, 4), [30, 30], ...oc.slice(4)], [...days.slice(0, 4), days[3] + 1, ...days.slice(4)]);
    expect(new Date((days[3] + 1) * DAY_MS).getUTCDay()).toBe(6);
    const r = runDailyReference([{ series: withSat, period: 2, upper: 60, lower: 40 }], ONE);
    expect(r.skippedBars).toBe(1);
    expect(r.trades).toEqual(run.trades);
    // The same filter, for feeding the engine the bars the reference uses.
    const dropped = dropClosedDays(withSat);
    expect(dropped.dropped).toBe(1);
    expect(Array.from(dropped.series.close)).toEqual(Array.from(s.close));
    expect(dropClosedDays(s).series).toBe(s);
  });
});

describe("reference daily backtest: portfolio", () => {
  const syms = ["AAA", "BBB", "CCC", "DDD"].map((s, k) => walk(s, k + 1, 700));
  const inputs = syms.map((s) => ({ series: s, period: 14, upper: 58, lower: 42 }));
  const opts = { initialEquityUsd: 100_000, sideCostBps: 5, weight: 1 / 4, maxPositionPct: 15 };

  it("never looks ahead: changing bars after day k leaves decisions and equity up to k unchanged", () => {
    const base = runDailyReference(inputs, opts);
    const k = 400;
    const kDay = base.days[k];
    const altered = inputs.map((x) => {
      const s = x.series;
      const close = Float64Array.from(s.close, (c, i) => (i > k ? c * (1 + ((i * 7) % 5) * 0.05) : c));
      const open = Float64Array.from(s.open, (c, i) => (i > k ? c * 0.8 : c));
      return { ...x, series: { ...s, close, open, high: Float64Array.from(close, (c, i) => Math.max(c, open[i])), low: Float64Array.from(close, (c, i) => Math.min(c, open[i])) } };
    });
    const other = runDailyReference(altered, opts);
    const upTo = (r: ReferenceRun) => r.decisions.filter((d) => d.day <= kDay);
    expect(upTo(base).length).toBeGreaterThan(5);
    expect(upTo(other)).toEqual(upTo(base));
    expect(other.equity.slice(0, k + 1)).toEqual(base.equity.slice(0, k + 1));
    expect(other.decisions).not.toEqual(base.decisions);
  });

  it("agrees with the strategy module's own decisions (onBar / exitSignal) symbol by symbol", () => {
    const strat = dailyTrend.create(dailyTrend.params.parse({ default: { period: 14, upper: 58, lower: 42 }, bySymbol: {} }));
    for (const s of syms) {
      const ref = runDailyReference([{ series: s, period: 14, upper: 58, lower: 42 }], { ...ONE, initialEquityUsd: 1e9 });
      expect(ref.refusedEntries).toBe(0);
      const st = strat.createState(s.symbol);
      const v = createBarView();
      const got: [string, number][] = [];
      let inPos = false;
      for (let i = 0; i < s.length; i++) {
        Object.assign(v, { tMs: s.tMs[i], etDay: s.tMs[i] / DAY_MS, open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i] });
        const snap = { symbol: s.symbol, atr: NaN } as never;
        if (inPos && strat.exitSignal!(st, snap, v) === RSI_EXIT) {
          got.push(["exit", v.etDay]);
          inPos = false;
        } else if (!inPos && strat.onBar(st, snap, v)) {
          got.push(["enter", v.etDay]);
          inPos = true;
        }
      }
      expect(got).toEqual(ref.decisions.map((d) => [d.action, d.day]));
      expect(got.length).toBeGreaterThan(4);
    }
  });

  it("keeps every position within the cap at entry and cash never negative", () => {
    const r = runDailyReference(inputs, opts);
    expect(r.trades.length).toBeGreaterThan(10);
    for (const d of r.decisions.filter((x) => x.action === "enter")) {
      const i = r.days.indexOf(d.day);
      const s = syms.find((x) => x.symbol === d.symbol)!;
      const bar = s.tMs.indexOf(d.day * DAY_MS);
      expect(d.qty * s.close[bar]).toBeLessThanOrEqual(0.15 * r.equity[i] + 1e-6);
    }
    for (let i = 0; i < r.days.length; i++) expect(r.equity[i] * (1 - r.exposure[i])).toBeGreaterThanOrEqual(-1e-6);
  });

  it("buy and hold buys each symbol's share at its first open and marks it at each close", () => {
    const bh = runBuyAndHold(syms, { initialEquityUsd: 100_000, sideCostBps: 5, weight: 1 / 4 });
    const qty = syms.map((s) => Math.floor(25_000 / (s.open[0] * 1.0005)));
    const cash = 100_000 - syms.reduce((a, s, k) => a + qty[k] * s.open[0] * 1.0005, 0);
    const last = syms.length - 1;
    expect(bh.trades.map((t) => t.qty)).toEqual(qty);
    expect(bh.equity.at(-1)).toBeCloseTo(cash + syms.reduce((a, s, k) => a + qty[k] * s.close[s.length - 1], 0), 6);
    expect(bh.exposure[0]).toBeGreaterThan(0.99);
    expect(last).toBe(3);
  });
});

describe("figures", () => {
  it("total return, CAGR, drawdown and Sharpe of daily returns, worked by hand", () => {
    const s = returnStats([0.1, -0.5, 1]);
    expect(s.total).toBeCloseTo((1.1 * 0.5 * 2 - 1) * 100, 12);
    expect(s.maxDd).toBeCloseTo(50, 12);
    const mean = (0.1 - 0.5 + 1) / 3;
    const sd = Math.sqrt(((0.1 - mean) ** 2 + (-0.5 - mean) ** 2 + (1 - mean) ** 2) / 2);
    expect(s.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(252), 12);
    expect(s.cagr).toBeCloseTo((1.1 ** (252 / 3) - 1) * 100, 6);
    expect(dailyReturns({ initialEquityUsd: 100, equity: [110, 55] })).toEqual([0.1 - 0, -0.5].map((x, i) => (i === 0 ? 110 / 100 - 1 : x)));
  });

  it("bootstrap intervals bracket the figure and repeat with the same seed", () => {
    const syms = ["AAA", "BBB"].map((s, k) => walk(s, k + 5, 600));
    const run = runDailyReference(syms.map((s) => ({ series: s, period: 14, upper: 58, lower: 42 })), { initialEquityUsd: 100_000, sideCostBps: 5, weight: 0.5, maxPositionPct: 50 });
    const o = { resamples: 200, level: 0.9, seed: 3 };
    const a = runFigures(run, o);
    expect(a).toEqual(runFigures(run, o));
    for (const f of [a.sharpe, a.cagrPct, a.totalReturnPct, a.maxDrawdownPct]) {
      expect(f.lo).toBeLessThanOrEqual(f.hi);
      expect(Number.isFinite(f.value)).toBe(true);
    }
    expect(a.trades).toBe(run.trades.filter((t) => !t.open).length);
    expect(a.timeInMarketPct).toBeGreaterThan(0);
  });
});

describe("split adjustment of raw daily bars", () => {
  it("finds a 4:1 split (gap and volume) and puts earlier bars in new shares", () => {
    const oc: [number, number][] = [[400, 404], [404, 500], [500, 501.1], [128, 129.33], [129, 130]];
    const s = series("AAPL", oc);
    const vol = Float64Array.from([1e6, 1e6, 1e6, 4.5e6, 4e6]);
    const { series: adj, splits } = adjustSplits({ ...s, volume: vol });
    expect(splits).toHaveLength(1);
    expect(splits[0].ratio).toBe(4);
    expect(splits[0].tMs).toBe(s.tMs[3]);
    expect(Array.from(adj.close)).toEqual([101, 125, 125.275, 129.33, 130]);
    expect(adj.volume[0]).toBe(4e6);
  });

  it("does not take a crash without a volume surge, or a small gap, for a split", () => {
    expect(matchSplit(100, 50, 1.1e6, 1e6)).toBe(0); // a 50% gap down on ordinary volume
    expect(matchSplit(100, 80, 5e6, 1e6)).toBe(0); // 1.25: no integer ratio
    expect(matchSplit(100, 50, 3e6, 1e6)).toBe(2);
    expect(matchSplit(5, 100, 0.06e6, 1e6)).toBe(1 / 20); // 1:20 reverse split, volume falls
    const flat = series("X", [[10, 10], [10, 10]]);
    expect(adjustSplits(flat).series).toBe(flat);
  });

  it("the study adjusts splits, so a split is not a crash in the figures", () => {
    const oc: [number, number][] = Array.from({ length: 80 }, (_, i) => [100 + i, 100 + i] as [number, number]);
    const raw = series("NVDA", oc.map(([o, c], i) => (i >= 40 ? [o / 10, c / 10] : [o, c])));
    const volume = Float64Array.from({ length: 80 }, (_, i) => (i >= 40 ? 1e7 : 1e6));
    const p = dailyTrend.params.parse({});
    const o = { initialEquityUsd: 10_000, bootstrap: { resamples: 100, level: 0.9, seed: 1 }, adjustSplits: true };
    const st = studyDailyTrend([{ ...raw, volume }], p, o);
    expect(st.splits.map((x) => x.ratio)).toEqual([10]);
    expect(st.benchmark.maxDrawdownPct.value).toBeLessThan(1);
    expect(studyDailyTrend([{ ...raw, volume }], p, { ...o, adjustSplits: false }).benchmark.maxDrawdownPct.value).toBeGreaterThan(80);
  });
});

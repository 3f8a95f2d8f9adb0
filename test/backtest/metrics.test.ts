import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CAGR_CAP_PCT,
  PROFIT_FACTOR_CAP,
  computeMetrics,
  type DailyEquityPoint,
  type Metrics,
  type MetricsInput,
  type TradeOutcome,
} from "../../src/backtest/metrics.ts";

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
const SQRT252 = Math.sqrt(252);

function days(equities: readonly number[]): DailyEquityPoint[] {
  // Day labels only need to be distinct and ordered; metrics never parse them.
  return equities.map((equityUsd, i) => ({ day: new Date(Date.UTC(2024, 0, 2 + i)).toISOString().slice(0, 10), equityUsd }));
}

function trades(pnls: readonly number[], rs?: readonly number[]): TradeOutcome[] {
  return pnls.map((pnlUsd, i) => ({ pnlUsd, rMultiple: rs ? rs[i] : pnlUsd / 100, entryTimeMs: i * 1000, exitTimeMs: i * 1000 + 500 }));
}

function input(over: Partial<MetricsInput>): MetricsInput {
  return { initialEquityUsd: 100, daily: [], trades: [], exposedMs: 0, marketMs: 0, startMs: 0, endMs: YEAR_MS, ...over };
}

function expectAllFinite(m: Metrics): void {
  for (const [k, v] of Object.entries(m)) {
    expect(Number.isFinite(v), `${k} = ${v}`).toBe(true);
  }
}

const EPS = 1e-9;

describe("computeMetrics: hand-computed examples", () => {
  it("measures a 3-day series over exactly one year", () => {
    // Returns: +10 %, -10 %, 99 -> 121 = +22/99.
    const m = computeMetrics(
      input({
        initialEquityUsd: 100,
        daily: days([110, 99, 121]),
        trades: trades([50, -20, 30, -10, 0], [2.5, -1, 1.5, -0.5, 0]),
        exposedMs: 1,
        marketMs: 4,
        startMs: 1_000,
        endMs: 1_000 + YEAR_MS,
      }),
    );
    expect(m.totalReturnPct).toBeCloseTo(21, 9);
    expect(m.cagrPct).toBeCloseTo(21, 9);
    expect(m.maxDrawdownPct).toBeCloseTo(10, 9);
    expect(m.mar).toBeCloseTo(2.1, 9);
    // mean = 2/27; deviations 7/270, -47/270, 40/270 -> sample var = 3858/72900/2, std = sqrt(1929)/270.
    expect(m.sharpe).toBeCloseTo((20 / Math.sqrt(1929)) * SQRT252, 9);
    // Only the -10 % day is downside, over all 3 days.
    expect(m.sortino).toBeCloseTo((2 / 27 / Math.sqrt(0.01 / 3)) * SQRT252, 9);
    expect(m.winRate).toBeCloseTo(0.4, 12);
    expect(m.profitFactor).toBeCloseTo(80 / 30, 12);
    expect(m.expectancyR).toBeCloseTo(0.5, 12);
    // mean 10; squared deviations 1600 + 900 + 400 + 400 + 100 = 3400 over n - 1 = 4.
    expect(m.pnlStd).toBeCloseTo(Math.sqrt(850), 9);
    expect(m.worstTrade).toBe(-20);
    expect(m.worst10).toBeCloseTo(50, 12);
    expect(m.exposurePct).toBeCloseTo(25, 12);
    expect(m.trades).toBe(5);
  });

  it("measures a losing series over two years", () => {
    const m = computeMetrics(
      input({
        initialEquityUsd: 1000,
        daily: days([900, 800, 720]),
        trades: trades([-100, -100, -80]),
        startMs: 0,
        endMs: 2 * YEAR_MS,
      }),
    );
    const cagr = (Math.sqrt(0.72) - 1) * 100;
    expect(m.totalReturnPct).toBeCloseTo(-28, 9);
    expect(Math.abs(m.cagrPct - cagr)).toBeLessThan(EPS);
    expect(m.maxDrawdownPct).toBeCloseTo(28, 9);
    expect(Math.abs(m.mar - cagr / 28)).toBeLessThan(EPS);
    const r = [-0.1, -1 / 9, -0.1];
    const mean = (r[0] + r[1] + r[2]) / 3;
    const std = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
    const down = Math.sqrt(r.reduce((s, x) => s + x * x, 0) / 3);
    expect(Math.abs(m.sharpe - (mean / std) * SQRT252)).toBeLessThan(EPS);
    expect(Math.abs(m.sortino - (mean / down) * SQRT252)).toBeLessThan(EPS);
    expect(m.sharpe).toBeLessThan(0);
    expect(m.winRate).toBe(0);
    expect(m.profitFactor).toBe(0);
    expect(m.worstTrade).toBe(-100);
    expect(m.worst10).toBeCloseTo(-280, 12);
    expect(m.expectancyR).toBeCloseTo(-2.8 / 3, 12);
  });

  it("takes the deepest of several drawdowns, measured from the running peak", () => {
    // 120 -> 90 is -25 %; 130 -> 104 is -20 %; then a new high.
    const m = computeMetrics(input({ initialEquityUsd: 100, daily: days([120, 90, 130, 104, 140]) }));
    expect(m.maxDrawdownPct).toBeCloseTo(25, 9);
    expect(m.totalReturnPct).toBeCloseTo(40, 9);
  });

  it("counts a fall from the initial equity as drawdown", () => {
    const m = computeMetrics(input({ initialEquityUsd: 200, daily: days([150, 180]) }));
    expect(m.maxDrawdownPct).toBeCloseTo(25, 9);
  });

  it("matches a direct Sharpe/Sortino formula on a 20-day series", () => {
    const initial = 50_000;
    const eq: number[] = [];
    let e = initial;
    for (let i = 0; i < 20; i++) {
      e *= 1 + 0.01 * Math.sin(i * 1.7) + 0.002;
      eq.push(e);
    }
    const m = computeMetrics(input({ initialEquityUsd: initial, daily: days(eq) }));
    const r = eq.map((x, i) => x / (i === 0 ? initial : eq[i - 1]) - 1);
    const n = r.length;
    const mean = r.reduce((s, x) => s + x, 0) / n;
    const std = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    const down = Math.sqrt(r.reduce((s, x) => s + Math.min(x, 0) ** 2, 0) / n);
    expect(Math.abs(m.sharpe - (mean / std) * SQRT252)).toBeLessThan(EPS);
    expect(Math.abs(m.sortino - (mean / down) * SQRT252)).toBeLessThan(EPS);
  });
});

describe("computeMetrics: degenerate inputs stay finite", () => {
  it("reports zeros with no trades and no days", () => {
    const m = computeMetrics(input({}));
    expectAllFinite(m);
    expect(m).toEqual({
      totalReturnPct: 0,
      cagrPct: 0,
      sharpe: 0,
      sortino: 0,
      maxDrawdownPct: 0,
      mar: 0,
      winRate: 0,
      profitFactor: 0,
      expectancyR: 0,
      pnlStd: 0,
      worstTrade: 0,
      worst10: 0,
      exposurePct: 0,
      trades: 0,
      avgRiskUsd: 0,
      netR: 0,
      edgeR: 0,
      pnlStdR: 0,
      worst10R: 0,
    });
  });

  it("handles the engine's 'no bars' times (NaN span, zero market time)", () => {
    const m = computeMetrics(input({ startMs: NaN, endMs: NaN, exposedMs: 0, marketMs: 0 }));
    expectAllFinite(m);
    expect(m.cagrPct).toBe(0);
    expect(m.exposurePct).toBe(0);
  });

  it("gives Sharpe and Sortino 0 for a single day, but still the return and drawdown", () => {
    const m = computeMetrics(input({ initialEquityUsd: 100, daily: days([95]), trades: trades([-5]) }));
    expectAllFinite(m);
    expect(m.sharpe).toBe(0);
    expect(m.sortino).toBe(0);
    expect(m.totalReturnPct).toBeCloseTo(-5, 9);
    expect(m.maxDrawdownPct).toBeCloseTo(5, 9);
    expect(m.pnlStd).toBe(0);
    expect(m.worst10).toBe(-5);
  });

  it("gives Sharpe 0 for a constant daily return instead of dividing by rounding noise", () => {
    const eq = [101, 102.01, 103.0301, 104.060401];
    const m = computeMetrics(input({ initialEquityUsd: 100, daily: days(eq) }));
    expect(m.sharpe).toBe(0);
    expect(m.sortino).toBe(0);
    expect(m.maxDrawdownPct).toBe(0);
    expect(m.mar).toBe(0);
  });

  it("gives Sortino 0 when no day lost, while Sharpe is positive", () => {
    const m = computeMetrics(input({ initialEquityUsd: 100, daily: days([101, 101, 103]) }));
    expect(m.sortino).toBe(0);
    expect(m.sharpe).toBeGreaterThan(0);
  });

  it("reports ruin as CAGR -100 and drawdown 100, and freezes returns after it", () => {
    const m = computeMetrics(input({ initialEquityUsd: 100, daily: days([50, 0, -20, 30]) }));
    expectAllFinite(m);
    // Equity came back above zero, so CAGR is ordinary again, but the total loss stays on record.
    expect(m.cagrPct).toBeCloseTo((0.3 - 1) * 100, 9);
    expect(m.maxDrawdownPct).toBe(100);
    const ruined = computeMetrics(input({ initialEquityUsd: 100, daily: days([50, 0, -20]) }));
    expectAllFinite(ruined);
    expect(ruined.cagrPct).toBe(-100);
    expect(ruined.maxDrawdownPct).toBe(100);
    expect(ruined.totalReturnPct).toBeCloseTo(-120, 9);
    // Returns: -0.5, -1, then 0 (a day starting at 0 equity has nothing to lose).
    const r = [-0.5, -1, 0];
    const mean = -0.5;
    const std = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
    expect(ruined.sharpe).toBeCloseTo((mean / std) * SQRT252, 9);
  });

  it("does not annualise a span shorter than a day, and caps explosive short-span CAGR", () => {
    const intraday = computeMetrics(input({ daily: days([110]), startMs: 0, endMs: DAY_MS - 1 }));
    expect(intraday.cagrPct).toBe(0);
    const twoDays5 = computeMetrics(input({ daily: days([100, 105]), startMs: 0, endMs: 2 * DAY_MS }));
    expect(twoDays5.cagrPct / 100).toBeCloseTo(Math.pow(1.05, 365.25 / 2) - 1, 6);
    const twoDays10 = computeMetrics(input({ daily: days([100, 110]), startMs: 0, endMs: 2 * DAY_MS }));
    expect(twoDays10.cagrPct).toBe(CAGR_CAP_PCT);
    const oneDay1000x = computeMetrics(input({ daily: days([100_000]), startMs: 0, endMs: DAY_MS }));
    expectAllFinite(oneDay1000x);
    expect(oneDay1000x.cagrPct).toBe(CAGR_CAP_PCT);
  });

  it("keeps the profit factor finite: capped, and the cap when nothing was lost", () => {
    expect(computeMetrics(input({ trades: trades([10, 20]) })).profitFactor).toBe(PROFIT_FACTOR_CAP);
    expect(computeMetrics(input({ trades: trades([0, 0]) })).profitFactor).toBe(0);
    expect(computeMetrics(input({ trades: trades([1e6, -1]) })).profitFactor).toBe(PROFIT_FACTOR_CAP);
    expect(computeMetrics(input({ trades: trades([3, -1, 0]) })).profitFactor).toBeCloseTo(3, 12);
  });

  it("sums only the 10 worst trades", () => {
    const pnls = [5, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, 40];
    const m = computeMetrics(input({ trades: trades(pnls) }));
    expect(m.worst10).toBe(-(2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11));
    expect(m.worstTrade).toBe(-11);
  });

  it("rejects non-finite figures and a non-positive initial equity rather than averaging them away", () => {
    expect(() => computeMetrics(input({ initialEquityUsd: 0 }))).toThrow(RangeError);
    expect(() => computeMetrics(input({ initialEquityUsd: NaN }))).toThrow(RangeError);
    expect(() => computeMetrics(input({ daily: days([100, NaN]) }))).toThrow(/daily\[1\]/);
    expect(() => computeMetrics(input({ trades: trades([1, Infinity]) }))).toThrow(/pnlUsd/);
    expect(() => computeMetrics(input({ trades: trades([1], [NaN]) }))).toThrow(/rMultiple/);
  });
});

// Cents, as the engine produces them; this keeps day-over-day ratios within double range.
const usd = (min: number, max: number): fc.Arbitrary<number> =>
  fc.integer({ min: Math.round(min * 100), max: Math.round(max * 100) }).map((c) => c / 100);
const maybeNaNMs = fc.oneof(fc.constant(NaN), fc.double({ min: 0, max: 4e12, noNaN: true }));
const tradeArb = fc.record({
  pnlUsd: usd(-1e6, 1e6),
  rMultiple: fc.double({ min: -50, max: 50, noNaN: true }),
  entryTimeMs: fc.constant(0),
  exitTimeMs: fc.constant(1),
});
const inputArb: fc.Arbitrary<MetricsInput> = fc.record({
  initialEquityUsd: usd(0.01, 1e7),
  daily: fc.array(usd(-1e7, 1e7), { maxLength: 60 }).map(days),
  trades: fc.array(tradeArb, { maxLength: 40 }),
  exposedMs: maybeNaNMs,
  marketMs: maybeNaNMs,
  startMs: maybeNaNMs,
  endMs: maybeNaNMs,
});

describe("computeMetrics: properties", () => {
  it("returns finite figures within their documented ranges", () => {
    fc.assert(
      fc.property(inputArb, (inp) => {
        const m = computeMetrics(inp);
        expectAllFinite(m);
        expect(m.maxDrawdownPct).toBeGreaterThanOrEqual(0);
        expect(m.maxDrawdownPct).toBeLessThanOrEqual(100);
        expect(m.winRate).toBeGreaterThanOrEqual(0);
        expect(m.winRate).toBeLessThanOrEqual(1);
        expect(m.profitFactor).toBeGreaterThanOrEqual(0);
        expect(m.profitFactor).toBeLessThanOrEqual(PROFIT_FACTOR_CAP);
        expect(m.cagrPct).toBeGreaterThanOrEqual(-100);
        expect(m.cagrPct).toBeLessThanOrEqual(CAGR_CAP_PCT);
        expect(m.pnlStd).toBeGreaterThanOrEqual(0);
        expect(m.trades).toBe(inp.trades.length);
      }),
      { numRuns: 500 },
    );
  });

  it("matches brute-force drawdown, total return, worst trade and worst 10", () => {
    fc.assert(
      fc.property(inputArb, (inp) => {
        const m = computeMetrics(inp);
        const s = [inp.initialEquityUsd, ...inp.daily.map((d) => d.equityUsd)];
        let dd = 0;
        for (let i = 0; i < s.length; i++) {
          for (let j = i + 1; j < s.length; j++) {
            if (s[i] > 0) dd = Math.max(dd, s[j] <= 0 ? 1 : (s[i] - s[j]) / s[i]);
          }
        }
        expect(m.maxDrawdownPct).toBeCloseTo(dd * 100, 9);
        expect(m.totalReturnPct).toBeCloseTo((s[s.length - 1] / s[0] - 1) * 100, 6);
        const sorted = inp.trades.map((t) => t.pnlUsd).sort((a, b) => a - b);
        const w10 = sorted.slice(0, 10);
        expect(m.worstTrade).toBe(sorted.length > 0 ? sorted[0] : 0);
        expect(m.worst10).toBeCloseTo(w10.reduce((a, b) => a + b, 0), 6);
        if (w10.length > 0 && w10.every((x) => x < 0)) {
          expect(m.worst10).toBeLessThan(0);
          expect(m.worst10).toBeLessThanOrEqual(m.worstTrade);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("has Sharpe and Sortino independent of account size", () => {
    fc.assert(
      fc.property(inputArb, fc.integer({ min: -20, max: 20 }), (inp, k) => {
        // A power of two scales every equity exactly, so the returns are bit-identical.
        const c = 2 ** k;
        const a = computeMetrics(inp);
        const b = computeMetrics({ ...inp, initialEquityUsd: inp.initialEquityUsd * c, daily: inp.daily.map((d) => ({ ...d, equityUsd: d.equityUsd * c })) });
        expect(b.sharpe).toBe(a.sharpe);
        expect(b.sortino).toBe(a.sortino);
        expect(b.maxDrawdownPct).toBe(a.maxDrawdownPct);
      }),
    );
  });

  it("has Sharpe and Sortino invariant to scaling all daily returns by k > 0", () => {
    const returnsArb = fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: 2, maxLength: 60 });
    fc.assert(
      fc.property(returnsArb, fc.double({ min: 0.1, max: 10, noNaN: true }), (rs, k) => {
        const mean = rs.reduce((s, x) => s + x, 0) / rs.length;
        const std = Math.sqrt(rs.reduce((s, x) => s + (x - mean) ** 2, 0) / (rs.length - 1));
        const down = Math.sqrt(rs.reduce((s, x) => s + Math.min(x, 0) ** 2, 0) / rs.length);
        // Keep clear of the "numerically zero" cut-off, where the scaled series may fall on the other side.
        fc.pre(std > 1e-6 && down > 1e-6);
        const equity = (scale: number): number[] => {
          let e = 10_000;
          return rs.map((r) => (e *= 1 + scale * r));
        };
        const a = computeMetrics(input({ initialEquityUsd: 10_000, daily: days(equity(1)) }));
        const b = computeMetrics(input({ initialEquityUsd: 10_000, daily: days(equity(k)) }));
        // Relative: rebuilding equity from returns rounds each return by ~1e-16, and ratios reach the hundreds.
        const rel = (x: number, y: number): number => Math.abs(x - y) / Math.max(1, Math.abs(y));
        expect(rel(b.sharpe, a.sharpe)).toBeLessThan(1e-7);
        expect(rel(b.sortino, a.sortino)).toBeLessThan(1e-7);
        expect(rel(a.sharpe, (mean / std) * SQRT252)).toBeLessThan(1e-7);
      }),
    );
  });

  it("gives Sharpe the sign of the mean daily return", () => {
    fc.assert(
      fc.property(inputArb, (inp) => {
        const m = computeMetrics(inp);
        let prev = inp.initialEquityUsd;
        let sum = 0;
        for (const d of inp.daily) {
          sum += prev > 0 ? d.equityUsd / prev - 1 : 0;
          prev = d.equityUsd;
        }
        if (m.sharpe > 0) expect(sum).toBeGreaterThan(0);
        if (m.sharpe < 0) expect(sum).toBeLessThan(0);
      }),
    );
  });
});

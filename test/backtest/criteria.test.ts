import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeMetrics, type MetricsInput, type TradeOutcome } from "../../src/backtest/metrics.ts";
import { CRITERION_KEYS, criteriaVsBaseline, diffText, CRITERIA, type CriteriaInput } from "../../src/backtest/criteria.ts";

const DAY_MS = 86_400_000;

const side = (over: Partial<CriteriaInput>): CriteriaInput => ({ sharpe: 0, edgeR: 0, netR: 0, pnlStdR: 0, worst10R: 0, totalReturnPct: 0, pnlStd: 0, worst10: 0, ...over });

describe("criteria: zero and negative baselines", () => {
  it("reports an absolute difference against a zero baseline, never 0% and never a percentage", () => {
    const c = criteriaVsBaseline(side({ sharpe: 0.5, edgeR: 0.1 }), side({}));
    expect(c.sizeNeutral.sharpe).toEqual({ mode: 0.5, base: 0, improvement: 0.5, improvementPct: null });
    expect(c.sizeNeutral.edgeR.improvement).toBeCloseTo(0.1, 12);
    expect(c.sizeNeutral.edgeR.improvementPct).toBeNull();
  });

  it("reports Sharpe -0.01 -> +0.5 as +0.51, not +5,100%", () => {
    const c = criteriaVsBaseline(side({ sharpe: 0.5 }), side({ sharpe: -0.01 }));
    expect(c.sizeNeutral.sharpe.improvement).toBeCloseTo(0.51, 12);
    expect(c.sizeNeutral.sharpe.improvementPct).toBeNull();
    expect(diffText(c.sizeNeutral.sharpe, CRITERIA.sharpe)).toBe("+0.51");
  });

  it("gives a percentage only when the baseline is positive and clear of zero, and says which", () => {
    const clear = criteriaVsBaseline(side({ sharpe: 1.5, totalReturnPct: 3 }), side({ sharpe: 1, totalReturnPct: 2 }));
    expect(clear.sizeNeutral.sharpe.improvementPct).toBeCloseTo(50, 9);
    expect(diffText(clear.sizeNeutral.sharpe, CRITERIA.sharpe)).toBe("+0.50 (+50%)");
    expect(clear.dollars.returnPct.improvementPct).toBeCloseTo(50, 9);
    // Just under the rule's threshold: absolute only.
    const near = criteriaVsBaseline(side({ sharpe: 1 }), side({ sharpe: 0.49 }));
    expect(near.sizeNeutral.sharpe.improvementPct).toBeNull();
    // A negative baseline is never a percentage base, whatever its size.
    const neg = criteriaVsBaseline(side({ sharpe: -1, totalReturnPct: -1 }), side({ sharpe: -4, totalReturnPct: -3 }));
    expect(neg.sizeNeutral.sharpe).toMatchObject({ improvement: 3, improvementPct: null });
    expect(neg.dollars.returnPct).toMatchObject({ improvement: 2, improvementPct: null });
  });

  it("signs every difference so that + is better, also where lower is better", () => {
    const c = criteriaVsBaseline(side({ pnlStdR: 0.8, worst10R: -8, pnlStd: 80, worst10: -800 }), side({ pnlStdR: 1, worst10R: -10, pnlStd: 100, worst10: -1000 }));
    expect(c.sizeNeutral.pnlStdR.improvement).toBeCloseTo(0.2, 12);
    expect(c.sizeNeutral.pnlStdR.improvementPct).toBeCloseTo(20, 9);
    expect(c.sizeNeutral.worst10R).toMatchObject({ improvement: 2, improvementPct: null });
    expect(c.dollars.pnlStdUsd.improvement).toBe(20);
    expect(c.dollars.worst10Usd).toMatchObject({ improvement: 200, improvementPct: null });
  });

  it("is finite for any finite figures and 0 against itself", () => {
    const fin = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e150, max: 1e150 });
    const arb = fc.record({ sharpe: fin, edgeR: fin, netR: fin, pnlStdR: fin.map(Math.abs), worst10R: fin, totalReturnPct: fin, pnlStd: fin.map(Math.abs), worst10: fin });
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const c = criteriaVsBaseline(a, b);
        for (const d of [...Object.values(c.sizeNeutral), ...Object.values(c.dollars)]) {
          expect(Number.isFinite(d.improvement)).toBe(true);
          if (d.improvementPct !== null) expect(Number.isFinite(d.improvementPct)).toBe(true);
        }
        for (const d of Object.values(criteriaVsBaseline(a, a).sizeNeutral)) expect(d.improvement).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe("criteria: size neutrality", () => {
  /** Trades as the engine records them: entries to a stop, R = P/L over that risk. */
  const trade = (i: number, shares: number, entry: number, stop: number, exit: number): TradeOutcome => {
    const pnl = shares * (exit - entry);
    const risk = shares * (entry - stop);
    return { pnlUsd: pnl, rMultiple: pnl / risk, entryTimeMs: i * 1000, exitTimeMs: i * 1000 + 500, entries: [{ qtyShares: shares, priceUsd: entry }], initialStopUsd: stop };
  };
  const run = (ts: readonly TradeOutcome[], initial: number): MetricsInput => {
    let e = initial;
    const daily = ts.map((t, i) => ({ day: new Date(Date.UTC(2024, 0, 2 + i)).toISOString().slice(0, 10), equityUsd: (e += t.pnlUsd) }));
    return { initialEquityUsd: initial, daily, trades: ts, exposedMs: 0, marketMs: 0, startMs: 0, endMs: ts.length * DAY_MS };
  };

  it("a half-size run of the same trades has equal R criteria; only the dollar figures differ", () => {
    const arb = fc.array(fc.record({ shares: fc.integer({ min: 1, max: 500 }).map((x) => x * 2), entry: fc.double({ min: 5, max: 100, noNaN: true }), stopFrac: fc.double({ min: 0.01, max: 0.2, noNaN: true }), move: fc.double({ min: -0.3, max: 0.5, noNaN: true }) }), { minLength: 2, maxLength: 40 });
    fc.assert(
      fc.property(arb, (specs) => {
        const full = specs.map((s, i) => trade(i, s.shares, s.entry, s.entry * (1 - s.stopFrac), s.entry * (1 + s.move)));
        const half = specs.map((s, i) => trade(i, s.shares / 2, s.entry, s.entry * (1 - s.stopFrac), s.entry * (1 + s.move)));
        const mFull = computeMetrics(run(full, 1e6));
        const mHalf = computeMetrics(run(half, 1e6));
        const c = criteriaVsBaseline(mHalf, mFull);
        for (const k of ["edgeR", "netR", "pnlStdR", "worst10R"] as const) {
          expect(Math.abs(c.sizeNeutral[k].improvement), k).toBeLessThan(1e-9 * Math.max(1, Math.abs(c.sizeNeutral[k].base)));
        }
        expect(mHalf.avgRiskUsd).toBeCloseTo(mFull.avgRiskUsd / 2, 6);
        // The dollar figures do scale: a smaller size "improves" dispersion, which is why they never decide.
        if (mFull.pnlStd > 1) expect(c.dollars.pnlStdUsd.improvement).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it("equals the R-multiple statistics when every trade risks the same dollars", () => {
    const ts = [1, -1, 2, -1, 0.5].map((r, i): TradeOutcome => ({ pnlUsd: r * 200, rMultiple: r, entryTimeMs: i, exitTimeMs: i + 1, riskUsd: 200 }));
    const m = computeMetrics(run(ts, 100_000));
    expect(m.avgRiskUsd).toBe(200);
    expect(m.netR).toBeCloseTo(1.5, 12);
    expect(m.edgeR).toBeCloseTo(0.3, 12);
    expect(m.worst10R).toBeCloseTo(1.5, 12);
    expect(m.pnlStdR).toBeCloseTo(m.pnlStd / 200, 12);
  });

  it("reads the risk from R when a trade carries neither riskUsd nor entries", () => {
    const m = computeMetrics(run([{ pnlUsd: -50, rMultiple: -0.5, entryTimeMs: 0, exitTimeMs: 1 }, { pnlUsd: 0, rMultiple: 0, entryTimeMs: 2, exitTimeMs: 3 }], 1000));
    // The second trade's risk is unknowable (R 0): the mean is over the first alone.
    expect(m.avgRiskUsd).toBe(100);
    expect(m.netR).toBeCloseTo(-0.5, 12);
  });

  it("names every criterion key a plan may use", () => {
    expect([...CRITERION_KEYS]).toEqual(Object.keys(CRITERIA));
  });
});

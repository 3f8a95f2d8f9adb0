import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/load.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { MergedBars } from "../../src/data/merged-bars.ts";
import { parsePlan } from "../../src/experiments/plan.ts";
import { runExperiments } from "../../src/experiments/runner.ts";
import { analyze } from "../../src/experiments/analyze.ts";
import { experimentJson, experimentMarkdown } from "../../src/experiments/report.ts";
import type { Metrics } from "../../src/backtest/metrics.ts";
import type { VariantResult } from "../../src/experiments/run-variant.ts";

const bars = MergedBars.fromSeries(generateSeries({ seed: 3, symbols: 8, days: 30, selloffProb: 0.15 }));
const base = defaultConfig();
const plan = parsePlan({
  name: "t",
  baseline: "stopAtrMultiple=0.45",
  modes: ["fixed", "kelly", "regime_template"],
  walkforward: { trainDays: 12, testDays: 5, purgeDays: 1 },
  overrides: { "strategy.minDayChangePct": -10, "regime.minSamples": 10 },
  grid: { "strategy.stopAtrMultiple": [0.3, 0.45, 0.6, 1] },
});

describe("experiment runner", () => {
  it("gives the same results on worker threads as in one thread, in plan order", async () => {
    const serial = await runExperiments({ plan, base, bars, workers: 1 });
    const parallel = await runExperiments({ plan, base, bars, workers: 2 });
    expect(parallel.workers).toBe(2);
    expect(serial.workers).toBe(1);
    expect(parallel.results.map((r) => r.name)).toEqual(["stopAtrMultiple=0.3", "stopAtrMultiple=0.45", "stopAtrMultiple=0.6", "stopAtrMultiple=1"]);
    expect(JSON.stringify(parallel.results)).toBe(JSON.stringify(serial.results));
    expect(JSON.stringify(experimentJson(parallel, { origin: "gen", symbols: 8, days: 30 }))).toBe(JSON.stringify(experimentJson({ ...serial, workers: 2 }, { origin: "gen", symbols: 8, days: 30 })));
    const r = serial.results[0].outOfSample;
    expect(Object.keys(r.modes)).toEqual(["fixed", "kelly", "regime_template"]);
    expect(r.folds.length).toBe(4);
    // The variants differ: a stop multiple changes the trades' R and so their outcome.
    expect(new Set(serial.results.map((x) => x.outOfSample.modes.fixed!.metrics.totalReturnPct)).size).toBeGreaterThan(1);
    const md = experimentMarkdown(serial, { origin: "gen", symbols: 8, days: 30 });
    expect(md).toContain("# Experiment: t");
    expect(md).toContain("| 1 | ");
    expect(md).toContain("stopAtrMultiple=0.45 (baseline)");
  });

  it("evaluates a holdout once, for the chosen variant and the baseline, after ranking on the folds before it", async () => {
    const rep = await runExperiments({ plan, base, bars, workers: 1, folds: { holdoutFrom: "2024-02-05" } });
    const h = rep.holdout!;
    expect(h.label).toBe("HOLDOUT (evaluated once)");
    expect(h.test.from).toBe("2024-02-05");
    expect(h.chosen).toBe(rep.analysis.decision.bestBySharpe.name);
    expect(h.evaluations.map((e) => e.name)).toEqual([...new Set([h.chosen, "stopAtrMultiple=0.45"])]);
    for (const r of rep.results) for (const f of r.outOfSample.folds) expect(f.test.to < "2024-02-05").toBe(true);
  });

  it("fails before running anything when a variant's override is bad, naming the variant and the key", async () => {
    const bad = parsePlan({ name: "bad", variants: [{ name: "ok" }, { name: "typo", overrides: { "strategy.stopAtrMultipel": 1 } }] });
    await expect(runExperiments({ plan: bad, base, bars, workers: 2 })).rejects.toThrow(/variant "typo": override "strategy\.stopAtrMultipel": unknown config key/);
  });
});

describe("ranking and the decision summary", () => {
  const metrics = (sharpe: number, ret: number, trades: number, pnlStd = 100, worst10 = -1000): Metrics => ({
    totalReturnPct: ret, cagrPct: 0, sharpe, sortino: 0, maxDrawdownPct: 1, mar: 0, winRate: 0.5, profitFactor: 1, expectancyR: 0, pnlStd, worstTrade: 0, worst10, exposurePct: 0, trades,
  });
  const zero = { varianceReductionPct: 0, worst10ImprovementPct: 0, sharpeImprovementPct: 0, returnImprovementPct: 0 };
  const result = (index: number, name: string, m: Metrics): VariantResult => ({
    index,
    name,
    outOfSample: { from: "a", to: "b", days: 1, folds: [], modes: { fixed: { trades: m.trades, metrics: m, criteria: zero } } },
  });
  const results = [result(0, "base", metrics(1, 2, 40)), result(1, "better", metrics(1.5, 2.2, 40)), result(2, "steadier", metrics(0.9, 1.9, 40, 50, -500)), result(3, "worse", metrics(-1, -3, 10))];
  const variants = results.map((r) => ({ name: r.name, overrides: {} }));
  const a = analyze(variants, results, "fixed", "base");

  it("ranks by Sharpe and measures every variant against the baseline", () => {
    expect(a.ranked.map((r) => r.name)).toEqual(["better", "base", "steadier", "worse"]);
    expect(a.ranked[1].baseline).toBe(true);
    expect(a.ranked[0].vsBaseline.sharpeImprovementPct).toBeCloseTo(50);
    expect(a.ranked[0].vsBaseline.returnImprovementPct).toBeCloseTo(10);
    expect(a.ranked[2].vsBaseline.varianceReductionPct).toBeCloseTo(75);
  });

  it("says which variants beat the baseline by more than 20% and on what, and the best by Sharpe and by return", () => {
    expect(a.decision.beatBaseline).toEqual([
      { name: "better", on: [{ metric: "Sharpe", improvementPct: expect.closeTo(50) }] },
      { name: "steadier", on: [{ metric: "trade P/L variance", improvementPct: expect.closeTo(75) }, { metric: "worst-10 trades", improvementPct: expect.closeTo(50) }] },
    ]);
    expect(a.decision.bestBySharpe).toEqual({ name: "better", sharpe: 1.5 });
    expect(a.decision.bestByReturn).toEqual({ name: "better", returnPct: 2.2 });
    expect(a.decision.spread).toEqual({ variants: 4, positiveReturn: 3, sharpeMin: -1, sharpeMedian: 0.95, sharpeMax: 1.5 });
    expect(a.decision.notes.join(" ")).toMatch(/1 of 4 variants closed fewer than 30 out-of-sample trades/);
  });
});

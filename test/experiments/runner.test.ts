import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/load.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { MergedBars } from "../../src/data/merged-bars.ts";
import { parsePlan } from "../../src/experiments/plan.ts";
import { runExperiments } from "../../src/experiments/runner.ts";
import { DEFAULT_RULES, analyze, verdictRules } from "../../src/experiments/analyze.ts";
import { criteriaVsBaseline } from "../../src/backtest/criteria.ts";
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
  // A short generated series: a few trades per variant; rank them all anyway.
  minTrades: 1,
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
    expect(h.chosen).toBe(rep.analysis.decision.chosen);
    expect(h.evaluations.map((e) => e.name)).toEqual([...new Set([h.chosen, "stopAtrMultiple=0.45"])]);
    for (const r of rep.results) for (const f of r.outOfSample.folds) expect(f.test.to < "2024-02-05").toBe(true);
  });

  it("fails before running anything when a variant's override is bad, naming the variant and the key", async () => {
    const bad = parsePlan({ name: "bad", variants: [{ name: "ok" }, { name: "typo", overrides: { "strategy.stopAtrMultipel": 1 } }] });
    await expect(runExperiments({ plan: bad, base, bars, workers: 2 })).rejects.toThrow(/variant "typo": override "strategy\.stopAtrMultipel": unknown config key/);
  });
});

describe("ranking and the decision summary", () => {
  interface Fig { sharpe: number; ret: number; trades: number; edgeR?: number; pnlStdR?: number; worst10R?: number; pnlStd?: number; worst10?: number }
  const metrics = (f: Fig): Metrics => ({
    totalReturnPct: f.ret, cagrPct: 0, sharpe: f.sharpe, sortino: 0, maxDrawdownPct: 1, mar: 0, winRate: 0.5, profitFactor: 1, expectancyR: 0, pnlStd: f.pnlStd ?? 100, worstTrade: 0, worst10: f.worst10 ?? -1000, exposurePct: 0, trades: f.trades,
    avgRiskUsd: 100, netR: (f.edgeR ?? 0) * f.trades, edgeR: f.edgeR ?? 0, pnlStdR: f.pnlStdR ?? 1, worst10R: f.worst10R ?? -10,
  });
  const zero = criteriaVsBaseline(metrics({ sharpe: 0, ret: 0, trades: 0 }), metrics({ sharpe: 0, ret: 0, trades: 0 }));
  const result = (index: number, name: string, m: Metrics): VariantResult => ({
    index,
    name,
    outOfSample: { from: "a", to: "b", days: 1, folds: [], modes: { fixed: { trades: m.trades, metrics: m, criteria: zero } } },
  });
  const run = (rows: [string, Fig][], rules = DEFAULT_RULES) => {
    const results = rows.map(([n, f], i) => result(i, n, metrics(f)));
    return analyze(results.map((r) => ({ name: r.name, overrides: {} })), results, "fixed", rows[0][0], rules);
  };

  it("lists a variant with too few trades but does not rank it, and it beats nothing", () => {
    const a = run([["base", { sharpe: -4, ret: -3, trades: 40, edgeR: -0.2 }], ["no-trades", { sharpe: 0, ret: 0, trades: 0 }], ["lucky", { sharpe: 5, ret: 4, trades: 3, edgeR: 1 }]]);
    expect(a.ranked.map((r) => [r.name, r.rank, r.notRanked])).toEqual([["base", 1, null], ["no-trades", null, "0 trades < 20"], ["lucky", null, "3 trades < 20"]]);
    expect(a.decision.beatBaseline).toEqual([]);
    expect(a.decision.notRanked).toEqual([{ name: "no-trades", reason: "0 trades < 20" }, { name: "lucky", reason: "3 trades < 20" }]);
    expect(a.decision.chosen).toBe("base");
    expect(a.decision.bestBySharpe).toEqual({ name: "base", sharpe: -4 });
  });

  it("takes the minimum trade count from the plan", () => {
    const a = run([["base", { sharpe: -4, ret: -3, trades: 40 }], ["lucky", { sharpe: 5, ret: 4, trades: 3, edgeR: 1 }]], verdictRules({ minTrades: 3 }));
    expect(a.ranked.map((r) => [r.name, r.rank])).toEqual([["lucky", 1], ["base", 2]]);
    expect(a.decision.beatBaseline.map((b) => b.name)).toEqual(["lucky"]);
  });

  it("needs every criterion the plan names, not any one of them", () => {
    const rows: [string, Fig][] = [
      ["base", { sharpe: 1, ret: 2, trades: 40, edgeR: 0.1 }],
      ["sharpe-only", { sharpe: 2, ret: 2.5, trades: 40, edgeR: 0.1 }],
      ["both", { sharpe: 1.5, ret: 3, trades: 40, edgeR: 0.2 }],
      ["steadier-only", { sharpe: 1, ret: 2, trades: 40, edgeR: 0.1, pnlStdR: 0.5, worst10R: -5 }],
    ];
    const a = run(rows);
    expect(a.decision.rules.beats).toEqual(["sharpe", "edgeR"]);
    expect(a.decision.beatBaseline.map((b) => b.name)).toEqual(["both"]);
    const sharpeOnly = a.ranked.find((r) => r.name === "sharpe-only")!;
    expect(sharpeOnly.checks.map((c) => [c.criterion, c.passed])).toEqual([["sharpe", true], ["edgeR", false]]);
    // Beaters first, then the baseline, then the rest by Sharpe: sharpe-only has the best Sharpe but did not beat it.
    expect(a.ranked.map((r) => r.name)).toEqual(["both", "base", "sharpe-only", "steadier-only"]);
    expect(a.decision.chosen).toBe("both");
    expect(a.decision.bestBySharpe).toEqual({ name: "sharpe-only", sharpe: 2 });
    // A plan that names the variance and tail criteria gets the steadier variant instead.
    const b = run(rows, verdictRules({ beats: ["pnlStdR", "worst10R"] }));
    expect(b.decision.beatBaseline.map((x) => x.name)).toEqual(["steadier-only"]);
    // And margins are the plan's: Sharpe +0.5 with a margin of 0.6 is not enough.
    const c = run(rows, verdictRules({ beatMargins: { sharpe: 0.6 } }));
    expect(c.decision.beatBaseline).toEqual([]);
  });

  it("does not rank a half-size copy of the baseline above it", () => {
    // Same trades at half the size: R figures equal, Sharpe within rounding, dollars halved.
    const a = run([["base", { sharpe: -4, ret: -3, trades: 40, edgeR: -0.2, pnlStd: 100, worst10: -1000 }], ["half", { sharpe: -3.98, ret: -1.5, trades: 40, edgeR: -0.2, pnlStd: 50, worst10: -500 }]]);
    expect(a.ranked.map((r) => r.name)).toEqual(["base", "half"]);
    expect(a.ranked[1].beatsBaseline).toBe(false);
    expect(a.ranked[1].vsBaseline.dollars.pnlStdUsd.improvement).toBe(50);
    expect(a.ranked[1].vsBaseline.sizeNeutral.edgeR.improvement).toBe(0);
  });

  it("says nothing beats a baseline that itself has too few trades", () => {
    const a = run([["base", { sharpe: -4, ret: -3, trades: 5 }], ["other", { sharpe: 1, ret: 1, trades: 40, edgeR: 0.5 }]]);
    expect(a.decision.beatBaseline).toEqual([]);
    expect(a.ranked.map((r) => [r.name, r.rank])).toEqual([["other", 1], ["base", null]]);
    expect(a.decision.notes.join(" ")).toMatch(/baseline "base" closed 5 fixed trades \(< 20\)/);
  });
});

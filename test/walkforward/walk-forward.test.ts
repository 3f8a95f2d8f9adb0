import { describe, expect, it } from "vitest";
import type { BarSource, BarSeries } from "../../src/core/bars.ts";
import { parseConfig } from "../../src/config/load.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { MergedBars } from "../../src/data/merged-bars.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { sliceSeries } from "../../src/data/day-range.ts";
import { runBacktest, tradeListJson } from "../../src/backtest/run.ts";
import { serializeQTable } from "../../src/sizing/rl/index.ts";
import { isoToEtDay, etToUtcMs } from "../../src/core/ny-time.ts";
import { mergedData, runWalkForward, type FoldFit, type ReadPurpose, type WalkForwardData, type WalkForwardOptions } from "../../src/walkforward/walk-forward.ts";
import { summarizeEvaluation } from "../../src/walkforward/summary.ts";
import { foldAudit } from "../../src/walkforward/fold-audit.ts";
import { scrambleFrom } from "../backtest/alter-bars.ts";

const series = generateSeries({ seed: 3, symbols: 10, days: 45, selloffProb: 0.12 });
// Small minimums so that every learner (and the regime tree) actually fits something on 20 days.
const config = parseConfig({
  strategy: { minDayChangePct: -10 },
  sizing: { kelly: { minSample: 5 }, confidence: { minSamples: 10 } },
  regime: { minSamples: 15, minLeafSamples: 3 },
});
const FOLDS = { trainDays: 20, testDays: 5, purgeDays: 1 } as const;

interface Read {
  readonly purpose: ReadPurpose;
  readonly fromMs: number;
  readonly toMs: number;
  minT: number;
  maxT: number;
}

/** The data with every read recorded: its purpose, range, and the times of the bars it actually handed out. */
function audited(s: readonly BarSeries[]): { data: WalkForwardData; reads: Read[] } {
  const base = mergedData(MergedBars.fromSeries(s));
  const reads: Read[] = [];
  const data: WalkForwardData = {
    symbols: base.symbols,
    tradingDays: () => base.tradingDays(),
    window(fromMs, toMs, purpose): BarSource {
      const src = base.window(fromMs, toMs, purpose);
      const r: Read = { purpose, fromMs, toMs, minT: Infinity, maxT: -Infinity };
      reads.push(r);
      return {
        symbols: src.symbols,
        totalBars: src.totalBars,
        nextBatch() {
          const b = src.nextBatch();
          if (b && b.length > 0) {
            r.minT = Math.min(r.minT, b.tMs[0]);
            r.maxT = Math.max(r.maxT, b.tMs[b.length - 1]);
          }
          return b;
        },
        close: () => src.close?.(),
      };
    },
  };
  return { data, reads };
}

const run = (s: readonly BarSeries[], extra: Partial<WalkForwardOptions> = {}) => {
  const a = audited(s);
  return { ...a, wf: runWalkForward({ config, data: a.data, ...FOLDS, ...extra }) };
};

/** Everything a fold fitted, as comparable JSON. */
function fitJson(f: FoldFit): string {
  const learning = Object.entries(f.learning).map(([m, l]) => [m, { kelly: l!.kelly, samples: l!.samples, model: l!.confidenceModel, q: l!.qTable ? serializeQTable(l!.qTable) : null }]);
  return JSON.stringify({ regime: f.regime.model, learning });
}

describe("walk-forward on generated data", () => {
  const base = run(series);
  const { wf } = base;
  const folds = wf.outOfSample.folds;

  it("lays out rolling folds and fits every learner on each train window", () => {
    // 45 generated weekdays less the two holidays among them (2024-01-15, 2024-02-19): no session, no day.
    expect(wf.plan.days.length).toBe(43);
    expect(folds.map((f) => f.fold.test.days)).toEqual([5, 5, 5, 5, 2]);
    expect(wf.modes).toEqual(["fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"]);
    for (const f of folds) {
      expect(Object.keys(f.fit.learning).sort()).toEqual(["full", "kelly", "kelly_confidence", "rl"]);
      expect(f.fit.summary.full!.trainTrades).toBeGreaterThanOrEqual(10);
      expect(f.fit.summary.kelly_confidence!.confidenceModel).toBe(true);
      expect(f.fit.summary.rl!.rlUpdates).toBeGreaterThan(0);
    }
    expect(folds.some((f) => f.fit.regime.classifier !== null)).toBe(true);
    const trades = wf.outOfSample.comparison.modes.map((m) => m.run.engine.trades.length);
    expect(Math.min(...trades)).toBeGreaterThan(10);
  });

  it("shows what each fold fitted in full: tree rules, Kelly rows, confidence weights, the Q-table's policy", () => {
    const withTree = folds.find((f) => f.fit.regime.model !== null)!;
    const a = foldAudit(withTree);
    expect(a.fold).toBe(withTree.fold.index);
    expect(a.regimeTree!.rules.length).toBeGreaterThan(0);
    for (const r of a.regimeTree!.rules) expect(r).toMatch(/^leaf \d+: (if .+ then|always) (ADD_ALLOWED|ADD_NEUTRAL|NO_ADD) \(p /);
    expect(a.regimeTree!.samples).toBe(withTree.fit.regime.samples);
    expect(Object.keys(a.modes).sort()).toEqual(["full", "kelly", "kelly_confidence", "rl"]);
    const fitted = withTree.fit.learning.kelly_confidence!;
    const conf = a.modes.kelly_confidence!.confidence!;
    expect(conf.weights.map((w) => w.weight)).toEqual([...fitted.confidenceModel!.weights]);
    expect(conf.weights.map((w) => w.feature)).toEqual([...fitted.confidenceModel!.featureNames]);
    expect(a.modes.kelly!.qTable).toBeNull();
    expect(a.modes.rl!.qTable!.updates).toBe(withTree.fit.summary.rl!.rlUpdates);
    expect(a.modes.rl!.qTable!.greedy.length).toBe(a.modes.rl!.qTable!.states);
    // The all-trades Kelly row counts every train trade the Kelly window kept.
    const all = a.modes.kelly!.kelly.find((k) => k.strategy === "*" && k.symbol === "*")!;
    expect(all.n).toBe(withTree.fit.summary.kelly!.kellyTrades);
    const noTree = folds.find((f) => f.fit.regime.model === null);
    if (noTree) expect(foldAudit(noTree).regimeTree).toBeNull();
  });

  it("reads nothing at or after a fold's purge for that fold's fitting, so no train bar or trade reaches a test window", () => {
    const fits = base.reads.filter((r) => r.purpose === "fit");
    // Per fold: the regime tree and the four learning modes.
    expect(fits.length).toBe(folds.length * 5);
    for (const r of fits) {
      const f = folds.find((x) => x.fold.train.fromMs === r.fromMs && x.fold.train.toMs === r.toMs);
      expect(f, "a fit read is exactly one fold's train window").toBeDefined();
      expect(r.maxT).toBeLessThan(f!.fold.train.toMs);
      expect(r.maxT).toBeLessThan(f!.fold.purge!.fromMs);
      expect(r.minT).toBeGreaterThanOrEqual(f!.fold.train.fromMs);
    }
    // Evaluation reads only test windows: one per fold per mode.
    const evals = base.reads.filter((r) => r.purpose === "evaluate");
    expect(evals.length).toBe(folds.length * 6);
    for (const r of evals) expect(folds.some((f) => f.fold.test.fromMs === r.fromMs && f.fold.test.toMs === r.toMs)).toBe(true);
  });

  it("fits a fold's pieces on its train window only: scrambling every bar from its test window on changes none of them", () => {
    const k = 1;
    const altered = run(scrambleFrom(series, folds[k].fold.test.fromMs, 7)).wf.outOfSample.folds;
    for (let i = 0; i <= k; i++) expect(fitJson(altered[i].fit)).toBe(fitJson(folds[i].fit));
    // The scramble has teeth: a later fold, whose train window includes scrambled days, fits differently,
    // and the scrambled test window trades differently.
    expect(fitJson(altered[k + 2].fit)).not.toBe(fitJson(folds[k + 2].fit));
    expect(JSON.stringify(altered.slice(k).map((f) => f.modes))).not.toBe(JSON.stringify(folds.slice(k).map((f) => f.modes)));
  });

  it("stitches the folds into one curve: fold returns chain to the total, trades add up, equity carries", () => {
    for (const r of wf.outOfSample.comparison.modes) {
      const slices = folds.map((f) => f.modes[r.mode]!);
      expect(slices.reduce((a, s) => a + s.trades, 0)).toBe(r.run.engine.trades.length);
      expect(slices[0].startEquityUsd).toBe(config.execution.initialEquityUsd);
      for (let i = 1; i < slices.length; i++) expect(slices[i].startEquityUsd).toBe(slices[i - 1].endEquityUsd);
      const chained = slices.reduce((a, s) => a * (1 + s.returnPct / 100), 1);
      expect((chained - 1) * 100).toBeCloseTo(r.run.metrics.totalReturnPct, 9);
      expect(slices[slices.length - 1].endEquityUsd).toBeCloseTo(r.run.engine.finalEquityUsd, 6);
      expect(r.run.engine.daily.length).toBe(folds.reduce((a, f) => a + f.fold.test.days, 0));
    }
  });

  it("runs a mode without learned layers exactly like a backtest of the test window", () => {
    const one = runWalkForward({ config, data: mergedData(MergedBars.fromSeries(series)), trainDays: 30, testDays: 15, purgeDays: 0, modes: ["fixed"] });
    const f = one.outOfSample.folds[0].fold;
    expect(one.outOfSample.folds.length).toBe(1);
    const direct = runBacktest({ config, source: seriesSource(series.map((s) => sliceSeries(s, f.test.fromMs, f.test.toMs))) });
    const stitched = one.outOfSample.comparison.modes[0].run;
    expect(tradeListJson(stitched.engine.trades)).toEqual(tradeListJson(direct.engine.trades));
    expect(stitched.metrics).toEqual(direct.metrics);
  });

  it("is deterministic", () => {
    const again = run(series).wf;
    expect(JSON.stringify(summarizeEvaluation(again.outOfSample))).toBe(JSON.stringify(summarizeEvaluation(wf.outOfSample)));
  });
});

describe("holdout discipline", () => {
  const D = "2024-02-19";
  const dMs = etToUtcMs(isoToEtDay(D), 0);
  const a = run(series, { holdoutFrom: D });
  const b = run(scrambleFrom(series, dMs, 11), { holdoutFrom: D });

  it("no fitting step reads a bar at or after the holdout date, and the walk-forward reads none at all", () => {
    for (const { reads, wf } of [a, b]) {
      const fits = reads.filter((r) => r.purpose === "fit");
      expect(fits.length).toBe((wf.outOfSample.folds.length + 1) * 5);
      for (const r of fits) expect(r.maxT).toBeLessThan(dMs);
      // Only the holdout's own evaluation (one run per mode) reads from D on.
      const late = reads.filter((r) => r.maxT >= dMs);
      expect(late.length).toBe(6);
      expect(late.every((r) => r.purpose === "evaluate" && r.fromMs === wf.holdout!.folds[0].fold.test.fromMs)).toBe(true);
    }
  });

  it("changing every bar from the holdout date on changes nothing in training or in the walk-forward, only the holdout's result", () => {
    expect(JSON.stringify(summarizeEvaluation(b.wf.outOfSample))).toBe(JSON.stringify(summarizeEvaluation(a.wf.outOfSample)));
    a.wf.outOfSample.folds.forEach((f, i) => expect(fitJson(b.wf.outOfSample.folds[i].fit)).toBe(fitJson(f.fit)));
    expect(fitJson(b.wf.holdout!.folds[0].fit)).toBe(fitJson(a.wf.holdout!.folds[0].fit));
    expect(JSON.stringify(summarizeEvaluation(b.wf.holdout!))).not.toBe(JSON.stringify(summarizeEvaluation(a.wf.holdout!)));
    const last = a.wf.outOfSample.folds[a.wf.outOfSample.folds.length - 1].fold;
    expect(last.test.toMs).toBeLessThanOrEqual(dMs);
    expect(a.wf.holdout!.folds[0].fold.train.toMs).toBeLessThanOrEqual(dMs);
  });
});

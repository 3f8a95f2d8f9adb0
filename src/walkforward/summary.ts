import type { Metrics } from "../backtest/metrics.ts";
import type { Criteria } from "../backtest/criteria.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import type { DayRange, Fold } from "./folds.ts";
import type { Evaluation, FoldResult, WalkForwardResult } from "./walk-forward.ts";

/** Plain-JSON views of a walk-forward: what `walkforward --json` prints and what experiment workers send back. */

/** How every report labels the holdout: it is looked at once, after all fitting and choosing is done. */
export const HOLDOUT_LABEL = "HOLDOUT (evaluated once)";

export interface DayRangeJson {
  readonly from: string;
  readonly to: string;
  readonly days: number;
}

export interface FoldJson {
  readonly fold: number;
  readonly train: DayRangeJson;
  readonly purge: DayRangeJson | null;
  readonly test: DayRangeJson;
  readonly regime: { readonly samples: number; readonly reason: string; readonly fitted: boolean };
  readonly fitted: FoldResult["fit"]["summary"];
  readonly modes: Record<string, { readonly trades: number; readonly returnPct: number }>;
}

/** Out-of-sample figures of one mode: its metrics and its criteria against fixed. */
export interface ModeSummary {
  readonly trades: number;
  readonly metrics: Metrics;
  readonly criteria: Criteria;
}

/** An evaluation without trade lists: small enough to send between threads and rank. */
export interface EvaluationSummary {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly folds: readonly FoldJson[];
  readonly modes: Partial<Record<SizingMode, ModeSummary>>;
}

export function rangeJson(r: DayRange): DayRangeJson {
  return { from: r.fromIso, to: r.toIso, days: r.days };
}

export function foldJson(f: FoldResult): FoldJson {
  const modes: Record<string, { trades: number; returnPct: number }> = {};
  for (const [m, x] of Object.entries(f.modes)) if (x) modes[m] = { trades: x.trades, returnPct: x.returnPct };
  return {
    fold: f.fold.index,
    train: rangeJson(f.fold.train),
    purge: f.fold.purge ? rangeJson(f.fold.purge) : null,
    test: rangeJson(f.fold.test),
    regime: { samples: f.fit.regime.samples, reason: f.fit.regime.reason, fitted: f.fit.regime.classifier !== null },
    fitted: f.fit.summary,
    modes,
  };
}

/** The test days an evaluation covers (its folds' test windows are contiguous). */
export function testSpan(folds: readonly Pick<FoldResult, "fold">[]): { from: string; to: string; days: number } {
  const tests: Fold["test"][] = folds.map((f) => f.fold.test);
  return { from: tests[0].fromIso, to: tests[tests.length - 1].toIso, days: tests.reduce((a, t) => a + t.days, 0) };
}

export function summarizeEvaluation(e: Evaluation): EvaluationSummary {
  const modes: Partial<Record<SizingMode, ModeSummary>> = {};
  for (const r of e.comparison.modes) modes[r.mode] = { trades: r.run.engine.trades.length, metrics: r.run.metrics, criteria: e.comparison.criteria[r.mode] };
  return { ...testSpan(e.folds), folds: e.folds.map(foldJson), modes };
}

/** The design of a run, as reports state it. */
export function designJson(wf: WalkForwardResult): object {
  const o = wf.options;
  return {
    trainDays: o.trainDays,
    testDays: o.testDays,
    purgeDays: o.purgeDays,
    windows: "rolling",
    learningInTest: wf.learning,
    holdoutFrom: o.holdoutFrom ?? null,
    modes: wf.modes,
  };
}

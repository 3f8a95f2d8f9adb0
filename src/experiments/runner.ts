import type { Config } from "../config/schema.ts";
import { ALL_MODES, withFixed } from "../backtest/compare.ts";
import type { MergedBars } from "../data/merged-bars.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import { DEFAULT_FOLD_OPTIONS, planFolds, type FoldOptions } from "../walkforward/folds.ts";
import { mergedData, runHoldout, type LearningMode } from "../walkforward/walk-forward.ts";
import { HOLDOUT_LABEL, rangeJson, summarizeEvaluation, type DayRangeJson, type EvaluationSummary } from "../walkforward/summary.ts";
import type { HoldoutLedgerJson } from "../walkforward/holdout-ledger.ts";
import { criteriaVsBaseline, type Criteria } from "../backtest/criteria.ts";
import { analyze, verdictRules, type Analysis } from "./analyze.ts";
import { planConfigs, planVariants, type Plan, type Variant } from "./plan.ts";
import { runVariant, type ExperimentSetup, type VariantResult, type VariantTask } from "./run-variant.ts";
import { runInWorkers } from "./pool.ts";

export interface ExperimentOptions {
  readonly plan: Plan;
  /** Where the plan came from, for the report. */
  readonly planFile?: string;
  readonly base: Config;
  readonly bars: MergedBars;
  /** Command-line choices; they win over the plan's `walkforward`, which wins over the defaults. */
  readonly folds?: Partial<FoldOptions>;
  readonly learning?: LearningMode;
  /** Worker threads; 1 runs every variant in this thread. */
  readonly workers: number;
  readonly onVariant?: (done: number, total: number) => void;
}

export interface HoldoutReport {
  readonly label: string;
  readonly train: DayRangeJson;
  readonly test: DayRangeJson;
  /** The variant the walk-forward chose (the top of the ranking), and the baseline: each evaluated once. */
  readonly chosen: string;
  readonly evaluations: readonly { readonly name: string; readonly summary: EvaluationSummary }[];
  /** What the holdout ledger in the state folder says about this look (set by the command that records it). */
  readonly ledger?: HoldoutLedgerJson;
  /** The chosen variant against the baseline on the holdout, ranking mode; null when the baseline was chosen. */
  readonly chosenVsBaseline: Criteria | null;
}

export interface ExperimentReport {
  readonly plan: { readonly name: string; readonly description?: string; readonly file?: string };
  readonly setup: ExperimentSetup;
  readonly rankMode: SizingMode;
  readonly variants: readonly Variant[];
  readonly results: readonly VariantResult[];
  readonly analysis: Analysis;
  readonly holdout: HoldoutReport | null;
  readonly workers: number;
}

/** The folds, modes and learning an experiment runs with (command line, then plan, then defaults). */
export function experimentSetup(plan: Plan, folds: Partial<FoldOptions> = {}, learning?: LearningMode): ExperimentSetup {
  const wf = plan.walkforward ?? {};
  const wanted = new Set<SizingMode>([...(plan.modes ?? ALL_MODES), plan.mode]);
  return {
    folds: {
      trainDays: folds.trainDays ?? wf.trainDays ?? DEFAULT_FOLD_OPTIONS.trainDays,
      testDays: folds.testDays ?? wf.testDays ?? DEFAULT_FOLD_OPTIONS.testDays,
      purgeDays: folds.purgeDays ?? wf.purgeDays ?? DEFAULT_FOLD_OPTIONS.purgeDays,
      holdoutFrom: folds.holdoutFrom ?? wf.holdoutFrom,
    },
    modes: withFixed(ALL_MODES.filter((m) => wanted.has(m))),
    learning: learning ?? wf.learning ?? "frozen",
  };
}

/**
 * Validates the plan (every variant's overrides against the config schema, before anything runs),
 * runs each variant's walk-forward (in parallel on worker threads when workers > 1), ranks them,
 * and, with a holdout, evaluates the chosen variant and the baseline on it once.
 */
export async function runExperiments(opts: ExperimentOptions): Promise<ExperimentReport> {
  const { plan, bars } = opts;
  const variants = planVariants(plan);
  const configs = planConfigs(opts.base, variants, `plan ${plan.name}${opts.planFile ? ` (${opts.planFile})` : ""}`);
  const setup = experimentSetup(plan, opts.folds, opts.learning);
  const days = bars.tradingDays();
  // Lay the folds out once here so a plan that does not fit the data fails before any work starts.
  planFolds(days, setup.folds);
  const tasks: VariantTask[] = variants.map((v, index) => ({ index, name: v.name, config: configs[index] }));
  const workers = Math.max(1, Math.min(opts.workers, tasks.length));
  let results: VariantResult[];
  if (workers === 1) {
    const data = mergedData(bars);
    results = tasks.map((t, i) => {
      const r = runVariant(data, days, setup, t);
      opts.onVariant?.(i + 1, tasks.length);
      return r;
    });
  } else {
    results = await runInWorkers(bars.share(), days, setup, tasks, workers, (_, done) => opts.onVariant?.(done, tasks.length));
  }
  const baseline = plan.baseline ?? variants[0].name;
  const analysis = analyze(variants, results, plan.mode, baseline, verdictRules(plan));
  const holdout = setup.folds.holdoutFrom ? holdoutReport(opts, setup, days, configs, variants, analysis) : null;
  return { plan: { name: plan.name, description: plan.description, file: opts.planFile }, setup, rankMode: plan.mode, variants, results, analysis, holdout, workers };
}

function holdoutReport(opts: ExperimentOptions, setup: ExperimentSetup, days: readonly number[], configs: readonly Config[], variants: readonly Variant[], analysis: Analysis): HoldoutReport {
  // The top of the ranking: a variant that beat the baseline, else the baseline itself.
  const chosen = analysis.decision.chosen ?? analysis.decision.baseline;
  const names = [...new Set([chosen, analysis.decision.baseline])];
  const data = mergedData(opts.bars);
  const evaluations = names.map((name) => {
    const config = configs[variants.findIndex((v) => v.name === name)];
    return { name, summary: summarizeEvaluation(runHoldout({ config, data, days, ...setup.folds, modes: setup.modes, learning: setup.learning })) };
  });
  const plan = planFolds(days, setup.folds);
  const m = (i: number) => evaluations[i].summary.modes[opts.plan.mode]!.metrics;
  return {
    label: HOLDOUT_LABEL,
    train: rangeJson(plan.holdout!.train),
    test: rangeJson(plan.holdout!.test),
    chosen,
    evaluations,
    chosenVsBaseline: evaluations.length > 1 ? criteriaVsBaseline(m(0), m(1)) : null,
  };
}

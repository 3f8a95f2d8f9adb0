import type { BarSource } from "../core/bars.ts";
import type { Config } from "../config/schema.ts";
import type { EngineResult } from "../engine/events.ts";
import { SeededRng } from "../core/rng.ts";
import { LearningState, type FittedLearning } from "../engine/learning.ts";
import { parseConfig } from "../config/load.ts";
import { ALL_MODES, comparisonOf, modeReport, withFixed, withMode, type Comparison } from "../backtest/compare.ts";
import { runBacktest } from "../backtest/run.ts";
import type { MergedBars } from "../data/merged-bars.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import { modeUses } from "../sizing/modes.ts";
import { ALL } from "../sizing/kelly-stats.ts";
import { planFolds, type Fold, type FoldOptions, type FoldPlan } from "./folds.ts";
import { fitLearning, fitRegime, type RegimeFit } from "./fit-fold.ts";
import type { StrategySlot } from "../core/strategy.ts";
import { FoldLearning, FoldRegime, foldSource } from "./fold-switch.ts";

/**
 * Walk-forward validation. For each fold, every learned piece is fitted on the train window only:
 * the regime tree once per fold, and for each mode with a learned layer a run of that mode over
 * the train window with its learners on (Kelly statistics, the confidence model, the Q-table, as
 * in `compare`). Then every mode runs once over all test windows back to back, switching to the
 * fold's fitted pieces at each fold's first bar, which stitches the folds into one out-of-sample
 * equity curve per mode with equity carried from fold to fold.
 *
 * Learning in the test window is `frozen` by default: the pieces stay as fitted and the RL layer
 * is greedy. `online` lets them keep learning from test trades as they close (a decision still
 * only sees trades closed before it; the next fold starts again from its own train fit).
 */

export type LearningMode = "frozen" | "online";
export type ReadPurpose = "fit" | "evaluate";

/** Where a walk-forward reads bars. Each read names its purpose, so a test can prove fitting never reads past a bound. */
export interface WalkForwardData {
  readonly symbols: readonly string[];
  tradingDays(): readonly number[];
  window(fromMs: number, toMs: number, purpose: ReadPurpose): BarSource;
}

export function mergedData(bars: MergedBars): WalkForwardData {
  return { symbols: bars.symbols, tradingDays: () => bars.tradingDays(), window: (fromMs, toMs) => bars.window(fromMs, toMs) };
}

export interface WalkForwardOptions extends FoldOptions {
  readonly config: Config;
  readonly data: WalkForwardData;
  /** Modes to run (fixed is added: the criteria need it). Default: all six. */
  readonly modes?: readonly SizingMode[];
  readonly learning?: LearningMode;
  /** Days are read from the data once; pass them when the caller already has them. */
  readonly days?: readonly number[];
  /** Called after each engine run (fits and evaluations) with the runs done and the total. */
  readonly onStep?: (done: number, total: number) => void;
  /**
   * "skip" leaves the holdout untouched (the folds still end before it): an experiment evaluates
   * it once, for the variant it chose, with {@link runHoldout}. Default "evaluate".
   */
  readonly holdout?: "evaluate" | "skip";
  /** The strategies and their symbols (default: the config's); the same slots run every fold and mode. */
  readonly slots?: readonly StrategySlot[];
}

/** What a mode learned on a fold's train window, in numbers a report can show. */
export interface ModeFitSummary {
  readonly trainTrades: number;
  /** Trades in the Kelly statistics (the rolling window of every trade). */
  readonly kellyTrades: number;
  readonly confidenceSamples: number;
  readonly confidenceModel: boolean;
  readonly rlStates: number;
  readonly rlUpdates: number;
}

export interface FoldFit {
  readonly regime: RegimeFit;
  /** Per mode with a learned layer: what it learned (modes without one have no entry). */
  readonly learning: Partial<Record<SizingMode, FittedLearning>>;
  readonly summary: Partial<Record<SizingMode, ModeFitSummary>>;
}

export interface FoldModeResult {
  readonly trades: number;
  readonly startEquityUsd: number;
  readonly endEquityUsd: number;
  readonly returnPct: number;
}

export interface FoldResult {
  readonly fold: Fold;
  readonly fit: FoldFit;
  readonly modes: Partial<Record<SizingMode, FoldModeResult>>;
}

/** One stitched evaluation: per-fold pieces and the comparison over all test windows together. */
export interface Evaluation {
  readonly folds: readonly FoldResult[];
  readonly comparison: Comparison;
  /** Every mode's starting equity (the config's), which the bootstrap compounds resampled days from. */
  readonly initialEquityUsd: number;
}

export interface WalkForwardResult {
  readonly options: FoldOptions;
  readonly plan: FoldPlan;
  readonly learning: LearningMode;
  readonly modes: readonly SizingMode[];
  readonly outOfSample: Evaluation;
  /** The holdout, evaluated once after the walk-forward; null without `holdoutFrom`. */
  readonly holdout: Evaluation | null;
}

const hasLearner = (m: SizingMode): boolean => modeUses(m, "kelly") || modeUses(m, "conf") || modeUses(m, "rl") || modeUses(m, "allocator");
const usesRegime = (m: SizingMode): boolean => modeUses(m, "tmpl") || modeUses(m, "rl");

export function runWalkForward(opts: WalkForwardOptions): WalkForwardResult {
  const plan = planFolds(opts.days ?? opts.data.tradingDays(), opts);
  const withHoldout = plan.holdout !== null && opts.holdout !== "skip";
  const ctx = context(opts, plan.folds.length + (withHoldout ? 1 : 0), withHoldout ? 2 : 1);
  const outOfSample = evaluate(ctx, plan.folds);
  // Only now, after every walk-forward figure exists, is the holdout touched: once.
  const holdout = withHoldout ? evaluate(ctx, [plan.holdout!]) : null;
  const options: FoldOptions = { trainDays: opts.trainDays, testDays: opts.testDays, purgeDays: opts.purgeDays, holdoutFrom: opts.holdoutFrom };
  return { options, plan, learning: ctx.learning, modes: ctx.modes, outOfSample, holdout };
}

/** The holdout alone: fit on every day before it (minus the purge), evaluate on it. Throws without `holdoutFrom`. */
export function runHoldout(opts: WalkForwardOptions): Evaluation {
  const plan = planFolds(opts.days ?? opts.data.tradingDays(), opts);
  if (plan.holdout === null) throw new Error("runHoldout needs holdoutFrom");
  return evaluate(context(opts, 1, 1), [plan.holdout]);
}

function context(opts: WalkForwardOptions, fits: number, evaluations: number): EvalContext {
  const modes = withFixed(opts.modes ?? ALL_MODES);
  const fitsPerFold = (modes.some(usesRegime) ? 1 : 0) + modes.filter(hasLearner).length;
  const total = fits * fitsPerFold + evaluations * modes.length;
  let done = 0;
  const step = (): void => opts.onStep?.(++done, total);
  return { config: opts.config, data: opts.data, modes, learning: opts.learning ?? "frozen", step, slots: opts.slots };
}

interface EvalContext {
  readonly config: Config;
  readonly slots: readonly StrategySlot[] | undefined;
  readonly data: WalkForwardData;
  readonly modes: readonly SizingMode[];
  readonly learning: LearningMode;
  readonly step: () => void;
}

function evaluate(ctx: EvalContext, folds: readonly Fold[]): Evaluation {
  const fits = folds.map((f) => fitFold(ctx, f));
  const reports = ctx.modes.map((mode) => {
    const config = evalConfig(ctx.config, mode, ctx.learning);
    const perFold = fits.map((fit) => {
      const st = new LearningState(config, new SeededRng(config.execution.seed), null, fit.learning[mode] ?? null);
      return ctx.learning === "frozen" ? st.freeze() : st;
    });
    const learning = new FoldLearning(config, new SeededRng(config.execution.seed), perFold);
    const regime = new FoldRegime(fits.map((f) => f.regime.classifier));
    const windows = folds.map((f) => ctx.data.window(f.test.fromMs, f.test.toMs, "evaluate"));
    const source = foldSource(ctx.data.symbols, windows, (k) => {
      learning.enterFold(k);
      regime.enterFold(k);
    });
    const run = runBacktest({ config, source, learning, regime, slots: ctx.slots });
    ctx.step();
    return modeReport(mode, run);
  });
  const comparison = comparisonOf(reports);
  const initial = ctx.config.execution.initialEquityUsd;
  const perMode = reports.map((r) => ({ mode: r.mode, slices: foldSlices(r.run.engine, folds, initial) }));
  return {
    folds: folds.map((fold, k) => ({ fold, fit: fits[k], modes: Object.fromEntries(perMode.map((p) => [p.mode, p.slices[k]])) })),
    comparison,
    initialEquityUsd: initial,
  };
}

function fitFold(ctx: EvalContext, fold: Fold): FoldFit {
  const { train } = fold;
  const read = (): BarSource => ctx.data.window(train.fromMs, train.toMs, "fit");
  let regime: RegimeFit = { classifier: null, samples: 0, reason: "not needed: no mode here uses the regime model", model: null };
  if (ctx.modes.some(usesRegime)) {
    regime = fitRegime(ctx.config, read(), train);
    ctx.step();
  }
  const learning: Partial<Record<SizingMode, FittedLearning>> = {};
  const summary: Partial<Record<SizingMode, ModeFitSummary>> = {};
  for (const mode of ctx.modes.filter(hasLearner)) {
    const fit = fitLearning(withMode(ctx.config, mode), read(), ctx.slots);
    learning[mode] = fit.fitted;
    summary[mode] = summarizeFit(fit.fitted, fit.trainTrades);
    ctx.step();
  }
  return { regime, learning, summary };
}

function summarizeFit(f: FittedLearning, trainTrades: number): ModeFitSummary {
  const all = f.kelly.series.find((s) => s.strategyId === ALL && s.symbol === ALL);
  const rl = f.qTable?.stats();
  return {
    trainTrades,
    kellyTrades: all?.rMultiple.length ?? 0,
    confidenceSamples: f.samples.length,
    confidenceModel: f.confidenceModel !== null,
    rlStates: rl?.states ?? 0,
    rlUpdates: rl?.totalUpdates ?? 0,
  };
}

/** The mode's config for the test windows: frozen evaluation has the RL layer greedy and not learning. */
function evalConfig(config: Config, mode: SizingMode, learning: LearningMode): Config {
  const c = withMode(config, mode);
  if (learning === "online") return c;
  const raw = JSON.parse(JSON.stringify(c)) as Config;
  return parseConfig({ ...raw, sizing: { ...raw.sizing, rl: { ...raw.sizing.rl, explore: false, learn: false } } });
}

/**
 * Cuts one stitched run back into its folds: trades by entry time, equity at each fold's last
 * test day (the next fold starts from it, so the fold returns chain to the total return).
 */
export function foldSlices(run: Pick<EngineResult, "trades" | "daily">, folds: readonly Fold[], initialEquityUsd: number): FoldModeResult[] {
  let start = initialEquityUsd;
  let d = 0;
  return folds.map((f) => {
    let end = start;
    while (d < run.daily.length && run.daily[d].day <= f.test.toIso) end = run.daily[d++].equityUsd;
    const trades = run.trades.filter((t) => t.entryTimeMs >= f.test.fromMs && t.entryTimeMs < f.test.toMs).length;
    const r: FoldModeResult = { trades, startEquityUsd: start, endEquityUsd: end, returnPct: start > 0 ? (end / start - 1) * 100 : 0 };
    start = end;
    return r;
  });
}

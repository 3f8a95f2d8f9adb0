import type { BarSource } from "../core/bars.ts";
import type { Config } from "../config/schema.ts";
import { runBacktest } from "../backtest/run.ts";
import type { FittedLearning } from "../engine/learning.ts";
import type { RegimeClassifier } from "../sizing/regime-port.ts";
import { fitRegimeModel } from "../regime/fit.ts";
import { createRegimeClassifier } from "../regime/classifier.ts";
import type { DayRange } from "./folds.ts";
import type { StrategySlot } from "../core/strategy.ts";
import type { RegimeModel } from "../regime/model.ts";

/**
 * Fitting on a train window. Every function here gets only a source of the train window's bars
 * (the walk-forward asks for it with purpose "fit"), so nothing fitted can see a later bar.
 */

export interface RegimeFit {
  /** Null = no model (too few samples, or the regime model is not available): fail-safe NORMAL. */
  readonly classifier: RegimeClassifier | null;
  readonly samples: number;
  readonly reason: string;
  /** The fitted model as JSON (for reports and for proving what a fold learned), or null. */
  readonly model: RegimeModel | null;
}

/**
 * Fits the regime tree on the train window (labels from the trades' own paths, which end inside
 * the window). The classifier refuses, with the fail-safe NORMAL, any decision not after the
 * window's data, so a fold's tree can only advise on its test window.
 */
export function fitRegime(config: Config, source: BarSource, train: DayRange): RegimeFit {
  const r = fitRegimeModel({ config, source, fromMs: train.fromMs, toMs: train.toMs });
  return { classifier: r.model ? createRegimeClassifier(r.model, config) : null, samples: r.samples, reason: r.reason, model: r.model };
}

export interface LearningFit {
  readonly fitted: FittedLearning;
  /** Trades the train run closed (what Kelly, the confidence model and the Q-table learned from). */
  readonly trainTrades: number;
}

/**
 * Runs `config`'s sizing mode over the train window with every learner on (as a backtest or the
 * paper daemon would) and returns what it learned: Kelly statistics, the confidence model refitted
 * on the whole window, the Q-table. Each mode learns from its own trades, as it does in `compare`.
 * Entries get the fail-safe NORMAL call: the fold's tree was fitted on these very trades, and its
 * classifier refuses to advise on a moment inside its training data anyway.
 */
export function fitLearning(config: Config, source: BarSource, slots?: readonly StrategySlot[]): LearningFit {
  const run = runBacktest({ config, source, slots });
  return { fitted: run.learning.fitted(), trainTrades: run.engine.trades.length };
}

import type { Config } from "../config/schema.ts";
import { parseConfig } from "../config/load.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import type { FoldOptions } from "../walkforward/folds.ts";
import { runWalkForward, type LearningMode, type WalkForwardData } from "../walkforward/walk-forward.ts";
import { summarizeEvaluation, type EvaluationSummary } from "../walkforward/summary.ts";

/** What every variant of an experiment shares: the folds, the modes and how learning behaves in test. */
export interface ExperimentSetup {
  readonly folds: FoldOptions;
  readonly modes: readonly SizingMode[];
  readonly learning: LearningMode;
}

export interface VariantTask {
  readonly index: number;
  readonly name: string;
  /** The variant's validated config (plain data: it crosses to a worker thread). */
  readonly config: Config;
}

export interface VariantResult {
  readonly index: number;
  readonly name: string;
  /** The walk-forward's out-of-sample figures (the holdout is never touched here). */
  readonly outOfSample: EvaluationSummary;
}

/** One variant's walk-forward; the same function runs in a worker thread and in the serial path. */
export function runVariant(data: WalkForwardData, days: readonly number[], setup: ExperimentSetup, task: VariantTask): VariantResult {
  const wf = runWalkForward({ config: parseConfig(task.config), data, days, ...setup.folds, modes: setup.modes, learning: setup.learning, holdout: "skip" });
  return { index: task.index, name: task.name, outOfSample: summarizeEvaluation(wf.outOfSample) };
}

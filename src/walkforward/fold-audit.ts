import type { FittedLearning } from "../engine/learning.ts";
import { sortKelly } from "../backtest/compare.ts";
import { treeRules } from "../regime/rules.ts";
import { KellyStatsStore, type KellySnapshot } from "../sizing/kelly-stats.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import type { FoldResult } from "./walk-forward.ts";

/**
 * What each fold fitted on its train window, in full enough detail to audit it: the regime tree
 * as if/then rules with the class counts behind each leaf, and per mode with a learned layer the
 * Kelly statistics as the test window's first decision sees them, the confidence model's weights
 * and the Q-table's greedy policy. `walkforward --json` prints it per fold (issue 17); the
 * experiment summaries keep only the counts, since they travel between threads for every variant.
 */

export interface KellyRowJson {
  readonly strategy: string;
  readonly symbol: string;
  readonly n: number;
  readonly winRate: number;
  readonly avgWinR: number;
  readonly avgLossR: number;
  /** Null when there are wins and no losses (an infinite payoff). */
  readonly payoff: number | null;
  readonly fullKelly: number;
}

export interface ModeAuditJson {
  /** Every Kelly series (all trades, per strategy, per symbol) as of the train window's end. */
  readonly kelly: readonly KellyRowJson[];
  /** Null when the window had too few samples to fit it (config sizing.confidence.minSamples). */
  readonly confidence: {
    readonly trainingCount: number;
    readonly trainingWinRate: number;
    readonly converged: boolean;
    readonly intercept: number;
    /** Weight on each standardized feature, with the mean and std used to standardize it. */
    readonly weights: readonly { readonly feature: string; readonly weight: number; readonly mean: number; readonly std: number }[];
  } | null;
  /** Null when the mode has no RL layer. */
  readonly qTable: {
    readonly states: number;
    readonly pairsVisited: number;
    readonly updates: number;
    readonly meanReward: number | null;
    /** The multiplier the greedy policy picks in each state, its Q value and visit count. */
    readonly greedy: readonly { readonly state: string; readonly multiplier: number; readonly q: number; readonly n: number }[];
  } | null;
}

export interface FoldAuditJson {
  readonly fold: number;
  /** Null when no tree was fitted (the reason is in the fold's `regime`). */
  readonly regimeTree: { readonly samples: number; readonly features: readonly string[]; readonly rules: readonly string[]; readonly importance: Readonly<Record<string, number>> } | null;
  readonly modes: Partial<Record<SizingMode, ModeAuditJson>>;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function kellyRow(k: KellySnapshot): KellyRowJson {
  return { strategy: k.strategyId, symbol: k.symbol, n: k.n, winRate: k.winRate, avgWinR: k.avgWinR, avgLossR: k.avgLossR, payoff: finiteOrNull(k.payoff), fullKelly: k.fullKelly };
}

/** One mode's fitted pieces; `asOfMs` is the end of the train window (every train trade closed before it). */
export function modeAudit(f: FittedLearning, asOfMs: number): ModeAuditJson {
  const kelly = sortKelly(KellyStatsStore.fromJSON(f.kelly).snapshots(asOfMs)).map(kellyRow);
  const c = f.confidenceModel;
  const q = f.qTable?.stats();
  return {
    kelly,
    confidence: c
      ? {
          trainingCount: c.trainingCount,
          trainingWinRate: c.trainingWinRate,
          converged: c.converged,
          intercept: c.intercept,
          weights: c.featureNames.map((feature, i) => ({ feature, weight: c.weights[i], mean: c.means[i], std: c.stds[i] })),
        }
      : null,
    qTable: q ? { states: q.states, pairsVisited: q.pairsVisited, updates: q.totalUpdates, meanReward: finiteOrNull(q.meanReward), greedy: q.greedy.map((g) => ({ ...g })) } : null,
  };
}

export function foldAudit(f: FoldResult): FoldAuditJson {
  const m = f.fit.regime.model;
  const modes: Partial<Record<SizingMode, ModeAuditJson>> = {};
  for (const [mode, fitted] of Object.entries(f.fit.learning) as [SizingMode, FittedLearning | undefined][]) {
    if (fitted) modes[mode] = modeAudit(fitted, f.fold.train.toMs);
  }
  return {
    fold: f.fold.index,
    regimeTree: m ? { samples: m.training.samples, features: m.features, rules: treeRules(m), importance: m.importance } : null,
    modes,
  };
}

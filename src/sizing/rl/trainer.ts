import type { Rng } from "../../core/rng.ts";
import type { RlConfig, RlRewardConfig } from "./config.ts";
import { QLearningPolicy } from "./policy.ts";
import type { RlDecisionDetail, RlStateInput } from "./policy.ts";
import type { QTable } from "./q-table.ts";
import { reward } from "./reward.ts";
import { stateKey } from "./state.ts";

/**
 * Offline training on backtest trades. An episode is one trade as it happened at base size (x1.0):
 * its entry context, its P/L as % of equity, its R multiple and its drawdown.
 *
 * Counterfactual sizing: the agent picks a multiplier m and learns from the reward that trade
 * WOULD have earned at m x the size. The P/L of a trade sized m times larger is m x its base P/L %
 * (prices and fills are the same; fractional-share rounding ignored). R is P/L per share over risk
 * per share, so size does not change it. The drawdown scales with m too when
 * `reward.drawdownScalesWithSize` is true (the trade's own excursion), otherwise it is used as is.
 *
 * No peeking: when episodes carry `decidedAt` and `closedAt`, the trainer replays them as a
 * timeline, deciding at `decidedAt` and learning at `closedAt`. A close counts for a decision only
 * when strictly earlier (at equal times the decision goes first), so a decision never sees a
 * trade that was still open. Without times, episodes are taken in order, each closing before the
 * next decision (the sequential case).
 */
export interface TrainingEpisode {
  readonly state: RlStateInput;
  /** P/L at base size, % of equity. */
  readonly pnlPct: number;
  readonly rMultiple: number;
  /** Drawdown at base size, %. */
  readonly drawdownPct: number;
  /** Decision time (e.g. entry bar ms). Either every episode has both times or none. */
  readonly decidedAt?: number;
  readonly closedAt?: number;
}

export interface PassStats {
  readonly pass: number;
  readonly episodes: number;
  /** Mean reward learned this pass (NaN episodes skipped). */
  readonly meanReward: number;
  /** Epsilon at the end of the pass. */
  readonly epsilon: number;
  /** Fraction of this pass's decisions taken by the epsilon branch. */
  readonly exploredFraction: number;
  /** Fraction of the states seen this pass whose greedy multiplier differs from the pass start. */
  readonly greedyChangedFraction: number;
  readonly totalUpdates: number;
  /** Episodes whose reward was not finite and were not learned from. */
  readonly skipped: number;
}

export interface TrainingReport {
  readonly passes: readonly PassStats[];
}

export interface TrainingHooks {
  /** Called at each decision, before any later close is learned. */
  onDecision?(episodeIndex: number, pass: number, decision: RlDecisionDetail, qSeen: readonly number[]): void;
}

/** Reward of a base-size episode replayed at multiplier m. */
export function scaledReward(ep: TrainingEpisode, m: number, cfg: RlRewardConfig): number {
  const dd = cfg.drawdownScalesWithSize ? ep.drawdownPct * m : ep.drawdownPct;
  return reward(ep.pnlPct * m, ep.rMultiple, dd, cfg);
}

type TrainEvent = { t: number; kind: 0 | 1; i: number }; // kind 0 = decide, 1 = close

/** Decide/close events in time order; decisions before closes at equal times (strictly-before rule). */
export function episodeTimeline(episodes: readonly TrainingEpisode[]): TrainEvent[] {
  const timed = episodes.filter((e) => e.decidedAt !== undefined || e.closedAt !== undefined).length;
  if (timed !== 0 && timed !== episodes.length) {
    throw new RangeError(`either every episode has decidedAt/closedAt or none does (${timed} of ${episodes.length} have times)`);
  }
  const events: TrainEvent[] = [];
  episodes.forEach((e, i) => {
    const d = e.decidedAt ?? 2 * i;
    const c = e.closedAt ?? 2 * i + 1;
    if (!Number.isFinite(d) || !Number.isFinite(c) || c < d) {
      throw new RangeError(`episode ${i}: needs finite decidedAt <= closedAt (got ${d}, ${c})`);
    }
    events.push({ t: d, kind: 0, i }, { t: c, kind: 1, i });
  });
  return events.sort((a, b) => a.t - b.t || a.kind - b.kind || a.i - b.i);
}

/**
 * Trains `table` in place for `passes` replays of the episodes and returns per-pass convergence
 * stats. All randomness comes from `rng`, so the same seed, table and episodes give the same
 * result. `cfg.explore` false makes every decision greedy (still learning from it).
 */
export function trainOnEpisodes(
  episodes: readonly TrainingEpisode[],
  table: QTable,
  rng: Rng,
  cfg: Pick<RlConfig, "reward" | "explore">,
  passes: number,
  hooks: TrainingHooks = {},
): TrainingReport {
  if (!Number.isInteger(passes) || passes < 0) throw new RangeError(`passes must be a non-negative integer (got ${passes})`);
  const policy = new QLearningPolicy(table, rng, { explore: cfg.explore, learn: true });
  const timeline = episodeTimeline(episodes);
  const keys = episodes.map((e) => stateKey(e.state, table.bucketEdges));
  const chosen = new Int32Array(episodes.length);
  const out: PassStats[] = [];

  for (let pass = 0; pass < passes; pass++) {
    const seen = [...new Set(keys)];
    const greedyBefore = seen.map((k) => table.greedyAction(k));
    let sum = 0;
    let learned = 0;
    let explored = 0;
    for (const ev of timeline) {
      if (ev.kind === 0) {
        const d = policy.decideKey(keys[ev.i]);
        chosen[ev.i] = d.action;
        if (d.explored) explored++;
        hooks.onDecision?.(ev.i, pass, d, table.qValues(keys[ev.i]));
      } else {
        const a = chosen[ev.i];
        const r = scaledReward(episodes[ev.i], table.actions[a], cfg.reward);
        if (policy.learn(keys[ev.i], a, r).learned) {
          sum += r;
          learned++;
        }
      }
    }
    const changed = seen.filter((k, j) => table.greedyAction(k) !== greedyBefore[j]).length;
    out.push({
      pass,
      episodes: episodes.length,
      meanReward: learned > 0 ? sum / learned : NaN,
      epsilon: table.epsilon,
      exploredFraction: episodes.length > 0 ? explored / episodes.length : 0,
      greedyChangedFraction: seen.length > 0 ? changed / seen.length : 0,
      totalUpdates: table.totalUpdates,
      skipped: episodes.length - learned,
    });
  }
  return { passes: out };
}

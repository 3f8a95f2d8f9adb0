import type { Rng } from "../../core/rng.ts";
import type { QTable } from "./q-table.ts";
import { DEFAULT_RL_ACTIONS } from "./config.ts";
import { stateKey } from "./state.ts";

/**
 * The seam the sizing pipeline consumes (mirrored by src/sizing/rl-port.ts). The returned factor
 * is always one of the table's actions (0.5..2.0 by default), so RL alone can at most double a
 * size; the pipeline's caps run after it and always win.
 */
export interface RlStateInput {
  volatilityRatio: number;
  trendStrength: number;
  regime: "ADD_ALLOWED" | "ADD_NEUTRAL" | "NO_ADD";
  /** p in [0, 1], or NaN when unknown. */
  confidence: number;
  drawdownPct: number;
}

export interface RlDecision {
  factor: number;
  reason: string;
  /** Index into the action list; hand it back to `learn` when the trade closes. */
  action: number;
  stateKey: string;
}

export interface RlPolicy {
  multiplier(state: RlStateInput): RlDecision;
}

/** A decision with the exploration detail the trainer and reports want (a superset of the seam). */
export interface RlDecisionDetail extends RlDecision {
  readonly explored: boolean;
  readonly epsilon: number;
}

export interface LearnResult {
  readonly learned: boolean;
  readonly reason: string;
}

/** "1.0", "0.75", "1.25", "2.0": at least one decimal so a multiplier reads as one. */
export function formatMultiplier(m: number): string {
  const s = String(Math.round(m * 100) / 100);
  return s.includes(".") ? s : `${s}.0`;
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;
}

export interface QLearningPolicyOptions {
  /** Epsilon-greedy when true; pure greedy (no random numbers drawn) when false. */
  readonly explore: boolean;
  /** When false, `learn` is a no-op: evaluation runs must not change the table they evaluate. */
  readonly learn?: boolean;
}

/**
 * Q-learning size multiplier. Decisions never look at outcomes: the only way a trade's result
 * reaches the table is `learn`, which the caller invokes when that trade closes, so every
 * decision sees exactly the trades closed before it (no peeking in backtests).
 */
export class QLearningPolicy implements RlPolicy {
  readonly explore: boolean;
  readonly learning: boolean;

  constructor(
    readonly table: QTable,
    private readonly rng: Rng,
    opts: QLearningPolicyOptions,
  ) {
    this.explore = opts.explore;
    this.learning = opts.learn ?? true;
  }

  multiplier(state: RlStateInput): RlDecisionDetail {
    const key = stateKey(state, this.table.bucketEdges);
    return this.decideKey(key);
  }

  /** The decision for an already-bucketed state (the trainer buckets once per episode). */
  decideKey(key: string): RlDecisionDetail {
    const choice = this.table.selectAction(key, this.rng, this.explore);
    const factor = this.table.actions[choice.action];
    const q = this.table.qValues(key)[choice.action];
    const n = this.table.visits(key)[choice.action];
    const how = choice.explored ? `exploring (eps ${choice.epsilon.toFixed(2)})` : "greedy";
    return {
      factor,
      action: choice.action,
      stateKey: key,
      explored: choice.explored,
      epsilon: choice.epsilon,
      reason: `rl ${formatMultiplier(factor)} (state ${key}, q=${signed(q)}, n=${n}, ${how})`,
    };
  }

  /**
   * Learns from a closed trade. Never throws: a bad reward or action is reported and skipped, so a
   * broken outcome can neither crash the trading loop nor poison the table with NaN.
   */
  learn(key: string, action: number, reward: number): LearnResult {
    if (!this.learning) return { learned: false, reason: "rl learning disabled" };
    if (!Number.isFinite(reward)) return { learned: false, reason: `rl skipped ${key}: reward is ${reward}` };
    if (!Number.isInteger(action) || action < 0 || action >= this.table.actions.length) {
      return { learned: false, reason: `rl skipped ${key}: action ${action} is not an action index` };
    }
    const { before, after } = this.table.update(key, action, reward);
    const m = formatMultiplier(this.table.actions[action]);
    return { learned: true, reason: `rl learned ${key} x${m}: r=${signed(reward)}, q ${signed(before)} -> ${signed(after)}` };
  }
}

/** What the pipeline uses when RL is off or no table exists: a factor of exactly 1. */
export class NeutralRlPolicy implements RlPolicy {
  /** Index of 1.0 in the action list, so the decision still names a valid action. */
  private readonly neutralAction: number;

  constructor(actions: readonly number[] = DEFAULT_RL_ACTIONS) {
    this.neutralAction = Math.max(0, actions.indexOf(1));
  }

  multiplier(_state: RlStateInput): RlDecision {
    return { factor: 1, reason: "rl not trained: neutral 1.0", action: this.neutralAction, stateKey: "neutral" };
  }
}

import type { RlRewardConfig } from "./config.ts";
import type { LearnResult, QLearningPolicy, RlDecision, RlStateInput } from "./policy.ts";
import { rewardOf } from "./reward.ts";
import type { TradeOutcome } from "./reward.ts";

/**
 * Ties each RL decision to its trade until the trade closes, so learning happens on close and
 * only on close: a decision made while another trade is still open cannot see that trade's
 * result, which is the no-peeking rule for backtests and exactly what happens in paper mode.
 *
 * Pending decisions live in memory. Across a restart the engine should keep `stateKey` and
 * `action` with the open position (they are in the sizing record) and call `learnClosed`.
 */
export class RlSession {
  private readonly pending = new Map<string, { stateKey: string; action: number }>();

  constructor(
    readonly policy: QLearningPolicy,
    private readonly rewardCfg: RlRewardConfig,
  ) {}

  /** Decides the multiplier for a new trade and remembers it under `tradeId`. */
  decide(tradeId: string, state: RlStateInput): RlDecision {
    const d = this.policy.multiplier(state);
    this.pending.set(tradeId, { stateKey: d.stateKey, action: d.action });
    return d;
  }

  /**
   * The trade closed: compute the reward from its realised outcome (already at the size taken,
   * so no scaling here) and learn. Unknown ids are reported, not thrown.
   */
  close(tradeId: string, outcome: TradeOutcome): LearnResult {
    const p = this.pending.get(tradeId);
    if (!p) return { learned: false, reason: `rl: no open decision for trade ${tradeId}` };
    this.pending.delete(tradeId);
    return this.learnClosed(p.stateKey, p.action, outcome);
  }

  /** For decisions restored from persisted positions (not in this session's memory). */
  learnClosed(stateKey: string, action: number, outcome: TradeOutcome): LearnResult {
    return this.policy.learn(stateKey, action, rewardOf(outcome, this.rewardCfg));
  }

  /** The order never filled (or was skipped by a cap): forget it without learning. */
  cancel(tradeId: string): boolean {
    return this.pending.delete(tradeId);
  }

  get openDecisions(): number {
    return this.pending.size;
  }
}

import type { RlRewardConfig } from "./config.ts";

/**
 * SPEC's reward for one closed trade (all coefficients from config):
 *
 *   reward = pnl% x pnlScale + (R >= bigWinR ? bigWinBonus : 0) - (|drawdown%| > drawdownLimitPct ? drawdownPenalty : 0)
 *
 * - pnlPct: the trade's realised P/L as % of equity (so it grows with size; see trainer.ts).
 * - rMultiple: realised P/L in units of the initial risk per share (size does not change it).
 * - drawdownPct: a drawdown in % (either sign; its magnitude is compared, "beyond" is strict).
 *
 * A NaN P/L gives a NaN reward, which the policy refuses to learn from, rather than a silently
 * made-up number; a NaN R earns no bonus and a NaN drawdown no penalty (comparisons are false).
 */
export function reward(pnlPct: number, rMultiple: number, drawdownPct: number, cfg: RlRewardConfig): number {
  const bonus = rMultiple >= cfg.bigWinR ? cfg.bigWinBonus : 0;
  const penalty = Math.abs(drawdownPct) > cfg.drawdownLimitPct ? cfg.drawdownPenalty : 0;
  return pnlPct * cfg.pnlScale + bonus - penalty;
}

/** The outcome of a closed trade as the reward needs it. */
export interface TradeOutcome {
  readonly pnlPct: number;
  readonly rMultiple: number;
  readonly drawdownPct: number;
}

export function rewardOf(o: TradeOutcome, cfg: RlRewardConfig): number {
  return reward(o.pnlPct, o.rMultiple, o.drawdownPct, cfg);
}

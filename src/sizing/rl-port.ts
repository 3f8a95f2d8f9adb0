import type { Regime } from "./regime-port.ts";

/**
 * The seam the pipeline consumes from the RL engineer's src/sizing/rl/ (QLearningPolicy there
 * satisfies it structurally). Declared here so the pipeline compiles and is testable without the
 * RL code, and so RL can never reach past this narrow contract into sizing internals.
 */

export interface RlStateInput {
  /** ATR / its average; NaN when unknown. */
  readonly volatilityRatio: number;
  /** e.g. fraction of higher highs over the last 20 bars; NaN when unknown. */
  readonly trendStrength: number;
  readonly regime: Regime;
  /** Calibrated win probability p, or NaN when no confidence model is trained. */
  readonly confidence: number;
  /** Drawdown from the equity high-water mark, % as a magnitude (3 = 3% below the peak). */
  readonly drawdownPct: number;
}

export interface RlMultiplier {
  readonly factor: number;
  readonly reason: string;
  /** Index into the policy's action list; the engine hands it back to the learner on close. */
  readonly action: number;
  readonly stateKey: string;
}

export interface RlPolicy {
  multiplier(state: RlStateInput): RlMultiplier;
}

const NEUTRAL: RlMultiplier = Object.freeze({ factor: 1, reason: "rl not trained", action: -1, stateKey: "neutral" });

/** Factor exactly 1: what the pipeline uses when no policy is supplied. */
export class NeutralRlPolicy implements RlPolicy {
  multiplier(_state: RlStateInput): RlMultiplier {
    return NEUTRAL;
  }
}

/**
 * A policy is foreign code: a NaN, infinite or negative factor must not become a size, so it is
 * replaced by the neutral 1.0 with the reason saying why (caps still bound anything finite).
 */
export function rlLayer(policy: RlPolicy, state: RlStateInput): RlMultiplier {
  const m = policy.multiplier(state);
  if (typeof m.factor === "number" && Number.isFinite(m.factor) && m.factor >= 0) return m;
  return { factor: 1, reason: `rl policy returned factor ${String(m.factor)}: neutral 1.0`, action: m.action, stateKey: m.stateKey };
}

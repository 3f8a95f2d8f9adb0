import { rlLayer as rlMultiplier } from "../rl-port.ts";
import { defineSizingLayer, type LayerOutput } from "./types.ts";

/**
 * RL: the Q-learning policy's size multiplier for the state (volatility, trend, regime,
 * confidence, drawdown). The action goes back to the learner when the trade closes.
 */
export const rlLayer = defineSizingLayer({
  name: "rl",
  description: "tabular Q-learning size multiplier",
  create(setup) {
    return {
      name: "rl",
      apply(input, ctx): LayerOutput {
        const m = rlMultiplier(ctx.learned.rlPolicy ?? setup.defaultRl, {
          volatilityRatio: input.volatilityRatio ?? NaN,
          trendStrength: input.trendStrength ?? NaN,
          regime: ctx.regime.regime,
          confidence: ctx.probability().p,
          drawdownPct: ctx.drawdownPct,
        });
        return { factor: m.factor, reason: m.reason, rl: { action: m.action, stateKey: m.stateKey }, usedRegime: true };
      },
    };
  },
});

import { ladderFactor } from "../confidence.ts";
import { defineSizingLayer } from "./types.ts";

/**
 * Confidence: the calibrated win probability of the signal through the configured ladder (see
 * ../confidence.ts). Any p that cannot be trusted (no model, too few trades, a missing feature)
 * is neutral 1.0 with the reason.
 */
export const confLayer = defineSizingLayer({
  name: "conf",
  description: "calibrated win probability mapped through the confidence ladder",
  create(setup) {
    const cfg = setup.sizing.confidence;
    return {
      name: "conf",
      apply(_input, ctx) {
        const { p, why } = ctx.probability();
        return Number.isNaN(p) ? { factor: 1, reason: why } : ladderFactor(p, cfg);
      },
    };
  },
});

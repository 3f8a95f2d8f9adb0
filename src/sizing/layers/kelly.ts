import { kellyFactor, type KellyLayerResult } from "../kelly.ts";
import type { KellySnapshot } from "../kelly-stats.ts";
import { defineSizingLayer, type LayerOutput } from "./types.ts";

/**
 * Kelly: fractional Kelly of the strategy's closed-trade statistics (scope: sizing.kelly.scope)
 * as a factor on base risk (see ../kelly.ts for the mapping). Its target is a risk % to the stop,
 * so it does not apply to an entry sized by allocation.
 */
export const kellyLayer = defineSizingLayer({
  name: "kelly",
  description: "fractional Kelly of the closed-trade statistics, as a multiple of base risk",
  create(setup) {
    const cfg = setup.sizing.kelly;
    // Kelly's reason costs a few toFixed calls and its input changes only when a trade closes: a
    // one-entry memo on the (cached, immutable) snapshot object keeps the hot path cheap.
    let memoSnap: KellySnapshot | null | undefined;
    let memo: KellyLayerResult | null = null;
    return {
      name: "kelly",
      needsStop: true,
      apply(_input, ctx): LayerOutput {
        const snap = ctx.learned.kelly ?? null;
        if (memo === null || snap !== memoSnap) {
          memo = kellyFactor(snap, cfg, setup.baseRiskPct);
          memoSnap = snap;
        }
        return { factor: memo.factor, reason: memo.reason, kelly: memo.estimate };
      },
    };
  },
});

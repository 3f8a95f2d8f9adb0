import { drawdownFactor } from "../drawdown.ts";
import { defineSizingLayer } from "./types.ts";

/**
 * Drawdown cutback and emergency halt (see ../drawdown.ts). Every mode runs it (modes.ts): a mode
 * that could leave it out could trade through the halt.
 */
export const ddLayer = defineSizingLayer({
  name: "dd",
  description: "drawdown ladder from the equity high-water mark; factor 0 at the halt level",
  create(setup) {
    const cfg = setup.sizing.drawdown;
    return { name: "dd", apply: (_input, ctx) => drawdownFactor(ctx.drawdownPct, cfg) };
  },
});

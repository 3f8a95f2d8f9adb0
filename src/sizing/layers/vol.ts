import { volatilityFactor } from "../volatility.ts";
import { defineSizingLayer } from "./types.ts";

/** Volatility: cut the size when ATR runs hot against its own average (see ../volatility.ts). */
export const volLayer = defineSizingLayer({
  name: "vol",
  description: "ATR / its average above the configured ratios cuts the size",
  create(setup) {
    const cfg = setup.sizing.volatility;
    return { name: "vol", apply: (input) => volatilityFactor(input.volatilityRatio ?? NaN, cfg) };
  },
});

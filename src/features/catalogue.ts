/**
 * The one list of entry-time features (SPEC section 2): their names, order, group and meaning.
 * Training, backtests and the live daemon all get their vectors from src/features/entry-features.ts
 * in this order, and every model stores the names it was trained on, so a renamed or reordered
 * feature is caught as a mismatch instead of silently feeding a weight the wrong number.
 *
 * Groups exist for the feature-set experiment (SPEC section 4): "structural" is what the Bear Trap
 * itself measures at the reclaim (the setup, the candle, volatility, the clock); "momentum" is
 * where price has been going (returns over several lookbacks and trend strength).
 */

export type FeatureGroup = "structural" | "momentum";

export interface FeatureSpec {
  readonly name: string;
  readonly group: FeatureGroup;
  readonly description: string;
}

/** Lookbacks (bars) of the momentum returns, shortest first. */
export const MOMENTUM_LOOKBACKS: readonly number[] = Object.freeze([5, 15, 30, 60]);

export const momentumFeatureName = (bars: number): string => `ret${bars}Pct`;

export const FEATURE_CATALOGUE: readonly FeatureSpec[] = Object.freeze([
  { name: "dayChangePct", group: "structural", description: "(close - session open) / session open x 100 at the reclaim bar" },
  { name: "lowerWickRatio", group: "structural", description: "reclaim candle: lower wick / range" },
  { name: "bodyRatio", group: "structural", description: "reclaim candle: |close - open| / range" },
  { name: "volumeRatio", group: "structural", description: "reclaim bar volume / 20-bar average volume" },
  { name: "atrPct", group: "structural", description: "ATR(14) as % of the entry price" },
  { name: "rPct", group: "structural", description: "R (entry - stop) as % of the entry price" },
  { name: "minutesSinceOpen", group: "structural", description: "minutes from 09:30 ET to the reclaim bar's close" },
  { name: "atrPercentile", group: "structural", description: "rank (0..100) of the current ATR among the last 390 ATR values" },
  { name: "trendStrength", group: "momentum", description: "fraction (0..1) of the last 20 bars whose high exceeded the previous high" },
  { name: "adx", group: "momentum", description: "ADX(14), Wilder" },
  ...MOMENTUM_LOOKBACKS.map((n) => ({ name: momentumFeatureName(n), group: "momentum" as const, description: `close-to-close return over the last ${n} bars, %` })),
]);

/** Every feature, in the order of every full entry-feature vector. */
export const ENTRY_FEATURE_NAMES: readonly string[] = Object.freeze(FEATURE_CATALOGUE.map((f) => f.name));

/**
 * The features a Signal alone determines (no indicator state), in the confidence model's order:
 * the confidence model is refitted from closed trades, which keep their signal and nothing else.
 */
export const SIGNAL_FEATURE_NAMES: readonly string[] = Object.freeze(ENTRY_FEATURE_NAMES.slice(0, 7));

export const FEATURE_GROUPS: Readonly<Record<FeatureGroup, readonly string[]>> = Object.freeze({
  structural: Object.freeze(FEATURE_CATALOGUE.filter((f) => f.group === "structural").map((f) => f.name)),
  momentum: Object.freeze(FEATURE_CATALOGUE.filter((f) => f.group === "momentum").map((f) => f.name)),
});

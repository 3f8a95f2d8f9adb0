import type { Signal } from "../core/types.ts";
import { ET_MINUTE, nyOffsetMs } from "../core/ny-time.ts";
import type { NamedFeatures } from "./regime-port.ts";

/**
 * The confidence model's entry-time features, all known at the decision bar's close (no
 * look-ahead). A richer shared feature module comes with the regime issue; until then models are
 * trained and queried with this fixed order, and the names travel with the model so a mismatch is
 * caught instead of silently mis-weighting.
 */
export const ENTRY_FEATURES: readonly string[] = Object.freeze([
  "dayChangePct",
  "lowerWickRatio",
  "bodyRatio",
  "volumeRatio",
  /** ATR as % of price: volatility in units comparable across symbols. */
  "atrPct",
  /** R (entry - stop) as % of price: how far the stop is. */
  "rPct",
  /** Minutes from 09:30 ET to the decision bar's close. */
  "minutesSinceOpen",
]);

const MIN_MS = 60_000;
const DAY_MS = 86_400_000;

export function entryFeatures(s: Signal): number[] {
  const price = s.refPriceUsd;
  const local = s.barTimeMs + nyOffsetMs(s.barTimeMs);
  const minuteOfDay = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / MIN_MS);
  // +1: the decision is at the bar's close, one minute after its start.
  const minutesSinceOpen = minuteOfDay + 1 - ET_MINUTE.open;
  return [
    s.dayChangePct,
    s.lowerWickRatio,
    s.bodyRatio,
    s.volumeRatio,
    price > 0 ? (s.atrUsd / price) * 100 : NaN,
    price > 0 ? ((price - s.stopPriceUsd) / price) * 100 : NaN,
    minutesSinceOpen,
  ];
}

export function entryFeatureVector(s: Signal): NamedFeatures {
  return { names: ENTRY_FEATURES, values: entryFeatures(s) };
}

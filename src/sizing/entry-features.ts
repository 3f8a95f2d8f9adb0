import type { Signal } from "../core/types.ts";
import { SIGNAL_FEATURE_NAMES } from "../features/catalogue.ts";
import { signalFeatureValues, type NamedFeatures } from "../features/entry-features.ts";

/**
 * The confidence model's entry-time features: the signal-only part of the shared feature
 * catalogue (src/features), in its order. The model is refitted from closed trades, which keep
 * their signal but not the indicator state of their entry bar, so it uses what the signal alone
 * determines; the names travel with the model so a mismatch is caught instead of mis-weighting.
 */
export const ENTRY_FEATURES: readonly string[] = SIGNAL_FEATURE_NAMES;

export function entryFeatures(s: Signal): number[] {
  return signalFeatureValues(s);
}

export function entryFeatureVector(s: Signal): NamedFeatures {
  return { names: ENTRY_FEATURES, values: entryFeatures(s) };
}

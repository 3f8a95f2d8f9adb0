import { ENTRY_FEATURE_NAMES, FEATURE_GROUPS, type FeatureGroup } from "./catalogue.ts";
import type { NamedFeatures } from "./entry-features.ts";

/** Which features a model uses: every one, a group, or an explicit list of names. */
export type FeatureSetChoice = "all" | FeatureGroup | readonly string[];

/** The feature names of a choice, in catalogue order for a group. Throws on an unknown name. */
export function resolveFeatureSet(choice: FeatureSetChoice): readonly string[] {
  if (choice === "all") return ENTRY_FEATURE_NAMES;
  if (typeof choice === "string") return FEATURE_GROUPS[choice];
  const unknown = choice.filter((n) => !ENTRY_FEATURE_NAMES.includes(n));
  if (unknown.length > 0) throw new Error(`unknown feature ${unknown.join(", ")} (known: ${ENTRY_FEATURE_NAMES.join(", ")})`);
  if (new Set(choice).size !== choice.length) throw new Error(`feature list names a feature twice: ${choice.join(", ")}`);
  return choice;
}

// Index maps per (source names, wanted names) pair. The engine passes the same frozen name arrays
// on every call, so after the first signal the lookup is two WeakMap gets.
const indexCache = new WeakMap<readonly string[], WeakMap<readonly string[], Int32Array>>();

/** Where each of `wanted` sits in `names` (-1 when absent). */
export function featureIndex(names: readonly string[], wanted: readonly string[]): Int32Array {
  let byWanted = indexCache.get(names);
  if (!byWanted) indexCache.set(names, (byWanted = new WeakMap()));
  let idx = byWanted.get(wanted);
  if (!idx) {
    idx = Int32Array.from(wanted, (w) => names.indexOf(w));
    byWanted.set(wanted, idx);
  }
  return idx;
}

/** The values of `wanted` from `features`, NaN for a name `features` lacks. */
export function pickFeatures(features: NamedFeatures, wanted: readonly string[]): Float64Array {
  const idx = featureIndex(features.names, wanted);
  const out = new Float64Array(wanted.length);
  for (let j = 0; j < idx.length; j++) out[j] = idx[j] < 0 ? NaN : features.values[idx[j]];
  return out;
}

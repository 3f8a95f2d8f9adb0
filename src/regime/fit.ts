import type { BarSource } from "../core/bars.ts";
import type { Config } from "../config/schema.ts";
import { etDayToIso, NyTime } from "../core/ny-time.ts";
import { featureIndex, resolveFeatureSet } from "../features/feature-set.ts";
import { REGIMES } from "../sizing/regime-port.ts";
import { REGIME_MODEL_FORMAT, REGIME_MODEL_VERSION, type RegimeModel } from "./model.ts";
import { collectRegimeSamples, type RegimeSample, type RegimeSampleSet } from "./training-set.ts";
import { featureImportance, growTree } from "./tree.ts";

export interface RegimeModelFit {
  /** Null when there were too few labelled trades (config regime.minSamples): use the fail-safe. */
  readonly model: RegimeModel | null;
  /** Labelled trades the tree was (or would have been) fitted on. */
  readonly samples: number;
  /** One line for people: what was fitted, or why nothing was. */
  readonly reason: string;
  /** The samples used, each with the model's feature values (for in-sample reports). */
  readonly used: readonly RegimeSample[];
  readonly sampleSet: RegimeSampleSet;
}

/**
 * Fits the regime tree on the bars of `source` within [fromMs, toMs): runs the backtester for the
 * trades, labels each from its path after entry, and grows a depth <= 3 tree on the configured
 * feature set. Deterministic: the same bars and config give the same model.
 */
export function fitRegimeModel(input: { config: Config; source: BarSource; fromMs?: number; toMs?: number; onProgress?: (bars: number) => void }): RegimeModelFit {
  return fitRegimeModelOnSamples(collectRegimeSamples(input), input.config);
}

/**
 * Fits on samples already collected (a walk-forward can collect once and fit each fold on the
 * samples whose label was known before that fold's test window). `set.samples` may be filtered.
 */
export function fitRegimeModelOnSamples(set: RegimeSampleSet, config: Config): RegimeModelFit {
  const rc = config.regime;
  const features = resolveFeatureSet(rc.features);
  const idx = featureIndex(set.featureNames, features);
  const missing = features.filter((_, j) => idx[j] < 0);
  if (missing.length > 0) throw new Error(`samples lack feature ${missing.join(", ")}`);
  const used: RegimeSample[] = [];
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (const s of set.samples) {
    const row = Float64Array.from(idx, (k) => s.features[k]);
    if (!row.every(Number.isFinite)) continue;
    used.push(s);
    x.push(row);
    y.push(REGIMES.indexOf(s.label));
  }
  const droppedMissingFeature = set.samples.length - used.length;
  const dropped = droppedMissingFeature + set.unfinished > 0 ? ` (left out: ${droppedMissingFeature} with a missing feature, ${set.unfinished} whose path the data cut short)` : "";
  if (used.length < rc.minSamples || used.length === 0) {
    return { model: null, samples: used.length, reason: `${used.length} labelled trades < regime.minSamples ${rc.minSamples}${dropped}: no model, fail-safe NORMAL`, used, sampleSet: set };
  }
  const tree = growTree(x, y, features, { maxDepth: rc.maxDepth, minLeafSamples: rc.minLeafSamples });
  const ny = new NyTime();
  const model: RegimeModel = {
    format: REGIME_MODEL_FORMAT,
    version: REGIME_MODEL_VERSION,
    classes: ["ADD_ALLOWED", "ADD_NEUTRAL", "NO_ADD"],
    features: [...features],
    tree,
    importance: featureImportance(tree, features),
    training: {
      fromMs: set.firstMs,
      toMs: set.endMs,
      from: etDayToIso(ny.etDay(set.firstMs)),
      to: etDayToIso(ny.etDay(set.endMs - 1)),
      samples: used.length,
      trades: set.trades,
      droppedMissingFeature,
      droppedUnfinished: set.unfinished,
      classCounts: tree.counts.slice(),
      bars: set.bars,
      symbols: [...set.symbols],
      dataFingerprint: set.fingerprint,
    },
    config: JSON.parse(JSON.stringify(config)) as Record<string, unknown>,
  };
  return { model, samples: used.length, reason: `fitted on ${used.length} labelled trades${dropped}, ${model.training.from}..${model.training.to}`, used, sampleSet: set };
}

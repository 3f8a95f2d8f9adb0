import type { ConfidenceConfig } from "../config/schema.ts";
import { fmt2, fmtFactor, type LayerResult } from "./layer.ts";
import { predict, type ConfidenceModel } from "./logistic.ts";

/**
 * Confidence layer: the model's calibrated win probability p, mapped through the configured
 * ladder. Whenever p cannot be trusted (no model, too few training trades, a missing feature) the
 * answer is neutral 1.0: a broken input must not size a trade up or down.
 */

export interface ConfidenceLayerResult extends LayerResult {
  /** The predicted p, or NaN when the model was not used. */
  readonly p: number;
}

interface LadderTexts {
  readonly rungs: readonly string[];
  readonly below: string;
}

// Config-only reason tails, rendered once per config object (see volatility.ts).
const texts = new WeakMap<ConfidenceConfig, LadderTexts>();

function textsOf(cfg: ConfidenceConfig): LadderTexts {
  let t = texts.get(cfg);
  if (!t) {
    const last = cfg.ladder[cfg.ladder.length - 1].minProbability;
    t = { rungs: cfg.ladder.map((r) => ` >= ${r.minProbability}: x${fmtFactor(r.factor)}`), below: ` < ${last}: x${fmtFactor(cfg.belowFactor)}` };
    texts.set(cfg, t);
  }
  return t;
}

/** The ladder alone: the first rung whose minProbability p reaches, else belowFactor. */
export function ladderFactor(p: number, cfg: ConfidenceConfig): LayerResult {
  const ladder = cfg.ladder;
  const t = textsOf(cfg);
  for (let i = 0; i < ladder.length; i++) {
    if (p >= ladder[i].minProbability) return { factor: ladder[i].factor, reason: `p ${fmt2(p)}${t.rungs[i]}` };
  }
  return { factor: cfg.belowFactor, reason: `p ${fmt2(p)}${t.below}` };
}

/** p from the model, or NaN with the reason it is unusable. */
export function confidenceProbability(model: ConfidenceModel | null, features: ArrayLike<number> | null, cfg: ConfidenceConfig): { p: number; why: string } {
  if (model === null) return { p: NaN, why: `confidence model not trained (n < ${cfg.minSamples})` };
  if (model.trainingCount < cfg.minSamples) return { p: NaN, why: `confidence model not trained (n ${model.trainingCount} < ${cfg.minSamples})` };
  if (features === null) return { p: NaN, why: "confidence: no entry features" };
  if (features.length !== model.featureNames.length) {
    return { p: NaN, why: `confidence: model expects ${model.featureNames.length} features, got ${features.length}` };
  }
  // predict is NaN for any non-finite feature; only then look for which one, for the reason.
  const p = predict(model, features);
  if (Number.isFinite(p)) return { p, why: "" };
  for (let j = 0; j < features.length; j++) {
    if (!Number.isFinite(features[j])) return { p: NaN, why: `confidence: feature ${model.featureNames[j]} is ${features[j]}` };
  }
  return { p: NaN, why: "confidence: prediction is not finite" };
}

export function confidenceFactor(model: ConfidenceModel | null, features: ArrayLike<number> | null, cfg: ConfidenceConfig): ConfidenceLayerResult {
  const { p, why } = confidenceProbability(model, features, cfg);
  if (Number.isNaN(p)) return { factor: 1, reason: why, p };
  const r = ladderFactor(p, cfg);
  return { factor: r.factor, reason: r.reason, p };
}

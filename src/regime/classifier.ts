import type { Config } from "../config/schema.ts";
import { featureIndex } from "../features/feature-set.ts";
import { FAIL_SAFE_REGIME_CALL, REGIMES, type NamedFeatures, type Regime, type RegimeCall, type RegimeClassifier } from "../sizing/regime-port.ts";
import type { RegimeModel } from "./model.ts";
import { leafConditions } from "./rules.ts";
import { leavesOf, topClass, type TreeLeaf, type TreeNode } from "./tree.ts";

const DAY_MS = 86_400_000;

/** ADD_NEUTRAL (the NORMAL template) with the reason the model was not followed. */
function failSafe(why: string): RegimeCall {
  return { regime: "ADD_NEUTRAL", probability: 1, reason: `${why}: fail-safe NORMAL` };
}

const SWAP: Readonly<Record<Regime, Regime>> = { ADD_ALLOWED: "NO_ADD", ADD_NEUTRAL: "ADD_NEUTRAL", NO_ADD: "ADD_ALLOWED" };

/**
 * The regime classifier over a trained tree, with SPEC's fail-safes: it answers ADD_NEUTRAL (the
 * NORMAL template) and says why when the model is missing; when the decision is inside or before
 * the model's training data (the model would have seen its outcome) or more than
 * `regime.maxAgeDays` after it (stale); when a feature of the model's list is missing from the
 * input (the lists do not match) or one the call's path through the tree reads is not finite (a
 * NaN in a feature no split on the path reads cannot change the answer, so it does not count);
 * or when the leaf's top class probability is below `regime.minProbability`. With
 * `regime.invert` it swaps ADD_ALLOWED and NO_ADD (the signal-inversion check).
 *
 * Ages are measured at `asOfMs` of each call (the engine passes the signal bar's close), or at
 * `nowMs` for callers that pass none; with neither, age is not checked.
 */
export function createRegimeClassifier(model: RegimeModel | null, config: Config, nowMs?: number): RegimeClassifier {
  if (model === null) return { classify: () => FAIL_SAFE_REGIME_CALL };
  const rc = config.regime;
  const wanted = model.features;
  const trainedToMs = model.training.toMs;
  const maxAgeMs = rc.maxAgeDays * DAY_MS;
  const through = new Date(trainedToMs).toISOString().slice(0, 16);
  // Per-leaf answer and reason text, built once: a call then only routes and picks.
  const answers = new Map<TreeLeaf, LeafAnswer>();
  for (const leaf of leavesOf(model.tree)) answers.set(leaf, leafAnswer(model.tree, leaf, rc.minProbability, rc.invert));
  return {
    classify(features: NamedFeatures, asOfMs?: number): RegimeCall {
      const at = asOfMs ?? nowMs;
      if (at !== undefined) {
        if (at < trainedToMs) return failSafe(`decision at ${new Date(at).toISOString().slice(0, 16)} is not after the model's training data (through ${through}): it may have seen this outcome`);
        if (at - trainedToMs > maxAgeMs) return failSafe(`model stale: trained on data through ${through}, ${Math.floor((at - trainedToMs) / DAY_MS)} days > regime.maxAgeDays ${rc.maxAgeDays}`);
      }
      const idx = featureIndex(features.names, wanted);
      for (let j = 0; j < idx.length; j++) if (idx[j] < 0) return failSafe(`feature ${wanted[j]} missing (model features do not match the input's)`);
      let n: TreeNode = model.tree;
      while (n.kind === "split") {
        const v = features.values[idx[wanted.indexOf(n.feature)]];
        if (!Number.isFinite(v)) return failSafe(`feature ${n.feature} is ${v}`);
        n = v < n.threshold ? n.below : n.atOrAbove;
      }
      const a = answers.get(n)!;
      return a.call ?? failSafe(a.text);
    },
  };
}

/** What a leaf answers: its call, or null (below minProbability) with the text saying so. */
interface LeafAnswer {
  readonly call: RegimeCall | null;
  readonly text: string;
}

function leafAnswer(root: TreeNode, leaf: TreeLeaf, minProbability: number, invert: boolean): LeafAnswer {
  const { index, p, n } = topClass(leaf.counts);
  const predicted = REGIMES[index];
  const where = `leaf ${leaf.id} (${leafConditions(root, leaf).join(" and ") || "all trades"})`;
  const share = `p ${p.toFixed(2)} (${leaf.counts[index]}/${n})`;
  if (p < minProbability) return { call: null, text: `${where}: ${predicted} ${share} < regime.minProbability ${minProbability}` };
  const regime = invert ? SWAP[predicted] : predicted;
  const inverted = invert && regime !== predicted ? ` inverted from ${predicted} (regime.invert)` : "";
  return { call: Object.freeze({ regime, probability: p, reason: `${where}: ${regime} ${share}${inverted}` }), text: "" };
}

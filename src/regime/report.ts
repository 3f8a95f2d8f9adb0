import type { Config } from "../config/schema.ts";
import { REGIMES, type Regime } from "../sizing/regime-port.ts";
import { createRegimeClassifier } from "./classifier.ts";
import type { RegimeModel } from "./model.ts";
import type { RegimeSample } from "./training-set.ts";
import { routeToLeaf, topClass, type TreeNode } from "./tree.ts";

/**
 * How the tree does on its own training trades. IN-SAMPLE: these trades chose the splits, so the
 * figures flatter the model; only a walk-forward measures skill.
 */
export interface InSampleReport {
  /** Rows: actual label; columns: the tree's majority class, both in REGIMES order. */
  readonly confusion: readonly (readonly number[])[];
  readonly accuracy: number;
  /** Per class: the trades the tree put there (majority class) and the classifier's call (min probability and inversion applied). */
  readonly byPredicted: readonly RegimeOutcome[];
  readonly byCall: readonly RegimeOutcome[];
  /** Features by importance, highest first, with the number of splits on each. */
  readonly importance: readonly { readonly feature: string; readonly importance: number; readonly splits: number }[];
}

export interface RegimeOutcome {
  readonly regime: Regime;
  readonly trades: number;
  /** Null without trades. */
  readonly winRate: number | null;
  readonly avgR: number | null;
}

export function inSampleReport(model: RegimeModel, samples: readonly RegimeSample[], featureNames: readonly string[], config: Config): InSampleReport {
  const col = new Map(featureNames.map((f, i) => [f, i]));
  const confusion = REGIMES.map(() => REGIMES.map(() => 0));
  const predicted: Regime[] = [];
  const called: Regime[] = [];
  // Ages do not apply in-sample (every trade is inside the training period), so no clock is given.
  const clf = createRegimeClassifier(model, config);
  for (const s of samples) {
    const leaf = routeToLeaf(model.tree, (f) => s.features[col.get(f)!]);
    const p = REGIMES[topClass(leaf.counts).index];
    predicted.push(p);
    confusion[REGIMES.indexOf(s.label)][REGIMES.indexOf(p)]++;
    called.push(clf.classify({ names: featureNames, values: s.features }).regime);
  }
  const hits = REGIMES.reduce((a, _, k) => a + confusion[k][k], 0);
  const splits = new Map<string, number>();
  const countSplits = (n: TreeNode): void => {
    if (n.kind === "leaf") return;
    splits.set(n.feature, (splits.get(n.feature) ?? 0) + 1);
    countSplits(n.below);
    countSplits(n.atOrAbove);
  };
  countSplits(model.tree);
  return {
    confusion,
    accuracy: samples.length > 0 ? hits / samples.length : 0,
    byPredicted: outcomes(samples, predicted),
    byCall: outcomes(samples, called),
    importance: model.features
      .map((f) => ({ feature: f, importance: model.importance[f] ?? 0, splits: splits.get(f) ?? 0 }))
      .sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature)),
  };
}

function outcomes(samples: readonly RegimeSample[], by: readonly Regime[]): RegimeOutcome[] {
  return REGIMES.map((regime) => {
    const mine = samples.filter((_, i) => by[i] === regime);
    const n = mine.length;
    return {
      regime,
      trades: n,
      winRate: n > 0 ? mine.filter((s) => s.pnlUsd > 0).length / n : null,
      avgR: n > 0 ? mine.reduce((a, s) => a + s.rMultiple, 0) / n : null,
    };
  });
}

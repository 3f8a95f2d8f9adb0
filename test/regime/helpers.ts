import { REGIME_MODEL_FORMAT, REGIME_MODEL_VERSION, type RegimeModel } from "../../src/regime/model.ts";
import type { TreeNode } from "../../src/regime/tree.ts";

export const DAY_MS = 86_400_000;
export const TRAINED_TO_MS = Date.UTC(2024, 4, 31, 20);

/**
 * A hand-written model: adx < 25 -> leaf 1 (ADD_ALLOWED 8 / NEUTRAL 1 / NO_ADD 1, p 0.8);
 * adx >= 25 and ret15Pct < -2 -> leaf 2 (2 / 1 / 7, NO_ADD p 0.7);
 * adx >= 25 and ret15Pct >= -2 -> leaf 3 (4 / 3 / 3, ADD_ALLOWED p 0.4).
 */
export function handModel(over: Partial<RegimeModel> = {}): RegimeModel {
  const tree: TreeNode = {
    kind: "split",
    feature: "adx",
    threshold: 25,
    counts: [14, 5, 11],
    below: { kind: "leaf", id: 1, counts: [8, 1, 1] },
    atOrAbove: {
      kind: "split",
      feature: "ret15Pct",
      threshold: -2,
      counts: [6, 4, 10],
      below: { kind: "leaf", id: 2, counts: [2, 1, 7] },
      atOrAbove: { kind: "leaf", id: 3, counts: [4, 3, 3] },
    },
  };
  return {
    format: REGIME_MODEL_FORMAT,
    version: REGIME_MODEL_VERSION,
    classes: ["ADD_ALLOWED", "ADD_NEUTRAL", "NO_ADD"],
    features: ["adx", "ret15Pct", "volumeRatio"],
    tree,
    importance: { adx: 0.6, ret15Pct: 0.4, volumeRatio: 0 },
    training: {
      fromMs: TRAINED_TO_MS - 60 * DAY_MS,
      toMs: TRAINED_TO_MS,
      from: "2024-04-01",
      to: "2024-05-31",
      samples: 30,
      trades: 30,
      droppedMissingFeature: 0,
      droppedUnfinished: 0,
      classCounts: [14, 5, 11],
      bars: 1000,
      symbols: ["XYZ"],
      dataFingerprint: "0123456789abcdef0123456789abcdef01234567",
    },
    config: {},
    ...over,
  };
}

/** Features by name for the hand model (any order, extra names allowed). */
export function named(values: Record<string, number>): { names: string[]; values: number[] } {
  return { names: Object.keys(values), values: Object.values(values) };
}

import { DecisionTreeClassifier, type CartNodeJson } from "ml-cart";
import { REGIMES } from "../sizing/regime-port.ts";

/**
 * The regime tree as sizewise keeps it: split nodes name their feature and threshold (a value
 * below the threshold goes `below`, anything else `atOrAbove`), and every node carries the class
 * counts of the training rows that reached it, in REGIMES order. Probabilities are leaf counts /
 * leaf total, so they are exactly what the training data showed, and a printout can show the n
 * behind each one.
 */
export type TreeNode = TreeLeaf | TreeSplit;

export interface TreeLeaf {
  readonly kind: "leaf";
  /** 1-based, left to right. */
  readonly id: number;
  readonly counts: readonly number[];
}

export interface TreeSplit {
  readonly kind: "split";
  readonly feature: string;
  readonly threshold: number;
  readonly counts: readonly number[];
  readonly below: TreeNode;
  readonly atOrAbove: TreeNode;
}

const total = (counts: readonly number[]): number => counts.reduce((a, c) => a + c, 0);

export interface GrowOptions {
  readonly maxDepth: number;
  readonly minLeafSamples: number;
}

/**
 * Grows a CART tree (ml-cart, Gini) on rows of `features` with class indices into REGIMES, then
 * re-reads it with the training rows: counts per node come from routing the rows (ml-cart keeps
 * only class shares), and a split that leaves fewer than `minLeafSamples` rows on either side is
 * cut back to a leaf (ml-cart has no minimum leaf size, so a leaf of 1 row would claim p = 1).
 */
export function growTree(x: readonly Float64Array[], y: readonly number[], features: readonly string[], opts: GrowOptions): TreeNode {
  const cart = new DecisionTreeClassifier({
    gainFunction: "gini",
    maxDepth: opts.maxDepth,
    // ml-cart stops splitting a node with at most this many rows; fewer than two leaves' worth cannot split.
    minNumSamples: Math.max(1, 2 * opts.minLeafSamples - 1),
  });
  const rows = x.map((r) => Array.from(r));
  cart.train(rows, [...y]);
  const root = JSON.parse(JSON.stringify(cart.toJSON().root)) as CartNodeJson;
  let nextLeaf = 1;
  const build = (node: CartNodeJson, idx: readonly number[], depth: number): TreeNode => {
    const counts = countClasses(y, idx);
    const col = node.splitColumn;
    const thr = node.splitValue;
    if (depth < opts.maxDepth && node.left && node.right && col !== undefined && thr !== undefined && Number.isFinite(thr)) {
      const lo = idx.filter((i) => x[i][col] < thr);
      const hi = idx.filter((i) => !(x[i][col] < thr));
      if (lo.length >= opts.minLeafSamples && hi.length >= opts.minLeafSamples) {
        const below = build(node.left, lo, depth + 1);
        const atOrAbove = build(node.right, hi, depth + 1);
        return { kind: "split", feature: features[col], threshold: thr, counts, below, atOrAbove };
      }
    }
    return { kind: "leaf", id: nextLeaf++, counts };
  };
  return build(root, y.map((_, i) => i), 0);
}

function countClasses(y: readonly number[], idx: readonly number[]): number[] {
  const c = REGIMES.map(() => 0);
  for (const i of idx) c[y[i]]++;
  return c;
}

/** The leaf a feature vector (in the model's feature order, by name index) falls into. */
export function routeToLeaf(node: TreeNode, valueOf: (feature: string) => number): TreeLeaf {
  let n = node;
  while (n.kind === "split") n = valueOf(n.feature) < n.threshold ? n.below : n.atOrAbove;
  return n;
}

export function leavesOf(node: TreeNode): TreeLeaf[] {
  return node.kind === "leaf" ? [node] : [...leavesOf(node.below), ...leavesOf(node.atOrAbove)];
}

export function depthOf(node: TreeNode): number {
  return node.kind === "leaf" ? 0 : 1 + Math.max(depthOf(node.below), depthOf(node.atOrAbove));
}

/**
 * A node's majority class index into REGIMES and its share of the node's rows. Ties go to the more
 * cautious class (ADD_NEUTRAL, then NO_ADD): a split vote must not size up.
 */
export function topClass(counts: readonly number[]): { readonly index: number; readonly p: number; readonly n: number } {
  let top = 1;
  for (const k of [2, 0]) if (counts[k] > counts[top]) top = k;
  const n = total(counts);
  return { index: top, p: n > 0 ? counts[top] / n : 0, n };
}

function gini(counts: readonly number[]): number {
  const n = counts.reduce((a, c) => a + c, 0);
  if (n === 0) return 0;
  let s = 0;
  for (const c of counts) s += (c / n) * (c / n);
  return 1 - s;
}

/**
 * Gini importance per feature: the training-row-weighted impurity decrease of its splits,
 * normalised to sum to 1 (all zero for a tree without splits). Every feature is listed.
 */
export function featureImportance(node: TreeNode, features: readonly string[]): Record<string, number> {
  const raw: Record<string, number> = Object.fromEntries(features.map((f) => [f, 0]));
  const walk = (n: TreeNode): void => {
    if (n.kind === "leaf") return;
    raw[n.feature] += total(n.counts) * gini(n.counts) - total(n.below.counts) * gini(n.below.counts) - total(n.atOrAbove.counts) * gini(n.atOrAbove.counts);
    walk(n.below);
    walk(n.atOrAbove);
  };
  walk(node);
  const sum = Object.values(raw).reduce((a, v) => a + v, 0);
  return Object.fromEntries(features.map((f) => [f, sum > 0 ? raw[f] / sum : 0]));
}

import { REGIMES } from "../sizing/regime-port.ts";
import type { RegimeModel } from "./model.ts";
import { topClass, type TreeLeaf, type TreeNode } from "./tree.ts";

/** A threshold as people read it: 4 significant digits, no exponent for ordinary magnitudes. */
export function fmtThreshold(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

/** The conditions on the way from the root to `leaf`, e.g. ["adx < 25.3", "ret15Pct >= -1.2"]. */
export function leafConditions(root: TreeNode, leaf: TreeLeaf): string[] {
  const path: string[] = [];
  const find = (n: TreeNode): boolean => {
    if (n === leaf) return true;
    if (n.kind === "leaf") return false;
    const t = fmtThreshold(n.threshold);
    path.push(`${n.feature} < ${t}`);
    if (find(n.below)) return true;
    path[path.length - 1] = `${n.feature} >= ${t}`;
    if (find(n.atOrAbove)) return true;
    path.pop();
    return false;
  };
  find(root);
  return path;
}

/**
 * The tree as if/then rules, one per leaf, left to right:
 * "leaf 2: if adx < 25.3 and ret15Pct >= -1.2 then ADD_ALLOWED (p 0.71; 12 ADD_ALLOWED / 3 ADD_NEUTRAL / 2 NO_ADD)".
 * The class is the leaf's majority before any fail-safe threshold or inversion.
 */
export function treeRules(model: RegimeModel): string[] {
  const out: string[] = [];
  const walk = (n: TreeNode): void => {
    if (n.kind === "split") {
      walk(n.below);
      walk(n.atOrAbove);
      return;
    }
    const top = topClass(n.counts);
    const cond = leafConditions(model.tree, n);
    const head = cond.length > 0 ? `if ${cond.join(" and ")} then` : "always";
    const counts = REGIMES.map((r, k) => `${n.counts[k]} ${r}`).join(" / ");
    out.push(`leaf ${n.id}: ${head} ${REGIMES[top.index]} (p ${top.p.toFixed(2)}; ${counts})`);
  };
  walk(model.tree);
  return out;
}

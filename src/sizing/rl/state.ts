import type { RlBucketEdges } from "./config.ts";
import type { RlStateInput } from "./policy.ts";

/**
 * Turns the continuous sizing context into a small discrete state, so a tabular Q-learner sees
 * each situation often enough to learn from it. Key shape (also the reason text):
 *
 *   vol:mid|trend:high|regime:ADD_NEUTRAL|conf:0.65-0.75|dd:<2%
 *
 * Buckets are half-open [lo, hi): with the default volatility edges [0.8, 1.2, 1.5] a ratio of
 * 0.8 is "mid" and 1.5 is "extreme". Volatility and trend get ordinal names (the brief's reason
 * text reads better than raw numbers and the edges are stored with the table); confidence and
 * drawdown show their numeric range because those numbers are what people reason about.
 * Anything non-finite (NaN from a warming-up indicator, an uncalibrated signal) lands in the
 * "unknown" bucket instead of throwing: sizing must never crash on a missing feature.
 */

export const UNKNOWN = "unknown";

const REGIMES: readonly string[] = ["ADD_ALLOWED", "ADD_NEUTRAL", "NO_ADD"];

/** Index of the bucket holding x, or -1 when x is not a finite number. */
export function bucketIndex(x: number, edges: readonly number[]): number {
  if (typeof x !== "number" || !Number.isFinite(x)) return -1;
  let i = 0;
  while (i < edges.length && x >= edges[i]) i++;
  return i;
}

/** Ordinal names for n buckets; beyond five the names run out, so fall back to b0..bn. */
function ordinalNames(n: number): readonly string[] {
  switch (n) {
    case 1:
      return ["all"];
    case 2:
      return ["low", "high"];
    case 3:
      return ["low", "mid", "high"];
    case 4:
      return ["low", "mid", "high", "extreme"];
    case 5:
      return ["vlow", "low", "mid", "high", "extreme"];
    default:
      return Array.from({ length: n }, (_, i) => `b${i}`);
  }
}

/** "<a", "a-b", ..., ">=z" with an optional unit suffix. */
function rangeLabel(i: number, edges: readonly number[], unit: string): string {
  if (i === 0) return `<${edges[0]}${unit}`;
  if (i === edges.length) return `>=${edges[edges.length - 1]}${unit}`;
  return `${edges[i - 1]}-${edges[i]}${unit}`;
}

function ordinalLabel(x: number, edges: readonly number[]): string {
  const i = bucketIndex(x, edges);
  return i < 0 ? UNKNOWN : ordinalNames(edges.length + 1)[i];
}

function numericLabel(x: number, edges: readonly number[], unit: string): string {
  const i = bucketIndex(x, edges);
  return i < 0 ? UNKNOWN : rangeLabel(i, edges, unit);
}

/** Bucket labels of one state, one per dimension. */
export interface RlStateBuckets {
  readonly vol: string;
  readonly trend: string;
  readonly regime: string;
  readonly conf: string;
  readonly dd: string;
}

export function bucketState(s: RlStateInput, edges: RlBucketEdges): RlStateBuckets {
  // Drawdown arrives as a magnitude from most callers but some report it signed (-3 = 3% down);
  // the bucket is about how deep, so both conventions land in the same place.
  const dd = typeof s.drawdownPct === "number" ? Math.abs(s.drawdownPct) : NaN;
  return {
    vol: ordinalLabel(s.volatilityRatio, edges.volatility),
    trend: ordinalLabel(s.trendStrength, edges.trend),
    regime: REGIMES.includes(s.regime) ? s.regime : UNKNOWN,
    conf: numericLabel(s.confidence, edges.confidence, ""),
    dd: numericLabel(dd, edges.drawdownPct, "%"),
  };
}

export function formatStateKey(b: RlStateBuckets): string {
  return `vol:${b.vol}|trend:${b.trend}|regime:${b.regime}|conf:${b.conf}|dd:${b.dd}`;
}

/** The compact key the Q-table is indexed by. */
export function stateKey(s: RlStateInput, edges: RlBucketEdges): string {
  return formatStateKey(bucketState(s, edges));
}

/** Every label a dimension can take (unknown included), e.g. for reports that list all states. */
export function bucketLabels(edges: RlBucketEdges): Record<keyof RlStateBuckets, readonly string[]> {
  const numeric = (e: readonly number[], unit: string) => [...e.map((_, i) => rangeLabel(i, e, unit)), rangeLabel(e.length, e, unit), UNKNOWN];
  return {
    vol: [...ordinalNames(edges.volatility.length + 1), UNKNOWN],
    trend: [...ordinalNames(edges.trend.length + 1), UNKNOWN],
    regime: [...REGIMES, UNKNOWN],
    conf: numeric(edges.confidence, ""),
    dd: numeric(edges.drawdownPct, "%"),
  };
}

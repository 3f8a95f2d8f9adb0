import { SeededRng } from "../core/rng.ts";

/**
 * The stationary bootstrap of Politis and Romano (1994) over trading days: blocks of consecutive
 * days with geometrically distributed lengths (mean `meanBlockDays`), wrapping around the end. It
 * keeps serial dependence between nearby days (a losing streak, a position held overnight) that
 * resampling single days would break, and unlike fixed blocks its resamples are stationary.
 * Hand-written: no maintained npm package implements a block bootstrap, and it is a dozen lines.
 */

export interface BootstrapOptions {
  /** Number of resamples (default 2000). */
  readonly resamples: number;
  /** Two-sided confidence level in (0, 1) (default 0.95). */
  readonly level: number;
  /** Seed of the resampling: the same seed gives the same intervals. */
  readonly seed: number;
  /** Mean block length in days; default round(days^(1/3)), at least 1. */
  readonly meanBlockDays?: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: 2000, level: 0.95, seed: 16 };

/** Refuses options a bootstrap cannot run with, with a message naming the option. */
export function checkBootstrapOptions(o: BootstrapOptions): void {
  if (!(Number.isInteger(o.resamples) && o.resamples >= 100 && o.resamples <= 100_000)) throw new RangeError(`bootstrap resamples must be an integer in [100, 100000], got ${o.resamples}`);
  if (!(o.level > 0.5 && o.level < 1)) throw new RangeError(`confidence level must be in (0.5, 1), got ${o.level}`);
  if (o.meanBlockDays !== undefined && !(o.meanBlockDays >= 1)) throw new RangeError(`mean block length must be >= 1 day, got ${o.meanBlockDays}`);
}

/** The mean block length used for `days` days. */
export function meanBlockFor(days: number, o: Pick<BootstrapOptions, "meanBlockDays">): number {
  return o.meanBlockDays ?? Math.max(1, Math.round(Math.cbrt(days)));
}

/** One stationary-bootstrap resample of the indices 0..n-1 (n of them). */
export function stationaryIndices(n: number, meanBlock: number, rng: SeededRng): number[] {
  const out: number[] = [];
  const pNew = 1 / meanBlock;
  let i = 0;
  while (out.length < n) {
    if (out.length === 0 || rng.next() < pNew) i = rng.int(0, n - 1);
    else i = (i + 1) % n;
    out.push(i);
  }
  return out;
}

/**
 * Runs `stat` on `resamples` index resamples of n days and returns each resample's vector of
 * statistics. Every caller that passes the same n and options sees the same resamples: that is
 * what pairs the modes of a comparison.
 */
export function bootstrapDays(n: number, o: BootstrapOptions, stat: (indices: readonly number[]) => number[]): number[][] {
  const rng = new SeededRng(o.seed);
  const block = meanBlockFor(n, o);
  const out: number[][] = [];
  if (n === 0) return out;
  for (let b = 0; b < o.resamples; b++) out.push(stat(stationaryIndices(n, block, rng)));
  return out;
}

/** The p-quantile of sorted values, linearly interpolated (type 7, as R and numpy default). */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Percentile interval and standard deviation of a bootstrap distribution. */
export function percentileInterval(values: readonly number[], level: number): { lo: number; hi: number; se: number } {
  const s = [...values].sort((a, b) => a - b);
  const a = (1 - level) / 2;
  const mean = s.reduce((x, y) => x + y, 0) / Math.max(1, s.length);
  const v = s.length > 1 ? s.reduce((x, y) => x + (y - mean) ** 2, 0) / (s.length - 1) : 0;
  return { lo: quantileSorted(s, a), hi: quantileSorted(s, 1 - a), se: Math.sqrt(v) };
}

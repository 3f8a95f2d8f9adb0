import jStat from "jstat";

/**
 * The standard normal distribution, from jstat (a dependency-free, widely used statistics
 * library). Its CDF is built on a Chebyshev erfc and its inverse is refined by Newton steps, which
 * reproduces the deflated Sharpe paper's printed figures to 4 decimals; table-based CDFs (such as
 * simple-statistics') do not.
 */

/** P(Z <= x) for a standard normal Z. */
export function normCdf(x: number): number {
  return jStat.normal.cdf(x, 0, 1);
}

/** The x with P(Z <= x) = p, for p in (0, 1); -Infinity at 0 and +Infinity at 1. */
export function normInv(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  return jStat.normal.inv(p, 0, 1);
}

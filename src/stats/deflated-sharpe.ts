import { normCdf, normInv } from "./normal.ts";

/**
 * The deflated Sharpe ratio of Bailey and Lopez de Prado (2014, "The Deflated Sharpe Ratio:
 * Correcting for Selection Bias, Backtest Overfitting and Non-Normality", J. Portfolio Mgmt 40(5)).
 *
 * The best of N tried variants has a high Sharpe ratio even when none has any skill. The DSR is
 * the probabilistic Sharpe ratio (the probability that the true Sharpe exceeds a benchmark, given
 * the sample length, skewness and kurtosis of the returns) against the benchmark that N skill-less
 * trials would be expected to reach at best:
 *   SR0 = sqrt(V[SR]) x ((1 - g) x Z^-1(1 - 1/N) + g x Z^-1(1 - 1/(N e))),  g = Euler-Mascheroni,
 *   DSR = Z((SR - SR0) x sqrt(T - 1) / sqrt(1 - skew x SR + (kurtosis - 1) / 4 x SR^2)).
 * Every Sharpe here is per observation (not annualised); kurtosis is the plain (not excess) one.
 */

export const EULER_GAMMA = 0.5772156649015329;

/** Expected maximum Sharpe ratio of `nTrials` skill-less trials whose Sharpe ratios have variance `variance`. */
export function expectedMaxSharpe(nTrials: number, variance: number): number {
  if (!(nTrials > 1) || !(variance > 0)) return 0;
  return Math.sqrt(variance) * ((1 - EULER_GAMMA) * normInv(1 - 1 / nTrials) + EULER_GAMMA * normInv(1 - 1 / (nTrials * Math.E)));
}

/** Probability that the true Sharpe exceeds `benchmark` (both per observation), from T observations. */
export function probabilisticSharpe(sr: number, benchmark: number, observations: number, skew: number, kurtosis: number): number {
  if (!(observations > 1)) return 0.5;
  const denom = 1 - skew * sr + ((kurtosis - 1) / 4) * sr * sr;
  // A negative denominator only arises with moments no real sample has together with this SR; no information then.
  if (!(denom > 0)) return 0.5;
  return normCdf(((sr - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(denom));
}

export interface DeflatedSharpe {
  /** The benchmark: the best Sharpe (per observation) N skill-less trials would show. */
  readonly expectedMaxSharpe: number;
  /** Probability that the true Sharpe exceeds that benchmark. */
  readonly dsr: number;
}

export function deflatedSharpe(x: { sr: number; observations: number; skew: number; kurtosis: number; nTrials: number; trialSharpeVariance: number }): DeflatedSharpe {
  const sr0 = expectedMaxSharpe(x.nTrials, x.trialSharpeVariance);
  return { expectedMaxSharpe: sr0, dsr: probabilisticSharpe(x.sr, sr0, x.observations, x.skew, x.kurtosis) };
}

/** Per-observation Sharpe (mean / sample std), skewness and plain kurtosis of a return series. */
export function returnMoments(xs: readonly number[]): { sr: number; skew: number; kurtosis: number; n: number } {
  const n = xs.length;
  if (n < 2) return { sr: 0, skew: 0, kurtosis: 3, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  const sd = Math.sqrt(m2 / (n - 1));
  const pop2 = m2 / n;
  // Population moments for skew and kurtosis, as the paper's estimators.
  const skew = pop2 > 0 ? m3 / n / pop2 ** 1.5 : 0;
  const kurtosis = pop2 > 0 ? m4 / n / (pop2 * pop2) : 3;
  return { sr: sd > 1e-15 ? mean / sd : 0, skew, kurtosis, n };
}

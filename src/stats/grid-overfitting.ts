import { alignSamples, type RunSample } from "./day-sample.ts";
import { deflatedSharpe, returnMoments } from "./deflated-sharpe.ts";
import { pboGroupsFor, probabilityOfOverfitting, type PboResult } from "./pbo.ts";

/**
 * Multiple testing in an experiment grid (issue 16): every variant's deflated Sharpe ratio with N =
 * the number of variants tried, and the grid's probability of backtest overfitting by CSCV, both
 * on the variants' daily out-of-sample returns over the same days.
 */

/** A deflated Sharpe at or above this is said to survive deflation (a one-sided 5% test). */
export const DSR_SURVIVES = 0.95;

export interface DeflatedRow {
  readonly name: string;
  /** Daily Sharpe (per day, not annualised) and the moments the DSR corrects for. */
  readonly sharpeDaily: number;
  readonly skew: number;
  readonly kurtosis: number;
  readonly days: number;
  /** Closed trades behind the returns: a high Sharpe from a handful of trades is a handful of days. */
  readonly trades: number;
  readonly dsr: number;
}

export interface GridOverfitting {
  readonly trials: number;
  /** The best daily Sharpe that `trials` skill-less variants would be expected to show. */
  readonly expectedMaxSharpeDaily: number;
  /** Every variant by deflated Sharpe, best first. */
  readonly deflated: readonly DeflatedRow[];
  /** Variants whose DSR is at least {@link DSR_SURVIVES}. */
  readonly survivors: readonly string[];
  /** Null when the grid is too small for CSCV (see `pboReason`). */
  readonly pbo: (Omit<PboResult, "picks"> & { readonly picks: Readonly<Record<string, number>> }) | null;
  readonly pboReason: string;
}

export function gridOverfitting(samples: Readonly<Record<string, RunSample>>): GridOverfitting {
  const names = Object.keys(samples);
  const aligned = alignSamples(names.map((n) => samples[n]));
  const returns = aligned.map((s) => s.days.map((d) => d.ret));
  const moments = returns.map(returnMoments);
  const srs = moments.map((m) => m.sr);
  const mean = srs.reduce((a, b) => a + b, 0) / Math.max(1, srs.length);
  const variance = srs.length > 1 ? srs.reduce((a, s) => a + (s - mean) ** 2, 0) / (srs.length - 1) : 0;
  let sr0 = 0;
  const deflated = moments
    .map((m, i) => {
      const d = deflatedSharpe({ sr: m.sr, observations: m.n, skew: m.skew, kurtosis: m.kurtosis, nTrials: names.length, trialSharpeVariance: variance });
      sr0 = d.expectedMaxSharpe;
      const trades = aligned[i].days.reduce((a, day) => a + day.trades.length, 0);
      return { name: names[i], sharpeDaily: m.sr, skew: m.skew, kurtosis: m.kurtosis, days: m.n, trades, dsr: d.dsr };
    })
    .sort((a, b) => b.dsr - a.dsr || (a.name < b.name ? -1 : 1));
  const T = returns[0]?.length ?? 0;
  const groups = pboGroupsFor(T);
  let pbo: GridOverfitting["pbo"] = null;
  let pboReason: string;
  if (names.length < 2) pboReason = "needs at least 2 variants";
  else if (groups < 2) pboReason = `${T} days are too few for CSCV (at least 4: 2 groups of 2)`;
  else {
    const r = probabilityOfOverfitting(returns, groups);
    pbo = { ...r, picks: Object.fromEntries(names.map((n, i) => [n, r.picks[i]]).filter(([, k]) => (k as number) > 0)) };
    pboReason = `CSCV over ${T} days in ${groups} groups of ${Math.floor(T / groups)} (${r.splits} splits)`;
  }
  return { trials: names.length, expectedMaxSharpeDaily: sr0, deflated, survivors: deflated.filter((d) => d.dsr >= DSR_SURVIVES).map((d) => d.name), pbo, pboReason };
}

/** The grid's multiple-testing findings in a few lines. */
export function overfittingLines(g: GridOverfitting, listed = 5): string[] {
  const ann = (x: number): string => (x * Math.sqrt(252)).toFixed(2);
  const out = [
    `Multiple testing: ${g.trials} variants tried; ${g.trials} skill-less variants would show a best daily Sharpe of about ${g.expectedMaxSharpeDaily.toFixed(3)} (${ann(g.expectedMaxSharpeDaily)} a year) by luck alone.`,
    `Deflated Sharpe (Bailey & Lopez de Prado 2014; the probability the true Sharpe beats that luck, after skew, kurtosis and ${g.deflated[0]?.days ?? 0} days): ${g.deflated
      .slice(0, listed)
      .map((d) => `${d.name} ${d.dsr.toFixed(2)} (${d.trades} trades)`)
      .join(", ")}${g.deflated.length > listed ? ", ..." : ""}. ${g.survivors.length === 0 ? `No variant survives deflation (DSR >= ${DSR_SURVIVES}).` : `Surviving deflation (DSR >= ${DSR_SURVIVES}): ${g.survivors.join(", ")}.`}`,
  ];
  out.push(
    g.pbo
      ? `Probability of backtest overfitting (CSCV, Bailey et al. 2015): ${g.pbo.pbo.toFixed(2)} (${g.pboReason}); ${g.pbo.pbo >= 0.5 ? "the in-sample best is as likely as not to land in the bottom half out of sample: picking the best variant here is picking noise" : "the in-sample best tends to stay in the top half out of sample"}; it lost money out of sample in ${(g.pbo.probOosLoss * 100).toFixed(0)}% of splits.`
      : `Probability of backtest overfitting: not computed (${g.pboReason}).`,
  );
  return out;
}

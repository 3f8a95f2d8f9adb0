import type { DailyEquityPoint } from "../core/types.ts";
/**
 * Performance metrics of one backtest run (the criteria against a baseline are in criteria.ts).
 *
 * The research this project replaces computed Sharpe on per-trade returns and compounded without
 * limits, which inflates both. Here risk-adjusted figures come from DAILY equity returns, and every
 * figure is finite so a report can always be written as JSON and compared. Where a ratio has no
 * meaningful value (no days, no losses, a zero baseline) the rule used instead is stated on the
 * field, because those rules are part of what the numbers promise.
 */

/** One closed trade, as far as the metrics need it (the engine's `TradeRecord` satisfies this). */
export interface TradeOutcome {
  /** Realised profit or loss in USD, after friction. */
  pnlUsd: number;
  /** Realised P/L divided by the initial risk (entry to initial stop) of the trade. */
  rMultiple: number;
  entryTimeMs: number;
  exitTimeMs: number;
  /**
   * Dollar risk the trade took: every entry's shares x (entry price - initial stop). When absent it
   * is read from `entries` and `initialStopUsd` (as the engine's `TradeRecord` carries them), else
   * from |pnlUsd / rMultiple| (the engine's R is P/L over exactly this risk); a trade whose risk
   * cannot be known (no entries, R 0) is left out of {@link Metrics.avgRiskUsd}.
   */
  riskUsd?: number;
  entries?: readonly { readonly qtyShares: number; readonly priceUsd: number }[];
  initialStopUsd?: number;
}

export type { DailyEquityPoint } from "../core/types.ts";

/**
 * What a backtest reports per sizing mode. Every field is a finite number for every accepted
 * input; see {@link computeMetrics} for what is accepted.
 */
export interface Metrics {
  /** (final equity / initial equity - 1) x 100. Final equity is the last daily point, or the initial equity when there are none. */
  totalReturnPct: number;
  /**
   * Compound annual growth rate in percent over the calendar span `endMs - startMs`, in years of
   * 365.25 days: ((final / initial)^(1 / years) - 1) x 100, computed through logarithms.
   * - final equity <= 0: -100 (the account is gone, whatever the span);
   * - span shorter than one day (or unknown, e.g. no bars): 0, since a rate cannot be annualised from it;
   * - otherwise the geometric annualisation, capped at {@link CAGR_CAP_PCT}. Short spans make CAGR
   *   explode (a 5 % gain over 2 days is ~7.4e5 % a year, 10 % over 2 days ~3.6e9 %); the cap
   *   keeps it finite, and a value at the cap reads as "span too short to annualise". Read CAGR
   *   over spans of weeks as an illustration, not a forecast.
   */
  cagrPct: number;
  /**
   * Annualised Sharpe ratio of daily equity returns, risk-free rate 0: mean / sample std (n - 1)
   * x sqrt(252). See {@link computeMetrics} for how daily returns are formed. 0 when there are
   * fewer than 2 daily returns or their std is (numerically) 0, i.e. below 1e-10 x the largest
   * |daily return|: that is rounding noise of a constant series, not risk.
   */
  sharpe: number;
  /**
   * Annualised Sortino ratio: mean daily return / downside deviation x sqrt(252), where downside
   * deviation = sqrt(mean over ALL days of min(r, 0)^2). 0 when there are fewer than 2 daily
   * returns or the downside deviation is (numerically) 0 by the same 1e-10 rule as Sharpe, e.g. no
   * losing day; it is never reported as infinite.
   */
  sortino: number;
  /**
   * Largest peak-to-trough decline of daily equity as a positive percentage of the peak, where the
   * running peak starts at the initial equity. 0 when equity never falls below a prior peak. In
   * [0, 100]: a series that reaches equity <= 0 reports 100 (total loss), even if leverage took
   * equity below zero.
   */
  maxDrawdownPct: number;
  /** cagrPct / maxDrawdownPct; 0 when the max drawdown is 0. */
  mar: number;
  /** Share (0..1) of trades with pnlUsd > 0; break-even trades count as not winning. 0 with no trades. */
  winRate: number;
  /**
   * Gross profit / gross loss (sum of positive P/L over minus the sum of negative P/L), capped at
   * {@link PROFIT_FACTOR_CAP}. With no losing trade: the cap when there was any profit, else 0.
   * The cap keeps the value finite and keeps "no losses at all" ranked at least as high as any
   * finite ratio.
   */
  profitFactor: number;
  /** Mean R multiple per trade; 0 with no trades. */
  expectancyR: number;
  /** Sample standard deviation (n - 1) of trade P/L in USD; 0 with fewer than 2 trades. */
  pnlStd: number;
  /** Smallest trade P/L in USD (the worst loss when negative); 0 with no trades. */
  worstTrade: number;
  /** Sum of the 10 smallest trade P/Ls in USD (of all trades when fewer than 10); 0 with no trades. */
  worst10: number;
  /**
   * exposedMs / marketMs x 100: time with at least one open position over regular-session time;
   * 0 when marketMs is under 1 ms or either is unknown. Not capped at 100: a position held
   * overnight is exposed outside session time, and hiding that would flatter the mode.
   */
  exposurePct: number;
  /** Number of closed trades. */
  trades: number;
  /**
   * Mean dollar risk taken per trade (all entries to the initial stop, see
   * {@link TradeOutcome.riskUsd}); 0 with no trade of known risk. The unit of the size-neutral
   * figures below: dividing dollars by it makes a run at half the size read the same.
   */
  avgRiskUsd: number;
  /**
   * Net trade P/L in units of the average risk (sum of P/L / avgRiskUsd): the return per unit of
   * risk taken. With equal risk on every trade this is the sum of the R multiples. 0 when avgRiskUsd is 0.
   */
  netR: number;
  /** netR / trades: the mean trade P/L over the mean risk; 0 with no trades. */
  edgeR: number;
  /** pnlStd / avgRiskUsd: trade-P/L dispersion per unit of risk taken; 0 when avgRiskUsd is 0. */
  pnlStdR: number;
  /** worst10 / avgRiskUsd: the 10 worst trades in units of the average risk; 0 when avgRiskUsd is 0. */
  worst10R: number;
}

export interface MetricsInput {
  /** Starting equity, USD; must be finite and > 0. */
  initialEquityUsd: number;
  /** End-of-session equity, one point per session, oldest first. */
  daily: readonly DailyEquityPoint[];
  trades: readonly TradeOutcome[];
  /** Milliseconds with at least one position open. */
  exposedMs: number;
  /** Milliseconds of regular-session time covered by the run. */
  marketMs: number;
  /** Time of the first bar (NaN when there were none). */
  startMs: number;
  /** Time of the last bar (NaN when there were none). */
  endMs: number;
}

/** Upper bound of {@link Metrics.cagrPct}, in percent (a 10-million-fold growth per year). */
export const CAGR_CAP_PCT = 1e9;
/** Upper bound of {@link Metrics.profitFactor}, and its value when there are profits but no losses. */
export const PROFIT_FACTOR_CAP = 999;
/** Trading sessions per year used to annualise daily Sharpe and Sortino. */
export const TRADING_DAYS_PER_YEAR = 252;

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
const SQRT_YEAR = Math.sqrt(TRADING_DAYS_PER_YEAR);
const LN_CAGR_CAP = Math.log1p(CAGR_CAP_PCT / 100);
/**
 * A dispersion this small relative to the largest return is rounding noise of a constant series
 * (e.g. +1 % every day), not risk; dividing by it would report a Sharpe of ~1e16.
 */
const NUMERICAL_ZERO_REL = 1e-10;

/**
 * Measures one run. Daily returns are r_i = E_i / E_(i-1) - 1 with E_0 = the initial equity, so the
 * first session's return is measured from the starting equity. A session that starts at equity
 * <= 0 has return 0: the account is ruined and nothing is left to grow or lose.
 *
 * Accepts any inputs whose numbers are finite (`startMs`, `endMs`, `exposedMs` and `marketMs` may
 * also be NaN, meaning "no bars"); returns only finite numbers.
 * @throws RangeError when the initial equity is not finite and > 0, when a daily equity or trade
 *   figure is not finite (an upstream bug that would otherwise be averaged away silently), or
 *   when magnitudes are so extreme (beyond ~1e300) that a result would overflow.
 */
export function computeMetrics(input: MetricsInput): Metrics {
  const initial = input.initialEquityUsd;
  if (!(Number.isFinite(initial) && initial > 0)) {
    throw new RangeError(`initial equity must be finite and > 0, got ${initial}`);
  }
  const { daily, trades } = input;

  const n = daily.length;
  const returns = new Float64Array(n);
  let prev = initial;
  let peak = initial;
  let maxDd = 0;
  for (let i = 0; i < n; i++) {
    const e = daily[i].equityUsd;
    if (!Number.isFinite(e)) throw new RangeError(`daily[${i}] (${daily[i].day}) equity is not finite: ${e}`);
    returns[i] = prev > 0 ? e / prev - 1 : 0;
    prev = e;
    if (e > peak) peak = e;
    // peak >= initial > 0, so the ratio is defined; below zero equity is still a total loss.
    const dd = e <= 0 ? 1 : (peak - e) / peak;
    if (dd > maxDd) maxDd = dd;
  }
  const finalEquity = n > 0 ? daily[n - 1].equityUsd : initial;

  const totalReturnPct = (finalEquity / initial - 1) * 100;
  const cagrPct = cagr(initial, finalEquity, input.endMs - input.startMs);
  const maxDrawdownPct = maxDd * 100;

  const r = scaledMoments(returns);
  let sharpe = 0;
  let sortino = 0;
  if (n >= 2) {
    if (r.scaledStd > NUMERICAL_ZERO_REL) sharpe = (r.scaledMean / r.scaledStd) * SQRT_YEAR;
    let downSq = 0;
    for (let i = 0; i < n; i++) {
      const x = returns[i] / r.scale;
      if (x < 0) downSq += x * x;
    }
    const scaledDownside = Math.sqrt(downSq / n);
    if (scaledDownside > NUMERICAL_ZERO_REL) sortino = (r.scaledMean / scaledDownside) * SQRT_YEAR;
  }

  const t = trades.length;
  const pnl = new Float64Array(t);
  const rm = new Float64Array(t);
  let wins = 0;
  const grossProfit = new NeumaierSum();
  const grossLoss = new NeumaierSum();
  for (let i = 0; i < t; i++) {
    const p = trades[i].pnlUsd;
    const q = trades[i].rMultiple;
    if (!Number.isFinite(p)) throw new RangeError(`trades[${i}].pnlUsd is not finite: ${p}`);
    if (!Number.isFinite(q)) throw new RangeError(`trades[${i}].rMultiple is not finite: ${q}`);
    pnl[i] = p;
    rm[i] = q;
    if (p > 0) {
      wins++;
      grossProfit.add(p);
    } else if (p < 0) {
      grossLoss.add(-p);
    }
  }
  const avgRiskUsd = meanRisk(trades);
  const perRisk = (usd: number): number => (avgRiskUsd > 0 ? usd / avgRiskUsd : 0);
  const gp = grossProfit.value();
  const gl = grossLoss.value();
  const profitFactor = gl > 0 ? Math.min(gp / gl, PROFIT_FACTOR_CAP) : gp > 0 ? PROFIT_FACTOR_CAP : 0;
  const pnlMoments = scaledMoments(pnl);
  const expectancyR = scaledMoments(rm).mean;

  // Sorting a copy is O(t log t) on a few thousand trades at most; simpler to trust than a heap.
  pnl.sort();
  const worstTrade = t > 0 ? pnl[0] : 0;
  const worst = new NeumaierSum();
  for (let i = 0; i < Math.min(10, t); i++) worst.add(pnl[i]);

  const { exposedMs, marketMs } = input;
  // Under a millisecond of market time there is nothing to be exposed during, and dividing by it overflows.
  const exposurePct = marketMs >= 1 && Number.isFinite(marketMs) && Number.isFinite(exposedMs) ? (exposedMs / marketMs) * 100 : 0;

  const m: Metrics = {
    totalReturnPct,
    cagrPct,
    sharpe,
    sortino,
    maxDrawdownPct,
    mar: maxDrawdownPct > 0 ? cagrPct / maxDrawdownPct : 0,
    winRate: t > 0 ? wins / t : 0,
    profitFactor,
    expectancyR,
    pnlStd: pnlMoments.std,
    worstTrade,
    worst10: worst.value(),
    exposurePct,
    trades: t,
    avgRiskUsd,
    netR: perRisk(gp - gl),
    edgeR: t > 0 ? perRisk(gp - gl) / t : 0,
    pnlStdR: perRisk(pnlMoments.std),
    worst10R: perRisk(worst.value()),
  };
  for (const [k, v] of Object.entries(m)) {
    if (!Number.isFinite(v)) throw new RangeError(`metric ${k} overflowed (${v}); inputs are outside the supported magnitude`);
  }
  return m;
}

/** Risk of one trade (see {@link TradeOutcome.riskUsd}), NaN when it cannot be known. */
export function tradeRiskUsd(t: TradeOutcome): number {
  if (t.riskUsd !== undefined) return t.riskUsd;
  if (t.entries !== undefined && t.initialStopUsd !== undefined && t.entries.length > 0) {
    const stop = t.initialStopUsd;
    return t.entries.reduce((a, e) => a + e.qtyShares * Math.max(0, e.priceUsd - stop), 0);
  }
  return t.rMultiple !== 0 ? Math.abs(t.pnlUsd / t.rMultiple) : NaN;
}

function meanRisk(trades: readonly TradeOutcome[]): number {
  const sum = new NeumaierSum();
  let n = 0;
  for (const t of trades) {
    const r = tradeRiskUsd(t);
    if (Number.isFinite(r) && r >= 0) {
      sum.add(r);
      n++;
    }
  }
  return n > 0 ? sum.value() / n : 0;
}

function cagr(initial: number, finalEquity: number, spanMs: number): number {
  if (finalEquity <= 0) return -100;
  // Written as a negated >= so that a NaN span (no bars) also lands here.
  if (!(spanMs >= DAY_MS)) return 0;
  const years = spanMs / YEAR_MS;
  // Subtracting logs rather than dividing equities avoids overflow of the ratio itself.
  const lnGrowthPerYear = (Math.log(finalEquity) - Math.log(initial)) / years;
  if (lnGrowthPerYear >= LN_CAGR_CAP) return CAGR_CAP_PCT;
  // expm1 keeps precision for the small yearly rates that realistic runs produce.
  return Math.expm1(lnGrowthPerYear) * 100;
}

interface ScaledMoments {
  /** Largest |x|, or 1 when all are 0 or there are none. */
  scale: number;
  mean: number;
  /** Sample std (n - 1); 0 for fewer than 2 values. */
  std: number;
  /** mean / scale and std / scale: ratios of these cannot overflow even when mean or std would. */
  scaledMean: number;
  scaledStd: number;
}

/**
 * Mean and sample std by Welford's update on values divided by their largest magnitude, so the
 * squares stay <= 1 and cannot overflow while the recurrence stays free of cancellation.
 */
function scaledMoments(xs: Float64Array): ScaledMoments {
  let scale = 0;
  for (let i = 0; i < xs.length; i++) scale = Math.max(scale, Math.abs(xs[i]));
  if (scale === 0) scale = 1;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] / scale;
    const d = x - mean;
    mean += d / (i + 1);
    m2 += d * (x - mean);
  }
  const scaledStd = xs.length >= 2 ? Math.sqrt(Math.max(m2, 0) / (xs.length - 1)) : 0;
  return { scale, mean: mean * scale, std: scaledStd * scale, scaledMean: mean, scaledStd };
}

/** Compensated summation: gross profits and worst-10 sums mix large and small P/Ls. */
class NeumaierSum {
  private sum = 0;
  private comp = 0;
  add(x: number): void {
    const t = this.sum + x;
    this.comp += Math.abs(this.sum) >= Math.abs(x) ? this.sum - t + x : x - t + this.sum;
    this.sum = t;
  }
  value(): number {
    return this.sum + this.comp;
  }
}

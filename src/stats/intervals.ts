import { CRITERIA, DOLLAR_FIGURES, criteriaVsBaseline, type CriterionKey, type CriterionSpec, type DollarKey } from "../backtest/criteria.ts";
import type { Metrics } from "../backtest/metrics.ts";
import { bootstrapDays, checkBootstrapOptions, meanBlockFor, percentileInterval, type BootstrapOptions } from "./bootstrap.ts";
import { alignSamples, type RunSample } from "./day-sample.ts";
import { normInv } from "./normal.ts";
import { resampledMetrics } from "./resampled-metrics.ts";

/**
 * Paired bootstrap intervals for a comparison of runs on the same days (issue 16): every run is
 * resampled on the SAME days in each resample, so what the days have in common (the market, the
 * signals) cancels out of the differences. Each metric gets a percentile interval; each
 * criterion's difference against the baseline gets one, and a verdict from it: "better" when the
 * whole interval is above 0, "worse" when it is below, else "cannot separate". For the last, a
 * power estimate says roughly how many trades at the observed effect and spread would separate it.
 */

/** Metrics that get an interval (exposure has no per-day record, see resampledMetrics). */
export const INTERVAL_METRICS = ["totalReturnPct", "cagrPct", "sharpe", "sortino", "maxDrawdownPct", "mar", "winRate", "profitFactor", "expectancyR", "pnlStd", "worstTrade", "worst10", "avgRiskUsd", "netR", "edgeR", "pnlStdR", "worst10R"] as const satisfies readonly (keyof Metrics)[];
export type IntervalMetric = (typeof INTERVAL_METRICS)[number];

export type Verdict = "better" | "worse" | "cannot separate";

export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

/** A criterion's difference against the baseline with its interval (signed so + is better, as in criteria.ts). */
export interface DiffInterval extends Interval {
  /** The point difference (the same as the criteria's `improvement`). */
  readonly improvement: number;
  /** Bootstrap standard deviation of the difference. */
  readonly se: number;
  readonly verdict: Verdict;
  /**
   * For "cannot separate": about how many trades (the two runs' mean count scaled up) it would
   * take for the interval to exclude 0 with 80% power at the observed effect and spread; null
   * when separated, or when there is no effect to detect (a zero difference or zero spread).
   */
  readonly tradesNeeded: number | null;
}

export interface RunIntervals {
  readonly metrics: Readonly<Record<IntervalMetric, Interval>>;
  /** Null for the baseline itself. */
  readonly sizeNeutral: Readonly<Record<CriterionKey, DiffInterval>> | null;
  readonly dollars: Readonly<Record<DollarKey, DiffInterval>> | null;
}

export interface IntervalSet {
  readonly method: string;
  readonly level: number;
  readonly resamples: number;
  readonly seed: number;
  readonly meanBlockDays: number;
  readonly days: number;
  readonly baseline: string;
  readonly runs: Readonly<Record<string, RunIntervals>>;
}

/** Statistical power the trade-count estimate aims at. */
export const POWER = 0.8;

/**
 * Intervals for every run in `runs` (by name) against `baseline` (one of them).
 * @throws RangeError on bad options or a missing baseline.
 */
export function pairedIntervals(runs: Readonly<Record<string, RunSample>>, baseline: string, o: BootstrapOptions): IntervalSet {
  checkBootstrapOptions(o);
  const names = Object.keys(runs);
  if (!names.includes(baseline)) throw new RangeError(`the baseline "${baseline}" is not among the runs (${names.join(", ")})`);
  const aligned = alignSamples(names.map((n) => runs[n]));
  const n = aligned[0]?.days.length ?? 0;
  const bi = names.indexOf(baseline);
  const critKeys = Object.keys(CRITERIA) as CriterionKey[];
  const dolKeys = Object.keys(DOLLAR_FIGURES) as DollarKey[];
  const per = INTERVAL_METRICS.length + critKeys.length + dolKeys.length;
  // One vector per resample: for each run its metrics, then its criteria against the baseline.
  const draws = bootstrapDays(n, o, (idx) => {
    const ms = aligned.map((s) => resampledMetrics(s, idx));
    const out: number[] = [];
    for (const m of ms) {
      const c = criteriaVsBaseline(m, ms[bi]);
      out.push(...INTERVAL_METRICS.map((k) => m[k]), ...critKeys.map((k) => c.sizeNeutral[k].improvement), ...dolKeys.map((k) => c.dollars[k].improvement));
    }
    return out;
  });
  const column = (j: number): number[] => draws.map((d) => d[j]);
  const full = aligned.map((s) => resampledMetrics(s, s.days.map((_, i) => i)));
  const out: Record<string, RunIntervals> = {};
  names.forEach((name, r) => {
    const base = r * per;
    const metrics = {} as Record<IntervalMetric, Interval>;
    INTERVAL_METRICS.forEach((k, j) => {
      const { lo, hi } = percentileInterval(column(base + j), o.level);
      metrics[k] = { lo, hi };
    });
    const point = criteriaVsBaseline(full[r], full[bi]);
    const meanTrades = (full[r].trades + full[bi].trades) / 2;
    const diffs = <K extends string>(keys: readonly K[], offset: number, pick: (k: K) => number): Record<K, DiffInterval> => {
      const d = {} as Record<K, DiffInterval>;
      keys.forEach((k, j) => (d[k] = diffInterval(pick(k), column(base + offset + j), o.level, meanTrades)));
      return d;
    };
    out[name] =
      r === bi
        ? { metrics, sizeNeutral: null, dollars: null }
        : {
            metrics,
            sizeNeutral: diffs(critKeys, INTERVAL_METRICS.length, (k) => point.sizeNeutral[k].improvement),
            dollars: diffs(dolKeys, INTERVAL_METRICS.length + critKeys.length, (k) => point.dollars[k].improvement),
          };
  });
  return { method: "paired stationary block bootstrap over trading days, percentile intervals", level: o.level, resamples: o.resamples, seed: o.seed, meanBlockDays: meanBlockFor(n, o), days: n, baseline, runs: out };
}

/** The interval, verdict and power estimate of one difference from its bootstrap draws. */
export function diffInterval(improvement: number, draws: readonly number[], level: number, trades: number): DiffInterval {
  const { lo, hi, se } = percentileInterval(draws, level);
  const verdict: Verdict = lo > 0 ? "better" : hi < 0 ? "worse" : "cannot separate";
  return { improvement, lo, hi, se, verdict, tradesNeeded: verdict === "cannot separate" ? tradesToSeparate(improvement, se, trades, level) : null };
}

/**
 * Trades needed to separate an effect of size |effect| whose standard error is `se` at `trades`
 * trades: the standard error shrinks as 1/sqrt(n), and a two-sided test at `level` has power
 * {@link POWER} when |effect| = (z_(1-a/2) + z_power) x se(n), so
 * n = trades x ((z_(1-a/2) + z_power) x se / |effect|)^2. Rough on purpose: it assumes the effect
 * and the per-trade spread stay as observed and more days bring trades at today's rate.
 */
export function tradesToSeparate(effect: number, se: number, trades: number, level: number): number | null {
  if (!(Math.abs(effect) > 1e-12) || !(se > 0) || !(trades > 0)) return null;
  const z = normInv(1 - (1 - level) / 2) + normInv(POWER);
  return Math.ceil(trades * ((z * se) / Math.abs(effect)) ** 2);
}



/** A difference with its interval in the figure's unit, e.g. "+0.12 R [-0.05, +0.30]". */
export function intervalText(d: Pick<DiffInterval, "improvement" | "lo" | "hi">, spec: Pick<CriterionSpec, "unit">): string {
  const digits = spec.unit === "$" ? 0 : 2;
  const u = spec.unit === "R" ? " R" : spec.unit === "%" ? " pp" : "";
  const p = spec.unit === "$" ? "$" : "";
  const f = (x: number): string => `${x >= 0 ? "+" : "-"}${p}${Math.abs(x).toFixed(digits)}`;
  return `${f(d.improvement)}${u} [${f(d.lo)}, ${f(d.hi)}]`;
}

/** A trade count as text, e.g. "about 400 trades needed". */
export function tradesNeededText(n: number | null): string {
  if (n === null) return "no difference to detect";
  if (n > 1_000_000) return "more than a million trades needed";
  const r = n >= 1000 ? Math.round(n / 100) * 100 : n >= 100 ? Math.round(n / 10) * 10 : n;
  return `about ${r.toLocaleString("en-US")} trades needed`;
}

/** One criterion's verdict in words: "Sharpe (daily) cannot be separated +0.12 [-0.8, +1.1], about 400 trades needed". */
export function verdictText(label: string, d: DiffInterval, spec: Pick<CriterionSpec, "unit">): string {
  const iv = intervalText(d, spec);
  if (d.verdict === "cannot separate") return `${label} cannot be separated ${iv}, ${tradesNeededText(d.tradesNeeded)}`;
  return `${label} ${d.verdict} ${iv}`;
}

/**
 * The closing verdict of one run against the baseline, written from the intervals:
 * "full vs fixed: Sharpe (daily) better +0.40 [+0.10, +0.71]; P/L per trade (R) cannot be separated ...".
 */
export function closingVerdict(name: string, set: IntervalSet, keys: readonly CriterionKey[] = Object.keys(CRITERIA) as CriterionKey[]): string {
  const r = set.runs[name]?.sizeNeutral;
  if (!r) return `${name}: the baseline`;
  const parts = keys.map((k) => verdictText(CRITERIA[k].label, r[k], CRITERIA[k]));
  return `${name} vs ${set.baseline}: ${parts.join("; ")}`;
}

/** How the intervals were made, in one sentence for report footers. */
export function intervalMethodText(set: Pick<IntervalSet, "level" | "resamples" | "seed" | "meanBlockDays" | "days">): string {
  return `Intervals: ${Math.round(set.level * 100)}% paired stationary block bootstrap over ${set.days} trading days (mean block ${set.meanBlockDays} days, ${set.resamples} resamples, seed ${set.seed}); the same days are resampled for every run, a day's trades stay together. "cannot be separated" = the interval of the difference contains 0; trades needed are for ${POWER * 100}% power at the observed effect and spread.`;
}



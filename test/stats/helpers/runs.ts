import { computeMetrics, type Metrics } from "../../../src/backtest/metrics.ts";
import { criteriaVsBaseline } from "../../../src/backtest/criteria.ts";
import type { DaySample, RunSample } from "../../../src/stats/day-sample.ts";
import { resampledMetrics } from "../../../src/stats/resampled-metrics.ts";
import type { VariantResult } from "../../../src/experiments/run-variant.ts";

/** A run of `days` days, one trade a day with R from `r(k)`, risk $100, returns = P/L on $100k. */
export function dayRun(days: number, r: (k: number) => number): RunSample {
  const ds: DaySample[] = [];
  for (let k = 0; k < days; k++) {
    const R = r(k);
    ds.push({ day: new Date(Date.UTC(2024, 0, 1 + k)).toISOString().slice(0, 10), ret: (R * 100) / 100_000, trades: [{ pnlUsd: R * 100, rMultiple: R, riskUsd: 100 }] });
  }
  return { initialEquityUsd: 100_000, spanMs: days * 86_400_000, days: ds };
}

/** The metrics of a whole sample (no resampling). */
export function metricsOf(s: RunSample): Metrics {
  return resampledMetrics(s, s.days.map((_, i) => i));
}

/** An experiment result whose fixed-mode out-of-sample run is `s`. */
export function variantResult(index: number, name: string, s: RunSample): VariantResult {
  const m = metricsOf(s);
  return { index, name, outOfSample: { from: s.days[0].day, to: s.days.at(-1)!.day, days: s.days.length, folds: [], modes: { fixed: { trades: m.trades, metrics: m, criteria: criteriaVsBaseline(m, m), sample: s } } } };
}

export { computeMetrics };

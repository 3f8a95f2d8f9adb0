import { computeMetrics, type Metrics, type TradeOutcome } from "../backtest/metrics.ts";
import type { RunSample } from "./day-sample.ts";

/**
 * The metrics of one resampled run: the picked days' returns compounded from the initial equity
 * into a new equity curve, and the picked days' trades (a day picked twice counts its trades
 * twice). Exposure has no per-day record, so it is 0 here and gets no interval.
 */
export function resampledMetrics(s: RunSample, indices: readonly number[]): Metrics {
  let eq = s.initialEquityUsd;
  const daily = [];
  const trades: TradeOutcome[] = [];
  for (let k = 0; k < indices.length; k++) {
    const d = s.days[indices[k]];
    eq = eq > 0 ? eq * (1 + d.ret) : eq;
    daily.push({ day: String(k), equityUsd: eq });
    for (const t of d.trades) trades.push({ pnlUsd: t.pnlUsd, rMultiple: t.rMultiple, riskUsd: t.riskUsd, entryTimeMs: 0, exitTimeMs: 0 });
  }
  return computeMetrics({ initialEquityUsd: s.initialEquityUsd, daily, trades, exposedMs: NaN, marketMs: NaN, startMs: 0, endMs: s.spanMs });
}

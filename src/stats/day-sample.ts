import { NyTime, etDayToIso } from "../core/ny-time.ts";
import type { DailyEquityPoint } from "../core/types.ts";
import { tradeRiskUsd, type TradeOutcome } from "../backtest/metrics.ts";

/**
 * A run cut into trading days, the unit the bootstrap resamples: a day's equity return and the
 * trades that closed that day travel together, so intraday dependence between trades is kept.
 * Plain numbers only: it crosses to worker threads with experiment results.
 */

/** One closed trade as the resampled metrics need it. */
export interface SampleTrade {
  readonly pnlUsd: number;
  readonly rMultiple: number;
  /** Dollar risk (see metrics.tradeRiskUsd); NaN when unknown. */
  readonly riskUsd: number;
}

export interface DaySample {
  /** New York date, YYYY-MM-DD. */
  readonly day: string;
  /** Equity return of the session, from the previous session's close (the first from the initial equity). */
  readonly ret: number;
  /** Trades that closed during the session. */
  readonly trades: readonly SampleTrade[];
}

/** A run's days with what the resampled metrics need besides them. */
export interface RunSample {
  readonly initialEquityUsd: number;
  /** Calendar span of the run (first to last bar), for CAGR; NaN when unknown. */
  readonly spanMs: number;
  readonly days: readonly DaySample[];
}

/**
 * Cuts a run into days. A trade belongs to the session its exit falls on (its P/L is in that
 * session's equity); a trade closing after the last session point (should not happen) joins the
 * last day so that none is lost.
 */
export function runSample(input: {
  readonly initialEquityUsd: number;
  readonly daily: readonly DailyEquityPoint[];
  readonly trades: readonly TradeOutcome[];
  readonly startMs: number;
  readonly endMs: number;
}): RunSample {
  const ny = new NyTime();
  const byDay = new Map<string, SampleTrade[]>();
  const dayIndex = new Map(input.daily.map((d, i) => [d.day, i]));
  const lastDay = input.daily.at(-1)?.day;
  for (const t of input.trades) {
    let day = etDayToIso(ny.etDay(t.exitTimeMs));
    if (!dayIndex.has(day) && lastDay !== undefined) day = day > lastDay ? lastDay : (input.daily.find((d) => d.day >= day)?.day ?? lastDay);
    const list = byDay.get(day) ?? [];
    list.push({ pnlUsd: t.pnlUsd, rMultiple: t.rMultiple, riskUsd: tradeRiskUsd(t) });
    byDay.set(day, list);
  }
  let prev = input.initialEquityUsd;
  const days = input.daily.map((d) => {
    const ret = prev > 0 ? d.equityUsd / prev - 1 : 0;
    prev = d.equityUsd;
    return { day: d.day, ret: Number.isFinite(ret) ? ret : 0, trades: byDay.get(d.day) ?? [] };
  });
  return { initialEquityUsd: input.initialEquityUsd, spanMs: input.endMs - input.startMs, days };
}

/**
 * Puts several runs on one calendar (the union of their days, in order) so that a resample picks
 * the same days for each: a run without a session point on a day gets a flat, trade-less day there.
 */
export function alignSamples(runs: readonly RunSample[]): RunSample[] {
  const all = [...new Set(runs.flatMap((r) => r.days.map((d) => d.day)))].sort();
  return runs.map((r) => {
    const have = new Map(r.days.map((d) => [d.day, d]));
    return { ...r, days: all.map((day) => have.get(day) ?? { day, ret: 0, trades: [] }) };
  });
}

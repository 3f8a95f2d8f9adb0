import type { Comparison } from "../backtest/compare.ts";
import type { BootstrapOptions } from "./bootstrap.ts";
import { runSample, type RunSample } from "./day-sample.ts";
import { pairedIntervals, type IntervalSet } from "./intervals.ts";
import type { BacktestRun } from "../backtest/run.ts";

/** A backtest run cut into days for the bootstrap. */
export function sampleOfRun(run: BacktestRun, initialEquityUsd: number): RunSample {
  return runSample({ initialEquityUsd, daily: run.engine.daily, trades: run.engine.trades, startMs: run.engine.firstBarMs, endMs: run.engine.lastBarMs });
}

/** Paired intervals of every mode of a comparison against `fixed` (the same days resampled for each mode). */
export function comparisonIntervals(cmp: Comparison, initialEquityUsd: number, o: BootstrapOptions): IntervalSet {
  const runs: Record<string, RunSample> = {};
  for (const r of cmp.modes) runs[r.mode] = sampleOfRun(r.run, initialEquityUsd);
  return pairedIntervals(runs, "fixed", o);
}

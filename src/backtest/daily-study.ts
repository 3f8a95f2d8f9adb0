import type { BarSeries } from "../core/bars.ts";
import type { BootstrapOptions } from "../stats/bootstrap.ts";
import { adjustSplits, type DetectedSplit } from "../data/splits.ts";
import { runFigures, type RunFigures } from "./daily-figures.ts";
import { runBuyAndHold, runDailyReference, type ReferenceRun, type ReferenceSymbol } from "./daily-reference.ts";

/**
 * The daily trend follower's study: the portfolio run (equal allocation, one cash account), each
 * symbol alone (all of an account in that symbol, no cap: the strategy's own behaviour on it) and
 * buy and hold of the same symbols both ways. Pure: series in, figures out.
 */

/** The params the study reads (a subset of DailyTrendParams, so the strategy's parsed params fit). */
export interface StudyParams {
  readonly default: { readonly period: number; readonly upper: number; readonly lower: number };
  readonly bySymbol: Readonly<Record<string, { readonly period: number; readonly upper: number; readonly lower: number }>>;
  readonly maxPositionPct: number;
  readonly frictionRoundTripBps: number;
}

export interface StudyOptions {
  readonly initialEquityUsd: number;
  readonly bootstrap: BootstrapOptions;
  /** Adjust raw prices for splits first (daily-splits.ts); true for the raw files of ../shared/data. */
  readonly adjustSplits: boolean;
}

export interface SymbolStudy {
  readonly symbol: string;
  readonly band: { readonly period: number; readonly upper: number; readonly lower: number };
  readonly strategy: RunFigures;
  readonly buyAndHold: RunFigures;
  /** The symbol's closed trades' P/L in the portfolio run, USD. */
  readonly portfolioPnlUsd: number;
  readonly portfolioTrades: number;
}

export interface DailyStudy {
  readonly symbols: readonly string[];
  readonly firstDay: number;
  readonly lastDay: number;
  readonly portfolio: RunFigures;
  readonly benchmark: RunFigures;
  readonly perSymbol: readonly SymbolStudy[];
  readonly splits: readonly DetectedSplit[];
  readonly refusedEntries: number;
  readonly cutEntries: number;
  readonly skippedBars: number;
  /** The portfolio run itself (trades and decisions), for the JSON output and parity tests. */
  readonly run: ReferenceRun;
}

/** Runs the study on the given daily series with the strategy's params. */
export function studyDailyTrend(raw: readonly BarSeries[], params: StudyParams, o: StudyOptions): DailyStudy {
  const splits: DetectedSplit[] = [];
  const series = raw.map((s) => {
    if (!o.adjustSplits) return s;
    const a = adjustSplits(s);
    splits.push(...a.splits);
    return a.series;
  });
  const inputs: ReferenceSymbol[] = series.map((s) => ({ series: s, ...(params.bySymbol[s.symbol.toUpperCase()] ?? params.default) }));
  const side = params.frictionRoundTripBps / 2;
  const n = inputs.length;
  const run = runDailyReference(inputs, { initialEquityUsd: o.initialEquityUsd, sideCostBps: side, weight: 1 / n, maxPositionPct: params.maxPositionPct });
  const bh = runBuyAndHold(series, { initialEquityUsd: o.initialEquityUsd, sideCostBps: side, weight: 1 / n });
  const perSymbol = inputs.map((x): SymbolStudy => {
    const alone = runDailyReference([x], { initialEquityUsd: o.initialEquityUsd, sideCostBps: side, weight: 1, maxPositionPct: 100 });
    const hold = runBuyAndHold([x.series], { initialEquityUsd: o.initialEquityUsd, sideCostBps: side, weight: 1 });
    const mine = run.trades.filter((t) => t.symbol === x.series.symbol && !t.open);
    return {
      symbol: x.series.symbol,
      band: { period: x.period, upper: x.upper, lower: x.lower },
      strategy: runFigures(alone, o.bootstrap),
      buyAndHold: runFigures(hold, o.bootstrap),
      portfolioPnlUsd: mine.reduce((a, t) => a + t.pnlUsd, 0),
      portfolioTrades: mine.length,
    };
  });
  return {
    symbols: inputs.map((x) => x.series.symbol),
    firstDay: run.days[0] ?? NaN,
    lastDay: run.days[run.days.length - 1] ?? NaN,
    portfolio: runFigures(run, o.bootstrap),
    benchmark: runFigures(bh, o.bootstrap),
    perSymbol,
    splits,
    refusedEntries: run.refusedEntries,
    cutEntries: run.cutEntries,
    skippedBars: run.skippedBars,
    run,
  };
}

import type { BarSeries } from "../core/bars.ts";
import type { TradeRecord } from "../core/types.ts";
import type { Config } from "../config/schema.ts";
import { parseConfig } from "../config/load.ts";
import { seriesSource } from "../data/merge-source.ts";
import { calibrationTable, type CalibrationRow } from "../sizing/calibration.ts";
import type { KellySnapshot } from "../sizing/kelly-stats.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import type { QTable } from "../sizing/rl/index.ts";
import { criteriaVsBaseline, type Criteria } from "./criteria.ts";
import { tradeRiskUsd } from "./metrics.ts";
import { runBacktest, type BacktestRun } from "./run.ts";
import type { StrategySlot } from "../core/strategy.ts";
import type { RegimeClassifier } from "../sizing/regime-port.ts";

export const ALL_MODES: readonly SizingMode[] = ["fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"];

/** Risk brackets the research notes monitor, in % of equity at entry. */
export const SIZE_BRACKETS = [
  { label: "<1%", lo: 0, hi: 1 },
  { label: "1-2%", lo: 1, hi: 2 },
  { label: "2-4%", lo: 2, hi: 4 },
  { label: ">4%", lo: 4, hi: Infinity },
] as const;

export interface BracketRow {
  readonly bracket: string;
  readonly trades: number;
  readonly sharePct: number;
  /** Null when the bracket has no trades. */
  readonly winRate: number | null;
}

export interface ModeReport {
  readonly mode: SizingMode;
  readonly run: BacktestRun;
  readonly sizes: readonly BracketRow[];
  readonly calibration: readonly CalibrationRow[];
  readonly kelly: readonly KellySnapshot[];
}

export interface Comparison {
  readonly modes: readonly ModeReport[];
  readonly criteria: Readonly<Record<string, Criteria>>;
}

/** Risk a trade took, all entries to the initial stop, as % of equity at its entry. */
export function tradeRiskPct(t: TradeRecord): number {
  const riskUsd = tradeRiskUsd(t);
  return t.sizing.equityUsd > 0 ? (riskUsd / t.sizing.equityUsd) * 100 : 0;
}

export function sizeBrackets(trades: readonly TradeRecord[]): BracketRow[] {
  return bracketRows(trades.map((t) => ({ riskPct: tradeRiskPct(t), win: t.pnlUsd > 0 })));
}

/** Trades by risk at entry (% of equity) into SIZE_BRACKETS, with each bracket's win rate. */
export function bracketRows(trades: readonly { readonly riskPct: number; readonly win: boolean }[]): BracketRow[] {
  return SIZE_BRACKETS.map((b) => {
    const inB = trades.filter((t) => {
      // Rounded to 0.01%: integer shares put a "1%" trade at 0.998%, which is not a smaller bracket.
      const r = Math.round(t.riskPct * 100) / 100;
      return r >= b.lo && r < b.hi;
    });
    return {
      bracket: b.label,
      trades: inB.length,
      sharePct: trades.length ? (inB.length / trades.length) * 100 : 0,
      winRate: inB.length ? inB.filter((t) => t.win).length / inB.length : null,
    };
  });
}

/**
 * Runs every mode on the same bars with the same strategy and signals; only the sizing differs
 * (and what sizing changes downstream: buying power, caps, scale-ins). Criteria are measured
 * against `fixed`, which is always run.
 */
export function compareModes(opts: {
  config: Config;
  series: readonly BarSeries[];
  modes: readonly SizingMode[];
  qTable?: () => QTable | null;
  onMode?: (mode: SizingMode, index: number) => void;
  /** Classifies entries in every mode (only the template modes and RL use the call). */
  regime?: RegimeClassifier;
  /** The strategies and their symbols (default: the config's); every mode runs the same set. */
  slots?: readonly StrategySlot[];
}): Comparison {
  const reports: ModeReport[] = withFixed(opts.modes).map((mode, i) => {
    opts.onMode?.(mode, i);
    const config = withMode(opts.config, mode);
    return modeReport(mode, runBacktest({ config, source: seriesSource(opts.series), qTable: opts.qTable?.() ?? null, regime: opts.regime, slots: opts.slots }));
  });
  return comparisonOf(reports);
}

/** The modes with `fixed` first when it is missing: the criteria need it. */
export function withFixed(modes: readonly SizingMode[]): readonly SizingMode[] {
  return modes.includes("fixed") ? modes : ["fixed", ...modes];
}

/** One mode's run with its size distribution, calibration and Kelly table (from the run's learning state). */
export function modeReport(mode: SizingMode, run: BacktestRun): ModeReport {
  const endMs = run.engine.lastBarMs + 1;
  return {
    mode,
    run,
    sizes: sizeBrackets(run.engine.trades),
    calibration: calibrationTable(run.learning.predictions),
    kelly: Number.isFinite(endMs) ? sortKelly(run.learning.kelly.snapshots(endMs)) : [],
  };
}

/** The reports side by side with each mode's criteria against `fixed`, which must be among them. */
export function comparisonOf(reports: readonly ModeReport[]): Comparison {
  const fixed = reports.find((r) => r.mode === "fixed");
  if (!fixed) throw new Error("a comparison needs the fixed mode (its baseline)");
  const criteria: Record<string, Criteria> = {};
  for (const r of reports) criteria[r.mode] = criteriaVsBaseline(r.run.metrics, fixed.run.metrics);
  return { modes: reports, criteria };
}

/** The config with another sizing mode, validated and frozen again. */
export function withMode(config: Config, mode: SizingMode): Config {
  return parseConfig({ ...JSON.parse(JSON.stringify(config)), sizing: { ...JSON.parse(JSON.stringify(config.sizing)), mode } });
}

/** Aggregates first (every trade, then per strategy), then symbols alphabetically. */
export function sortKelly(rows: KellySnapshot[]): KellySnapshot[] {
  const rank = (k: KellySnapshot): string => `${k.strategyId === "*" ? 0 : 1}${k.symbol === "*" ? 0 : 1}${k.strategyId}/${k.symbol}`;
  return rows.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}

import type { BarSeries } from "../core/bars.ts";
import type { TradeRecord } from "../core/types.ts";
import type { Config } from "../config/schema.ts";
import { parseConfig } from "../config/load.ts";
import { seriesSource } from "../data/merge-source.ts";
import { calibrationTable, type CalibrationRow } from "../sizing/calibration.ts";
import type { KellySnapshot } from "../sizing/kelly-stats.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import type { QTable } from "../sizing/rl/index.ts";
import { criteriaVsBaseline, type Criteria } from "./metrics.ts";
import { runBacktest, type BacktestRun } from "./run.ts";

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
  const riskUsd = t.entries.reduce((a, e) => a + e.qtyShares * Math.max(0, e.priceUsd - t.initialStopUsd), 0);
  return t.sizing.equityUsd > 0 ? (riskUsd / t.sizing.equityUsd) * 100 : 0;
}

export function sizeBrackets(trades: readonly TradeRecord[]): BracketRow[] {
  return SIZE_BRACKETS.map((b) => {
    const inB = trades.filter((t) => {
      // Rounded to 0.01%: integer shares put a "1%" trade at 0.998%, which is not a smaller bracket.
      const r = Math.round(tradeRiskPct(t) * 100) / 100;
      return r >= b.lo && r < b.hi;
    });
    return {
      bracket: b.label,
      trades: inB.length,
      sharePct: trades.length ? (inB.length / trades.length) * 100 : 0,
      winRate: inB.length ? inB.filter((t) => t.pnlUsd > 0).length / inB.length : null,
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
}): Comparison {
  const modes = opts.modes.includes("fixed") ? opts.modes : (["fixed", ...opts.modes] as SizingMode[]);
  const reports: ModeReport[] = modes.map((mode, i) => {
    opts.onMode?.(mode, i);
    const config = withMode(opts.config, mode);
    const run = runBacktest({ config, source: seriesSource(opts.series), qTable: opts.qTable?.() ?? null });
    const endMs = run.engine.lastBarMs + 1;
    return {
      mode,
      run,
      sizes: sizeBrackets(run.engine.trades),
      calibration: calibrationTable(run.learning.predictions),
      kelly: Number.isFinite(endMs) ? sortKelly(run.learning.kelly.snapshots(endMs)) : [],
    };
  });
  const base = reports.find((r) => r.mode === "fixed")!.run.metrics;
  const criteria: Record<string, Criteria> = {};
  for (const r of reports) criteria[r.mode] = criteriaVsBaseline(r.run.metrics, base);
  return { modes: reports, criteria };
}

function withMode(config: Config, mode: SizingMode): Config {
  return parseConfig({ ...JSON.parse(JSON.stringify(config)), sizing: { ...JSON.parse(JSON.stringify(config.sizing)), mode } });
}

/** Aggregates first (every trade, then per strategy), then symbols alphabetically. */
function sortKelly(rows: KellySnapshot[]): KellySnapshot[] {
  const rank = (k: KellySnapshot): string => `${k.strategyId === "*" ? 0 : 1}${k.symbol === "*" ? 0 : 1}${k.strategyId}/${k.symbol}`;
  return rows.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}

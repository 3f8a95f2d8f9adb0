import { criteriaVsBaseline, type Criteria, type Metrics } from "../backtest/metrics.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import type { EvaluationSummary } from "../walkforward/summary.ts";
import type { Variant } from "./plan.ts";
import type { VariantResult } from "./run-variant.ts";

/**
 * Ranks the variants of an experiment on the out-of-sample figures of one sizing mode and says
 * what the ML plan's decision matrix asks: which variants beat the baseline by more than 20%, and
 * on which metric; the best by Sharpe; the best by return.
 */

/** A variant beats the baseline when one of these improves by more than this many percent. */
export const BEAT_THRESHOLD_PCT = 20;
/** Fewer out-of-sample trades than this and a variant's figures are mostly noise; the report says so. */
export const FEW_TRADES = 30;

const CRITERIA: readonly { key: keyof Criteria; label: string }[] = [
  { key: "sharpeImprovementPct", label: "Sharpe" },
  { key: "returnImprovementPct", label: "return" },
  { key: "varianceReductionPct", label: "trade P/L variance" },
  { key: "worst10ImprovementPct", label: "worst-10 trades" },
];

export interface RankedVariant {
  readonly rank: number;
  readonly name: string;
  readonly description?: string;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly baseline: boolean;
  /** The ranking mode's out-of-sample metrics. */
  readonly metrics: Metrics;
  /** The four research criteria of this variant against the baseline variant (same mode). */
  readonly vsBaseline: Criteria;
  /** The four criteria of the ranking mode against `fixed` within this variant. */
  readonly vsFixed: Criteria;
  /** Criteria on which this variant beats the baseline by more than BEAT_THRESHOLD_PCT. */
  readonly beats: readonly { readonly metric: string; readonly improvementPct: number }[];
  readonly outOfSample: EvaluationSummary;
}

export interface Decision {
  readonly rankMode: SizingMode;
  readonly baseline: string;
  readonly beatBaseline: readonly { readonly name: string; readonly on: RankedVariant["beats"] }[];
  readonly bestBySharpe: { readonly name: string; readonly sharpe: number };
  readonly bestByReturn: { readonly name: string; readonly returnPct: number };
  /** How the ranking metric spreads over the variants (the robustness question). */
  readonly spread: { readonly variants: number; readonly positiveReturn: number; readonly sharpeMin: number; readonly sharpeMedian: number; readonly sharpeMax: number };
  readonly notes: readonly string[];
}

export interface Analysis {
  readonly ranked: readonly RankedVariant[];
  readonly decision: Decision;
}

export function analyze(variants: readonly Variant[], results: readonly VariantResult[], rankMode: SizingMode, baselineName: string): Analysis {
  const metricsOf = (r: VariantResult): Metrics => {
    const m = r.outOfSample.modes[rankMode];
    if (!m) throw new Error(`variant ${r.name} has no ${rankMode} result`);
    return m.metrics;
  };
  const base = results.find((r) => r.name === baselineName);
  if (!base) throw new Error(`baseline ${baselineName} has no result`);
  const baseMetrics = metricsOf(base);
  const rows = results.map((r, i) => {
    const metrics = metricsOf(r);
    const vsBaseline = criteriaVsBaseline(metrics, baseMetrics);
    const isBase = r.name === baselineName;
    return {
      name: r.name,
      description: variants[i].description,
      overrides: variants[i].overrides,
      baseline: isBase,
      metrics,
      vsBaseline,
      vsFixed: r.outOfSample.modes[rankMode]!.criteria,
      beats: isBase ? [] : CRITERIA.filter((c) => vsBaseline[c.key] > BEAT_THRESHOLD_PCT).map((c) => ({ metric: c.label, improvementPct: vsBaseline[c.key] })),
      outOfSample: r.outOfSample,
    };
  });
  // Sharpe first (daily, out of sample), then return; the name last so ties order the same every run.
  const order = rows.map((_, i) => i).sort((a, b) => rows[b].metrics.sharpe - rows[a].metrics.sharpe || rows[b].metrics.totalReturnPct - rows[a].metrics.totalReturnPct || (rows[a].name < rows[b].name ? -1 : 1));
  const ranked: RankedVariant[] = order.map((i, k) => ({ rank: k + 1, ...rows[i] }));
  const byReturn = [...ranked].sort((a, b) => b.metrics.totalReturnPct - a.metrics.totalReturnPct || a.rank - b.rank)[0];
  const sharpes = ranked.map((r) => r.metrics.sharpe).sort((a, b) => a - b);
  const notes: string[] = [];
  const few = ranked.filter((r) => r.metrics.trades < FEW_TRADES);
  if (few.length > 0) notes.push(`${few.length} of ${ranked.length} variants closed fewer than ${FEW_TRADES} out-of-sample trades in ${rankMode} mode (fewest: ${Math.min(...few.map((r) => r.metrics.trades))}): their differences are within noise.`);
  const regimeVaried = variants.some((v) => Object.keys(v.overrides).some((k) => k.startsWith("regime.")));
  const noRegime = results.every((r) => r.outOfSample.folds.every((f) => !f.regime.fitted));
  if (regimeVaried && noRegime) notes.push(`No fold fitted a regime model (${results[0]?.outOfSample.folds[0]?.regime.reason ?? "-"}): every entry got the fail-safe NORMAL template, so variants that differ only in regime settings cannot differ in results.`);
  if (baseMetrics.totalReturnPct !== 0 && Math.abs(baseMetrics.totalReturnPct) < 1) notes.push(`The baseline's return is ${baseMetrics.totalReturnPct.toFixed(2)}%: relative return improvements against so small a base are large for small differences.`);
  return {
    ranked,
    decision: {
      rankMode,
      baseline: baselineName,
      beatBaseline: ranked.filter((r) => r.beats.length > 0).map((r) => ({ name: r.name, on: r.beats })),
      bestBySharpe: { name: ranked[0].name, sharpe: ranked[0].metrics.sharpe },
      bestByReturn: { name: byReturn.name, returnPct: byReturn.metrics.totalReturnPct },
      spread: {
        variants: ranked.length,
        positiveReturn: ranked.filter((r) => r.metrics.totalReturnPct > 0).length,
        sharpeMin: sharpes[0],
        sharpeMedian: sharpes.length % 2 ? sharpes[(sharpes.length - 1) / 2] : (sharpes[sharpes.length / 2 - 1] + sharpes[sharpes.length / 2]) / 2,
        sharpeMax: sharpes[sharpes.length - 1],
      },
      notes,
    },
  };
}

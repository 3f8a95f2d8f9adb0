import type { Metrics } from "../backtest/metrics.ts";
import { CRITERIA, DEFAULT_BEAT_MARGINS, criteriaVsBaseline, criterionPasses, type Criteria, type CriterionKey } from "../backtest/criteria.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import type { EvaluationSummary } from "../walkforward/summary.ts";
import { DEFAULT_BEATS, DEFAULT_MIN_TRADES, type Variant } from "./plan.ts";
import type { VariantResult } from "./run-variant.ts";

/**
 * Ranks the variants of an experiment on the out-of-sample figures of one sizing mode and says
 * which beat the baseline. Three rules keep "trade less" from winning (issue 17):
 * - a variant with fewer than `minTrades` trades is listed but not ranked, and beats nothing;
 * - "beats" needs EVERY criterion the plan names (default Sharpe and P/L per trade in R) to
 *   improve by its margin; all of them are size-neutral, so a half-size copy of the baseline cannot;
 * - the order is: the variants that beat the baseline (by Sharpe), then the baseline, then every
 *   other ranked variant (by Sharpe): a variant that does not beat the baseline never sits above it.
 */

/** What decides a verdict; the plan's keys, with their defaults. */
export interface VerdictRules {
  readonly minTrades: number;
  readonly beats: readonly CriterionKey[];
  readonly margins: Readonly<Record<CriterionKey, number>>;
}

export const DEFAULT_RULES: VerdictRules = { minTrades: DEFAULT_MIN_TRADES, beats: DEFAULT_BEATS, margins: DEFAULT_BEAT_MARGINS };

/** The rules of a plan's `minTrades`, `beats` and `beatMargins`. */
export function verdictRules(plan: { readonly minTrades?: number; readonly beats?: readonly CriterionKey[]; readonly beatMargins?: Partial<Record<CriterionKey, number>> }): VerdictRules {
  return { minTrades: plan.minTrades ?? DEFAULT_MIN_TRADES, beats: plan.beats ?? DEFAULT_BEATS, margins: { ...DEFAULT_BEAT_MARGINS, ...plan.beatMargins } };
}

/** One named criterion of a variant against the baseline, and whether it cleared its margin. */
export interface CriterionCheck {
  readonly criterion: CriterionKey;
  readonly label: string;
  readonly improvement: number;
  readonly improvementPct: number | null;
  readonly margin: number;
  readonly passed: boolean;
}

export interface RankedVariant {
  /** 1-based; null when the variant is listed but not ranked (see `notRanked`). */
  readonly rank: number | null;
  /** Why it is not ranked, e.g. "3 trades < 20"; null when ranked. */
  readonly notRanked: string | null;
  readonly name: string;
  readonly description?: string;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly baseline: boolean;
  /** The ranking mode's out-of-sample metrics. */
  readonly metrics: Metrics;
  /** Every criterion and dollar figure of this variant against the baseline variant (same mode). */
  readonly vsBaseline: Criteria;
  /** The ranking mode against `fixed` within this variant. */
  readonly vsFixed: Criteria;
  /** The plan's named criteria against the baseline; empty for the baseline itself. */
  readonly checks: readonly CriterionCheck[];
  /** True when ranked, the baseline is ranked, and every named criterion passed. */
  readonly beatsBaseline: boolean;
  readonly outOfSample: EvaluationSummary;
}

export interface Decision {
  readonly rankMode: SizingMode;
  readonly baseline: string;
  readonly rules: VerdictRules;
  readonly beatBaseline: readonly { readonly name: string; readonly on: readonly CriterionCheck[] }[];
  /** The top of the ranking: the best variant that beat the baseline, else the baseline (or null when nothing is ranked). */
  readonly chosen: string | null;
  /** Best by Sharpe among the ranked variants; null when none is ranked. */
  readonly bestBySharpe: { readonly name: string; readonly sharpe: number } | null;
  readonly bestByReturn: { readonly name: string; readonly returnPct: number } | null;
  readonly notRanked: readonly { readonly name: string; readonly reason: string }[];
  /** How the ranking metric spreads over the ranked variants (the robustness question). */
  readonly spread: { readonly variants: number; readonly positiveReturn: number; readonly sharpeMin: number; readonly sharpeMedian: number; readonly sharpeMax: number };
  readonly notes: readonly string[];
}

export interface Analysis {
  readonly ranked: readonly RankedVariant[];
  readonly decision: Decision;
}

type Row = Omit<RankedVariant, "rank">;

export function analyze(variants: readonly Variant[], results: readonly VariantResult[], rankMode: SizingMode, baselineName: string, rules: VerdictRules = DEFAULT_RULES): Analysis {
  const metricsOf = (r: VariantResult): Metrics => {
    const m = r.outOfSample.modes[rankMode];
    if (!m) throw new Error(`variant ${r.name} has no ${rankMode} result`);
    return m.metrics;
  };
  const base = results.find((r) => r.name === baselineName);
  if (!base) throw new Error(`baseline ${baselineName} has no result`);
  const baseMetrics = metricsOf(base);
  const baseRanked = baseMetrics.trades >= rules.minTrades;
  const rows: Row[] = results.map((r, i) => {
    const metrics = metricsOf(r);
    const vsBaseline = criteriaVsBaseline(metrics, baseMetrics);
    const isBase = r.name === baselineName;
    const notRanked = metrics.trades < rules.minTrades ? `${metrics.trades} trade${metrics.trades === 1 ? "" : "s"} < ${rules.minTrades}` : null;
    const checks: CriterionCheck[] = isBase
      ? []
      : rules.beats.map((k) => {
          const d = vsBaseline.sizeNeutral[k];
          return { criterion: k, label: CRITERIA[k].label, improvement: d.improvement, improvementPct: d.improvementPct, margin: rules.margins[k], passed: criterionPasses(d, rules.margins[k]) };
        });
    return {
      notRanked,
      name: r.name,
      description: variants[i].description,
      overrides: variants[i].overrides,
      baseline: isBase,
      metrics,
      vsBaseline,
      vsFixed: r.outOfSample.modes[rankMode]!.criteria,
      checks,
      beatsBaseline: !isBase && notRanked === null && baseRanked && checks.every((c) => c.passed),
      outOfSample: r.outOfSample,
    };
  });
  const ranked = order(rows, baseRanked);
  const rankedOnly = ranked.filter((r) => r.rank !== null);
  const bySharpe = [...rankedOnly].sort(bySharpeThenEdge)[0];
  const byReturn = [...rankedOnly].sort((a, b) => b.metrics.totalReturnPct - a.metrics.totalReturnPct || (a.rank ?? 0) - (b.rank ?? 0))[0];
  const sharpes = rankedOnly.map((r) => r.metrics.sharpe).sort((a, b) => a - b);
  return {
    ranked,
    decision: {
      rankMode,
      baseline: baselineName,
      rules,
      beatBaseline: ranked.filter((r) => r.beatsBaseline).map((r) => ({ name: r.name, on: r.checks })),
      chosen: rankedOnly[0]?.name ?? null,
      bestBySharpe: bySharpe ? { name: bySharpe.name, sharpe: bySharpe.metrics.sharpe } : null,
      bestByReturn: byReturn ? { name: byReturn.name, returnPct: byReturn.metrics.totalReturnPct } : null,
      notRanked: ranked.filter((r) => r.notRanked !== null).map((r) => ({ name: r.name, reason: r.notRanked! })),
      spread: {
        variants: rankedOnly.length,
        positiveReturn: rankedOnly.filter((r) => r.metrics.totalReturnPct > 0).length,
        sharpeMin: sharpes[0] ?? 0,
        sharpeMedian: sharpes.length === 0 ? 0 : sharpes.length % 2 ? sharpes[(sharpes.length - 1) / 2] : (sharpes[sharpes.length / 2 - 1] + sharpes[sharpes.length / 2]) / 2,
        sharpeMax: sharpes[sharpes.length - 1] ?? 0,
      },
      notes: notes(variants, results, rankMode, rules, baseMetrics, baseRanked, baselineName),
    },
  };
}

// Sharpe (daily, out of sample), then P/L per trade in R; the name last so ties order the same every run.
function bySharpeThenEdge(a: Row, b: Row): number {
  return b.metrics.sharpe - a.metrics.sharpe || b.metrics.edgeR - a.metrics.edgeR || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Beaters, then the baseline, then the rest of the ranked; the unranked after them, in plan order. */
function order(rows: readonly Row[], baseRanked: boolean): RankedVariant[] {
  const ranked = rows.filter((r) => r.notRanked === null);
  const groups = baseRanked
    ? [ranked.filter((r) => r.beatsBaseline).sort(bySharpeThenEdge), ranked.filter((r) => r.baseline), ranked.filter((r) => !r.baseline && !r.beatsBaseline).sort(bySharpeThenEdge)]
    : [[...ranked].sort(bySharpeThenEdge)];
  const out: RankedVariant[] = groups.flat().map((r, k) => ({ rank: k + 1, ...r }));
  for (const r of rows) if (r.notRanked !== null) out.push({ rank: null, ...r });
  return out;
}

function notes(variants: readonly Variant[], results: readonly VariantResult[], rankMode: SizingMode, rules: VerdictRules, baseMetrics: Metrics, baseRanked: boolean, baselineName: string): string[] {
  const out: string[] = [];
  if (!baseRanked) out.push(`The baseline "${baselineName}" closed ${baseMetrics.trades} ${rankMode} trades (< ${rules.minTrades}): with so few, no variant is said to beat it; the ranking is by Sharpe alone.`);
  const regimeVaried = variants.some((v) => Object.keys(v.overrides).some((k) => k.startsWith("regime.")));
  const noRegime = results.every((r) => r.outOfSample.folds.every((f) => !f.regime.fitted));
  if (regimeVaried && noRegime) out.push(`No fold fitted a regime model (${results[0]?.outOfSample.folds[0]?.regime.reason ?? "-"}): every entry got the fail-safe NORMAL template, so variants that differ only in regime settings cannot differ in results.`);
  return out;
}

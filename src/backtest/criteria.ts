import type { Metrics } from "./metrics.ts";

/**
 * How a run compares with a baseline run, in figures that trading less cannot win.
 *
 * Two rules, both from issue 17:
 * - Size-neutral first. Dollar dispersion and dollar losses shrink with position size, so a run at
 *   half the size "improves" them without being any better. The criteria are therefore per unit of
 *   risk taken (dollars divided by the run's mean dollar risk per trade, {@link Metrics.avgRiskUsd})
 *   or ratios that do not scale with size (daily Sharpe). The dollar figures are kept beside them,
 *   labelled as scaling with size, and never enter a verdict.
 * - Differences are absolute, in the figure's own unit (Sharpe +0.51, not "+5,100%"). A percentage
 *   of the baseline is added only when the baseline is positive and clearly away from zero (at
 *   least {@link CriterionSpec.pctFrom}); otherwise it is null and the text says why.
 *
 * A verdict per criterion is "improved by at least a margin" ({@link criterionPasses}); margins are
 * fixed numbers for now. Issue 16 adds bootstrap intervals: a pass will then also need the interval
 * of the difference to clear the margin, which fits into {@link criterionPasses} without changing
 * what the reports show.
 */

/** The size-neutral criteria a plan can name in its `beats` list. */
export const CRITERION_KEYS = ["sharpe", "edgeR", "netR", "pnlStdR", "worst10R"] as const;
export type CriterionKey = (typeof CRITERION_KEYS)[number];
/** The dollar figures, shown beside the criteria; they scale with position size. */
export const DOLLAR_KEYS = ["returnPct", "pnlStdUsd", "worst10Usd"] as const;
export type DollarKey = (typeof DOLLAR_KEYS)[number];

/** The fields the criteria read; a full {@link Metrics} satisfies it. */
export type CriteriaInput = Pick<Metrics, "sharpe" | "edgeR" | "netR" | "pnlStdR" | "worst10R" | "totalReturnPct" | "pnlStd" | "worst10">;

export interface CriterionSpec {
  readonly label: string;
  /** Unit of the figure and of its difference: "" (a ratio), "R" (units of the mean risk per trade), "%" (points), "$". */
  readonly unit: "" | "R" | "%" | "$";
  readonly higherIsBetter: boolean;
  readonly value: (m: CriteriaInput) => number;
  /** A percentage of the baseline is shown only from this baseline value up; Infinity = never (a negative figure). */
  readonly pctFrom: number;
  /** Why a percentage is not shown when the baseline is below pctFrom. */
  readonly pctRule: string;
}

/** What each size-neutral criterion measures. */
export const CRITERIA: Readonly<Record<CriterionKey, CriterionSpec>> = {
  sharpe: { label: "Sharpe (daily)", unit: "", higherIsBetter: true, value: (m) => m.sharpe, pctFrom: 0.5, pctRule: "% only when the baseline Sharpe is >= 0.5" },
  edgeR: { label: "P/L per trade (R)", unit: "R", higherIsBetter: true, value: (m) => m.edgeR, pctFrom: 0.05, pctRule: "% only when the baseline is >= 0.05 R" },
  netR: { label: "net P/L (R)", unit: "R", higherIsBetter: true, value: (m) => m.netR, pctFrom: 1, pctRule: "% only when the baseline is >= 1 R" },
  pnlStdR: { label: "trade P/L std (R)", unit: "R", higherIsBetter: false, value: (m) => m.pnlStdR, pctFrom: 0.1, pctRule: "% only when the baseline is >= 0.1 R" },
  worst10R: { label: "worst-10 trades (R)", unit: "R", higherIsBetter: true, value: (m) => m.worst10R, pctFrom: Infinity, pctRule: "a loss: never a % of it" },
};

/** The dollar figures; they scale with position size and never decide anything. */
export const DOLLAR_FIGURES: Readonly<Record<DollarKey, CriterionSpec>> = {
  returnPct: { label: "return ($, scales with size)", unit: "%", higherIsBetter: true, value: (m) => m.totalReturnPct, pctFrom: 1, pctRule: "% of it only when the baseline return is >= 1%" },
  pnlStdUsd: { label: "trade P/L std ($, scales with size)", unit: "$", higherIsBetter: false, value: (m) => m.pnlStd, pctFrom: 1, pctRule: "% only when the baseline is >= $1" },
  worst10Usd: { label: "worst-10 trades ($, scales with size)", unit: "$", higherIsBetter: true, value: (m) => m.worst10, pctFrom: Infinity, pctRule: "a loss: never a % of it" },
};

/** One figure of a run against the baseline's. */
export interface CriterionDiff {
  readonly mode: number;
  readonly base: number;
  /** The difference signed so that positive is better: mode - base, or base - mode where lower is better. */
  readonly improvement: number;
  /** improvement / base x 100 when the baseline is >= the figure's pctFrom (positive, clear of zero); else null. */
  readonly improvementPct: number | null;
}

export interface Criteria {
  readonly sizeNeutral: Readonly<Record<CriterionKey, CriterionDiff>>;
  readonly dollars: Readonly<Record<DollarKey, CriterionDiff>>;
}

/**
 * Margins a criterion must improve by to count as better, in its own unit. They are deliberately
 * small (a difference, not a significance test: over a few dozen trades the noise is larger);
 * plans can raise them with `beatMargins`.
 */
export const DEFAULT_BEAT_MARGINS: Readonly<Record<CriterionKey, number>> = { sharpe: 0.25, edgeR: 0.05, netR: 1, pnlStdR: 0.1, worst10R: 0.5 };

function diff(spec: CriterionSpec, mode: CriteriaInput, base: CriteriaInput): CriterionDiff {
  const m = spec.value(mode);
  const b = spec.value(base);
  const improvement = finiteOr0(spec.higherIsBetter ? m - b : b - m);
  const improvementPct = b >= spec.pctFrom ? finiteOr0((improvement / b) * 100) : null;
  return { mode: m, base: b, improvement, improvementPct };
}

/** Every criterion and dollar figure of `mode` against `baseline`. Always finite. */
export function criteriaVsBaseline(mode: CriteriaInput, baseline: CriteriaInput): Criteria {
  const of = <K extends string>(specs: Readonly<Record<K, CriterionSpec>>): Record<K, CriterionDiff> => {
    const out = {} as Record<K, CriterionDiff>;
    for (const k of Object.keys(specs) as K[]) out[k] = diff(specs[k], mode, baseline);
    return out;
  };
  return { sizeNeutral: of(CRITERIA), dollars: of(DOLLAR_FIGURES) };
}

/** Whether a criterion improved by at least its margin (the place bootstrap intervals will plug in). */
export function criterionPasses(d: CriterionDiff, margin: number): boolean {
  return d.improvement >= margin;
}

const num = (x: number, unit: string): string => {
  const digits = unit === "$" ? 0 : 2;
  const s = `${x >= 0 ? "+" : "-"}${unit === "$" ? "$" : ""}${Math.abs(x).toFixed(digits)}`;
  return unit === "R" ? `${s} R` : unit === "%" ? `${s} pp` : s;
};

/**
 * A difference as text: the absolute change in the figure's unit (signed so + is better), and
 * the percentage of the baseline only where the rule allows one, e.g. "+0.51", "+0.12 R (+40%)",
 * "-0.30 pp".
 */
export function diffText(d: Pick<CriterionDiff, "improvement" | "improvementPct">, spec: CriterionSpec): string {
  const abs = num(d.improvement, spec.unit);
  return d.improvementPct === null ? abs : `${abs} (${d.improvementPct >= 0 ? "+" : ""}${d.improvementPct.toFixed(0)}%)`;
}

/** The percentage rules in one sentence, for report footers. */
export function pctRulesText(): string {
  return `Differences are absolute and signed so that + is better; a % of the baseline is added only when the baseline is positive and clear of zero (${Object.values(CRITERIA)
    .filter((s) => Number.isFinite(s.pctFrom))
    .map((s) => `${s.label} >= ${s.pctFrom}`)
    .join(", ")}; never for worst-10, a loss).`;
}

function finiteOr0(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

/** The criteria's definitions as JSON outputs state them next to the figures, so a null percentage explains itself. */
export function criteriaRulesJson(): object {
  const one = (s: CriterionSpec): object => ({ label: s.label, unit: s.unit, higherIsBetter: s.higherIsBetter, pctFromBaseline: Number.isFinite(s.pctFrom) ? s.pctFrom : null, pctRule: s.pctRule });
  const map = (specs: Readonly<Record<string, CriterionSpec>>): Record<string, object> => Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, one(s)]));
  return {
    improvement: "the difference against the baseline in the figure's unit, signed so that + is better",
    improvementPct: "improvement as % of the baseline, only when the baseline is >= pctFromBaseline (positive and clear of zero); else null",
    r: "R = the run's mean dollar risk per trade (entries to the initial stop); figures in R do not change when every position is scaled",
    sizeNeutral: map(CRITERIA),
    dollars: map(DOLLAR_FIGURES),
  };
}

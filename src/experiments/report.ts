import { CRITERIA, DOLLAR_FIGURES, criteriaRulesJson, diffText, pctRulesText, type Criteria } from "../backtest/criteria.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import type { CriterionCheck, RankedVariant, VerdictRules } from "./analyze.ts";
import type { ExperimentReport } from "./runner.ts";

/** An experiment report as JSON (`--json`) and as markdown (`--out`). Neither holds a wall-clock figure. */

export interface DataInfo {
  readonly origin: string;
  readonly symbols: number;
  readonly days: number;
}

const pct = (x: number): string => `${x.toFixed(2)}%`;

export function experimentJson(r: ExperimentReport, data: DataInfo): object {
  const { decision, ranked } = r.analysis;
  return {
    plan: r.plan,
    data,
    design: { ...r.setup.folds, holdoutFrom: r.setup.folds.holdoutFrom ?? null, windows: "rolling", learningInTest: r.setup.learning, modes: r.setup.modes, rankMode: r.rankMode },
    baseline: decision.baseline,
    criteriaRules: criteriaRulesJson(),
    ranked: ranked.map((v) => ({
      rank: v.rank,
      notRanked: v.notRanked,
      name: v.name,
      description: v.description ?? null,
      baseline: v.baseline,
      overrides: v.overrides,
      trades: v.metrics.trades,
      totalReturnPct: v.metrics.totalReturnPct,
      sharpe: v.metrics.sharpe,
      maxDrawdownPct: v.metrics.maxDrawdownPct,
      winRate: v.metrics.winRate,
      edgeR: v.metrics.edgeR,
      netR: v.metrics.netR,
      pnlStdR: v.metrics.pnlStdR,
      worst10R: v.metrics.worst10R,
      avgRiskUsd: v.metrics.avgRiskUsd,
      vsBaseline: v.vsBaseline,
      vsFixed: v.vsFixed,
      checks: v.checks,
      beatsBaseline: v.beatsBaseline,
      outOfSample: v.outOfSample,
    })),
    decision,
    holdout: r.holdout,
  };
}

/** A variant's verdict against the baseline in a few words. */
export function verdictCell(v: RankedVariant): string {
  if (v.notRanked !== null) return `not ranked: ${v.notRanked}`;
  if (v.baseline) return "baseline";
  if (v.beatsBaseline) return "beats";
  if (v.checks.length === 0) return "-";
  const failed = v.checks.filter((c) => !c.passed);
  return failed.length === 0 ? "no (baseline not ranked)" : `no: ${failed.map(checkText).join(", ")}`;
}

const checkText = (c: CriterionCheck): string => `${c.criterion} ${diffText(c, CRITERIA[c.criterion])} ${c.passed ? ">=" : "<"} ${c.margin}`;

/**
 * Rank-table cells of one variant: trades, the size-neutral figures, the dollar figures, then
 * Sharpe and P/L per trade against the baseline and the verdict.
 */
export function rankCells(v: RankedVariant): string[] {
  const m = v.metrics;
  const c = v.vsBaseline.sizeNeutral;
  const vs = (k: "sharpe" | "edgeR"): string => (v.baseline ? "-" : diffText(c[k], CRITERIA[k]));
  return [String(m.trades), m.sharpe.toFixed(2), m.edgeR.toFixed(3), m.pnlStdR.toFixed(2), m.worst10R.toFixed(2), pct(m.totalReturnPct), pct(m.maxDrawdownPct), pct(m.winRate * 100), vs("sharpe"), vs("edgeR"), verdictCell(v)];
}

export const RANK_HEAD = ["trades", "Sharpe", "P/L/trade (R)", "P/L std (R)", "worst-10 (R)", "return ($)", "max DD", "win rate", "Sharpe vs base", "P/L/trade vs base", "verdict"];

const rulesText = (r: VerdictRules): string =>
  `"beats" needs every one of ${r.beats.map((k) => `${CRITERIA[k].label} by >= ${r.margins[k]}`).join(" and ")}; a variant with fewer than ${r.minTrades} out-of-sample trades is listed, not ranked`;

/** Variants listed by name in the decision summary; the rest are counted (the ranking and the JSON list them all). */
const LISTED = 10;

/** The decision summary, one finding per line; lines starting with two spaces belong to the line above. */
export function decisionLines(r: ExperimentReport): string[] {
  const d = r.analysis.decision;
  const others = r.analysis.ranked.length - 1;
  const lines = [
    `Ranked: the variants that beat the baseline (by out-of-sample ${d.rankMode} Sharpe), then the baseline, then the rest (by Sharpe); ${r.setup.learning} learning in the test windows.`,
    `Rules: ${rulesText(d.rules)}.`,
  ];
  if (d.beatBaseline.length === 0) {
    lines.push(`No variant beats the baseline "${d.baseline}".`);
  } else {
    lines.push(`${d.beatBaseline.length} of ${others} variants beat the baseline "${d.baseline}":`);
    for (const b of d.beatBaseline.slice(0, LISTED)) lines.push(`  ${b.name}: ${b.on.map((x) => `${x.label} ${diffText(x, CRITERIA[x.criterion])}`).join(", ")}`);
    if (d.beatBaseline.length > LISTED) lines.push(`  ... and ${d.beatBaseline.length - LISTED} more (see the ranking)`);
  }
  if (d.notRanked.length > 0) {
    lines.push(`${d.notRanked.length} variant${d.notRanked.length === 1 ? " is" : "s are"} listed but not ranked:`);
    for (const n of d.notRanked.slice(0, LISTED)) lines.push(`  ${n.name}: ${n.reason}`);
    if (d.notRanked.length > LISTED) lines.push(`  ... and ${d.notRanked.length - LISTED} more (see the ranking)`);
  }
  const s = d.spread;
  if (d.bestBySharpe && d.bestByReturn) {
    lines.push(
      `Best by Sharpe: ${d.bestBySharpe.name} (${d.bestBySharpe.sharpe.toFixed(2)}). Best by return (dollars, scales with size): ${d.bestByReturn.name} (${pct(d.bestByReturn.returnPct)}).`,
      `Across ${s.variants} ranked variants: return positive in ${s.positiveReturn}; Sharpe min ${s.sharpeMin.toFixed(2)}, median ${s.sharpeMedian.toFixed(2)}, max ${s.sharpeMax.toFixed(2)}.`,
    );
  } else lines.push("No variant is ranked.");
  lines.push(...d.notes, pctRulesText());
  if (r.holdout) lines.push(...holdoutLines(r));
  else if (others > 0) lines.push("Picking the best of these variants tunes on the out-of-sample windows themselves; confirm a choice on data nothing has seen (--holdout-from).");
  return lines;
}

function holdoutLines(r: ExperimentReport): string[] {
  const h = r.holdout!;
  const mode = r.rankMode;
  const out = [`${h.label}: trained on ${h.train.from}..${h.train.to}, tested on ${h.test.from}..${h.test.to} (${h.test.days} days); the walk-forward above never read it.`];
  for (const e of h.evaluations) {
    const m = e.summary.modes[mode]!.metrics;
    out.push(`  ${e.name}${e.name === h.chosen ? " (chosen)" : ""}${e.name === r.analysis.decision.baseline ? " (baseline)" : ""}: ${mode} return ${pct(m.totalReturnPct)}, Sharpe ${m.sharpe.toFixed(2)}, max DD ${pct(m.maxDrawdownPct)}, win rate ${pct(m.winRate * 100)}, ${m.trades} trades`);
  }
  if (h.ledger && h.ledger.evaluations > 1) out.push(`  WARNING: this holdout has been evaluated ${h.ledger.evaluations} times on these bars (first ${h.ledger.previous[0]?.at ?? "?"}): its figures are no longer untouched evidence.`);
  if (h.chosenVsBaseline) out.push(`  chosen vs baseline on the holdout: ${criteriaText(h.chosenVsBaseline)}`);
  return out;
}

function criteriaText(c: Criteria): string {
  const one = <K extends string>(specs: Readonly<Record<K, (typeof CRITERIA)[keyof typeof CRITERIA]>>, ds: Readonly<Record<K, Criteria["sizeNeutral"]["sharpe"]>>): string[] =>
    (Object.keys(specs) as K[]).map((k) => `${specs[k].label} ${diffText(ds[k], specs[k])}`);
  return [...one(CRITERIA, c.sizeNeutral), ...one(DOLLAR_FIGURES, c.dollars)].join(", ");
}

const mdRow = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
const mdTable = (head: readonly string[], rows: readonly (readonly string[])[]): string[] => [mdRow(head), mdRow(head.map(() => "---")), ...rows.map(mdRow)];

/** The ranking mode against fixed within each variant (nothing to show when the ranking mode is fixed). */
function vsFixedSection(r: ExperimentReport): string[] {
  const { ranked } = r.analysis;
  return [
    `## ${r.rankMode} against fixed within each variant`,
    "",
    ...mdTable(
      ["variant", ...Object.values(CRITERIA).map((c) => c.label), ...Object.values(DOLLAR_FIGURES).map((c) => c.label)],
      ranked.map((v) => [v.name, ...(Object.keys(CRITERIA) as (keyof typeof CRITERIA)[]).map((k) => diffText(v.vsFixed.sizeNeutral[k], CRITERIA[k])), ...(Object.keys(DOLLAR_FIGURES) as (keyof typeof DOLLAR_FIGURES)[]).map((k) => diffText(v.vsFixed.dollars[k], DOLLAR_FIGURES[k]))]),
    ),
    "",
  ];
}

export function experimentMarkdown(r: ExperimentReport, data: DataInfo): string {
  const { ranked } = r.analysis;
  const f = r.setup.folds;
  const modes: readonly SizingMode[] = r.setup.modes;
  const out = [
    `# Experiment: ${r.plan.name}`,
    "",
    ...(r.plan.description ? [r.plan.description, ""] : []),
    `Data: ${data.origin} (${data.symbols} symbols, ${data.days} trading days). Plan: ${r.plan.file ?? "-"}.`,
    `Walk-forward: rolling folds of ${f.trainDays} train / ${f.purgeDays} purge / ${f.testDays} test trading days; every learned piece fitted on the train window only, ${r.setup.learning === "frozen" ? "frozen" : "learning online"} in the test windows; the test windows stitched into one out-of-sample run per mode.${f.holdoutFrom ? ` Every bar from ${f.holdoutFrom} on is held out.` : ""}`,
    `Modes run: ${modes.join(", ")}. Ranking mode: ${r.rankMode}. Baseline: ${r.analysis.decision.baseline}.`,
    "",
    "## Ranking (out of sample)",
    "",
    ...mdTable(["rank", "variant", ...RANK_HEAD], ranked.map((v) => [v.rank === null ? "-" : String(v.rank), v.baseline ? `${v.name} (baseline)` : v.name, ...rankCells(v)])),
    "",
    "R = units of the run's mean dollar risk per trade (entries to the initial stop): these figures do not change when every position is scaled. Return ($) scales with position size.",
    "",
    "## Decision",
    "",
    ...decisionLines(r).map((l) => (l.startsWith("  ") ? `  - ${l.trim()}` : `- ${l}`)),
    "",
    `## Sharpe and return by sizing mode (out of sample)`,
    "",
    ...mdTable(
      ["variant", ...modes],
      ranked.map((v) => [v.name, ...modes.map((m) => {
        const x = v.outOfSample.modes[m];
        return x ? `${x.metrics.sharpe.toFixed(2)} / ${pct(x.metrics.totalReturnPct)}` : "-";
      })]),
    ),
    "",
    ...(r.rankMode === "fixed" ? [] : vsFixedSection(r)),
    "## Variants",
    "",
    ...mdTable(["variant", "overrides", "description"], r.variants.map((v) => [v.name, Object.entries(v.overrides).map(([k, x]) => `${k} = ${JSON.stringify(x)}`).join(", ") || "(none)", v.description ?? ""])),
    "",
  ];
  return out.join("\n");
}

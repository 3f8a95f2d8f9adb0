import type { Criteria } from "../backtest/metrics.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import { BEAT_THRESHOLD_PCT, type RankedVariant } from "./analyze.ts";
import type { ExperimentReport } from "./runner.ts";

/** An experiment report as JSON (`--json`) and as markdown (`--out`). Neither holds a wall-clock figure. */

export interface DataInfo {
  readonly origin: string;
  readonly symbols: number;
  readonly days: number;
}

const pct = (x: number): string => `${x.toFixed(2)}%`;
const signed = (x: number): string => `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;

export function experimentJson(r: ExperimentReport, data: DataInfo): object {
  const { decision, ranked } = r.analysis;
  return {
    plan: r.plan,
    data,
    design: { ...r.setup.folds, holdoutFrom: r.setup.folds.holdoutFrom ?? null, windows: "rolling", learningInTest: r.setup.learning, modes: r.setup.modes, rankMode: r.rankMode },
    baseline: decision.baseline,
    ranked: ranked.map((v) => ({
      rank: v.rank,
      name: v.name,
      description: v.description ?? null,
      baseline: v.baseline,
      overrides: v.overrides,
      trades: v.metrics.trades,
      totalReturnPct: v.metrics.totalReturnPct,
      sharpe: v.metrics.sharpe,
      maxDrawdownPct: v.metrics.maxDrawdownPct,
      winRate: v.metrics.winRate,
      vsBaseline: v.vsBaseline,
      vsFixed: v.vsFixed,
      beatsBaseline: v.beats,
      outOfSample: v.outOfSample,
    })),
    decision,
    holdout: r.holdout,
  };
}

/** Rank-table cells of one variant: return, Sharpe, max DD, win rate, trades, then the criteria against the baseline. */
export function rankCells(v: RankedVariant): string[] {
  const m = v.metrics;
  const c = v.vsBaseline;
  const crit = (x: number): string => (v.baseline ? "-" : signed(x));
  return [pct(m.totalReturnPct), m.sharpe.toFixed(2), pct(m.maxDrawdownPct), pct(m.winRate * 100), String(m.trades), crit(c.varianceReductionPct), crit(c.worst10ImprovementPct), crit(c.sharpeImprovementPct), crit(c.returnImprovementPct)];
}

export const RANK_HEAD = ["return", "Sharpe", "max DD", "win rate", "trades", "variance red. vs base", "worst-10 vs base", "Sharpe vs base", "return vs base"];

/** Variants listed by name in the decision summary; the rest are counted (the ranking and the JSON list them all). */
const LISTED = 10;

/** The decision summary, one finding per line; lines starting with two spaces belong to the line above. */
export function decisionLines(r: ExperimentReport): string[] {
  const d = r.analysis.decision;
  const others = r.analysis.ranked.length - 1;
  const lines = [`Ranked by out-of-sample ${d.rankMode} Sharpe (then return), ${r.setup.learning} learning in the test windows.`];
  if (d.beatBaseline.length === 0) {
    lines.push(`No variant beats the baseline "${d.baseline}" by more than ${BEAT_THRESHOLD_PCT}% on Sharpe, return, trade P/L variance or worst-10 trades.`);
  } else {
    lines.push(`${d.beatBaseline.length} of ${others} variants beat the baseline "${d.baseline}" by more than ${BEAT_THRESHOLD_PCT}% on at least one of Sharpe, return, trade P/L variance, worst-10 trades:`);
    for (const b of d.beatBaseline.slice(0, LISTED)) lines.push(`  ${b.name}: ${b.on.map((x) => `${x.metric} ${signed(x.improvementPct)}`).join(", ")}`);
    if (d.beatBaseline.length > LISTED) lines.push(`  ... and ${d.beatBaseline.length - LISTED} more (see the ranking)`);
  }
  const s = d.spread;
  lines.push(
    `Best by Sharpe: ${d.bestBySharpe.name} (${d.bestBySharpe.sharpe.toFixed(2)}). Best by return: ${d.bestByReturn.name} (${pct(d.bestByReturn.returnPct)}).`,
    `Across ${s.variants} variants: return positive in ${s.positiveReturn}; Sharpe min ${s.sharpeMin.toFixed(2)}, median ${s.sharpeMedian.toFixed(2)}, max ${s.sharpeMax.toFixed(2)}.`,
    ...d.notes,
  );
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
  if (h.chosenVsBaseline) out.push(`  chosen vs baseline on the holdout: ${criteriaText(h.chosenVsBaseline)}`);
  return out;
}

function criteriaText(c: Criteria): string {
  return `variance reduction ${signed(c.varianceReductionPct)}, worst-10 ${signed(c.worst10ImprovementPct)}, Sharpe ${signed(c.sharpeImprovementPct)}, return ${signed(c.returnImprovementPct)}`;
}

const mdRow = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
const mdTable = (head: readonly string[], rows: readonly (readonly string[])[]): string[] => [mdRow(head), mdRow(head.map(() => "---")), ...rows.map(mdRow)];

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
    ...mdTable(["rank", "variant", ...RANK_HEAD], ranked.map((v) => [String(v.rank), v.baseline ? `${v.name} (baseline)` : v.name, ...rankCells(v)])),
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
    `## ${r.rankMode} against fixed within each variant (the four research criteria)`,
    "",
    ...mdTable(["variant", "variance reduction", "worst-10 improvement", "Sharpe improvement", "return improvement"], ranked.map((v) => [v.name, signed(v.vsFixed.varianceReductionPct), signed(v.vsFixed.worst10ImprovementPct), signed(v.vsFixed.sharpeImprovementPct), signed(v.vsFixed.returnImprovementPct)])),
    "",
    "## Variants",
    "",
    ...mdTable(["variant", "overrides", "description"], r.variants.map((v) => [v.name, Object.entries(v.overrides).map(([k, x]) => `${k} = ${JSON.stringify(x)}`).join(", ") || "(none)", v.description ?? ""])),
    "",
  ];
  return out.join("\n");
}

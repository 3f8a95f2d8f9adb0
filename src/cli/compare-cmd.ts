import { formatUsd } from "../report/format.ts";
import { cliTable } from "./colour.ts";
import type { Command } from "commander";
import { resolveRunConfig, withStrategyOptions, type StrategyCliOptions } from "./strategy-option.ts";
import { ALL_MODES, compareModes, withFixed, type Comparison } from "../backtest/compare.ts";
import { tradeListJson } from "../backtest/run.ts";
import { DEFAULT_MIN_TRADES } from "../experiments/plan.ts";
import { CRITERIA, DOLLAR_FIGURES, criteriaRulesJson, diffText, pctRulesText, type Criteria, type CriterionDiff, type CriterionSpec } from "../backtest/criteria.ts";
import { barLimits, loadSeries } from "./load-bars.ts";
import { withBarInputs } from "./load-bars.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import { loadQTable, loadQTableTraining } from "../sizing/rl/index.ts";
import { inSampleCheck } from "../backtest/in-sample.ts";
import type { BarInputOptions } from "./load-bars.ts";
import { regimeFromOption, withRegimeModelOption } from "./regime-option.ts";
import { progressBar } from "./progress.ts";
import { writeComparisonReport } from "./report-file.ts";
import { homeDir } from "./home.ts";
import { DEFAULT_BOOTSTRAP, checkBootstrapOptions, type BootstrapOptions } from "../stats/bootstrap.ts";
import { closingVerdict, intervalMethodText, type IntervalMetric, type IntervalSet, type Verdict } from "../stats/intervals.ts";
import { comparisonIntervals } from "../stats/comparison-intervals.ts";
import { writeFileSync } from "node:fs";
import { AS_TRADED, checkMcOptions, monteCarlo, tradesAsTraded, type McMethod, type McResult } from "../whatif/monte-carlo.ts";
import { buildSlots } from "../strategy/slots.ts";
import { parseModes } from "./modes-option.ts";
import { monteCarloHtml } from "../report/monte-carlo-html.ts";

/** The bootstrap's command-line options (compare, walkforward, experiments, replay). */
export interface BootstrapCliOptions {
  resamples: string;
  level: string;
  bootSeed: string;
  blockDays?: string;
}

/** Adds the bootstrap options to a command. */
export function withBootstrapOptions(cmd: Command): Command {
  return cmd
    .option("--resamples <n>", "bootstrap resamples for the intervals", String(DEFAULT_BOOTSTRAP.resamples))
    .option("--level <x>", "confidence level of the intervals", String(DEFAULT_BOOTSTRAP.level))
    .option("--boot-seed <n>", "seed of the bootstrap resampling", String(DEFAULT_BOOTSTRAP.seed))
    .option("--block-days <x>", "mean block length of the day bootstrap (default: cube root of the days)");
}

/** The bootstrap options, checked; a bad value is refused with a message naming the option. */
export function parseBootstrapOptions(o: BootstrapCliOptions): BootstrapOptions {
  const num = (name: string, v: string): number => {
    const x = Number(v);
    if (v.trim() === "" || !Number.isFinite(x)) throw new Error(`${name}: not a number: ${JSON.stringify(v)}`);
    return x;
  };
  const b: BootstrapOptions = { resamples: num("--resamples", o.resamples), level: num("--level", o.level), seed: num("--boot-seed", o.bootSeed), meanBlockDays: o.blockDays === undefined ? undefined : num("--block-days", o.blockDays) };
  try {
    checkBootstrapOptions(b);
  } catch (e) {
    throw new Error(`bootstrap options: ${(e as Error).message}`, { cause: e });
  }
  return b;
}

interface CompareOptions extends BarInputOptions, BootstrapCliOptions, StrategyCliOptions {
  monteCarlo?: string;
  mcRuns: string;
  drawdown: string;
  modes: string;
  config?: string;
  json?: boolean;
  rlTable?: string;
  regimeModel?: string;
  report?: string;
}

export function registerCompare(program: Command): void {
  withStrategyOptions(withBootstrapOptions(withRegimeModelOption(withBarInputs(program.command("compare").description("Run every sizing mode on the same bars and signals and compare them side by side, with the research criteria against fixed and bootstrap intervals on every figure.")))))
    .option("--modes <list>", "comma-separated sizing modes", ALL_MODES.join(","))
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults)")
    .option("--rl-table <file>", "start the RL layer from this Q-table (from train-rl) instead of an empty one")
    .option("--json", "print one JSON object on stdout")
    .option("--report <file>", "also write the HTML report of every mode's run to this file (see sizewise report)")
    .option("--monte-carlo <method>", "resample each mode's trade sequence: shuffle (random order), bootstrap (with replacement) or days (day blocks); with --report the distributions go to <report>-monte-carlo.html")
    .option("--mc-runs <n>", "with --monte-carlo: resampled sequences", "1000")
    .option("--drawdown <pct>", "with --monte-carlo: the drawdown whose probability is reported, % of the peak", "20")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise compare --data ../shared/data/bars/1min/2024q2
  $ npx sizewise compare --data ../shared/data/bars/1min/2024q2 --modes fixed,full --monte-carlo shuffle --drawdown 10 --report compare.html
  $ npx sizewise compare --data ../shared/data/bars/1min/2024q2 --modes fixed,kelly,full --json
  $ npx sizewise compare --gen-symbols 20 --gen-days 60 --report compare.html`,
    )
    .action(async (o: CompareOptions) => compareCommand(o));
}

async function compareCommand(o: CompareOptions): Promise<void> {
  const { config, strategies: fileStrategies } = await resolveRunConfig(o.config, homeDir(), o);
  const modes = parseModes(o.modes, config.sizing.modes);
  const boot = parseBootstrapOptions(o);
  const mcMethod = o.monteCarlo;
  if (mcMethod !== undefined && !["shuffle", "bootstrap", "days"].includes(mcMethod)) throw new Error(`--monte-carlo must be shuffle, bootstrap or days (got ${JSON.stringify(mcMethod)})`);
  const mcRuns = Number(o.mcRuns);
  const drawdownPct = Number(o.drawdown);
  // Checked before any backtest runs, so a typo costs nothing.
  if (mcMethod) checkMcOptions({ method: mcMethod as McMethod, runs: mcRuns, seed: boot.seed, drawdownPct });
  const loaded = loadSeries({ ...o, plausibility: barLimits(config) });
  const rlTable = o.rlTable;
  const bar = progressBar("compare", withFixed(modes as SizingMode[]).length, !o.json);
  const cmp = compareModes({
    config,
    series: loaded.series,
    slots: buildSlots(config, loaded.series.map((s) => s.symbol), fileStrategies),
    modes: modes as SizingMode[],
    qTable: rlTable ? () => loadQTable(rlTable) : undefined,
    regime: regimeFromOption(o.regimeModel, config),
    onMode: (_m, i) => bar.update(i),
  });
  bar.update(Infinity);
  bar.stop();
  const inSample = rlTable ? rlInSample(rlTable, loaded.series, modes) : null;
  const intervals = comparisonIntervals(cmp, config.execution.initialEquityUsd, boot);
  const mc = mcMethod ? modesMonteCarlo(cmp, config.execution.initialEquityUsd, { method: mcMethod as McMethod, runs: mcRuns, seed: boot.seed, drawdownPct, level: boot.level }) : null;
  if (o.report) {
    const notes = [...(inSample ? [inSample.text] : []), ...verdictNotes(cmp, intervals)];
    writeComparisonReport(o.report, cmp, config, "sizewise compare", `${loaded.series.length} symbols, ${o.data ?? `generated data (seed ${o.seed})`}`, notes, loaded.series);
    if (!o.json) process.stderr.write(`report: ${o.report}\n`);
    if (mc) {
      // The comparison report's page is built outside this layer; the distributions get their own page beside it.
      const file = `${o.report.replace(/\.html?$/i, "")}-monte-carlo.html`;
      writeFileSync(file, monteCarloHtml(`sizewise compare, each mode's own trades (${o.data ?? "generated data"})`, [mc]));
      if (!o.json) process.stderr.write(`Monte Carlo report: ${file}\n`);
    }
  }
  if (o.json) {
    const json = compareJson(cmp, loaded.rejects?.count ?? 0, intervals);
    const withLabel = rlTable ? { ...json, inSample } : json;
    process.stdout.write(`${JSON.stringify(mc ? { ...withLabel, monteCarlo: { ...mc, rules: mc.rules.map(({ endings: _e, drawdowns: _d, vsFirst: _v, ...r }) => r) } } : withLabel)}\n`);
    return;
  }
  // The label goes above the tables and again under them, where the verdicts are read.
  if (inSample) process.stdout.write(`${inSample.text}\n`);
  process.stdout.write(`${compareTables(cmp, intervals)}\n`);
  if (inSample) process.stdout.write(`${inSample.text}\n`);
  if (mc) process.stdout.write(`${modesMonteCarloText(mc)}\n`);
}

/** Modes whose figures the RL table sizes (pipeline.ts: the rl layer is in rl and full). */
const RL_MODES: readonly string[] = ["rl", "full"];

/** The in-sample label of a compare run with `--rl-table` (JSON key `inSample`); null when out of sample or no mode uses the table. */
export interface RlInSampleLabel {
  readonly kind: "same" | "overlap" | "unknown";
  /** The modes whose figures are in-sample. */
  readonly modes: readonly string[];
  readonly barsInSample: number | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly text: string;
}

function rlInSample(file: string, series: Parameters<typeof inSampleCheck>[1], modes: readonly string[]): RlInSampleLabel | null {
  const affected = modes.filter((m) => RL_MODES.includes(m));
  if (affected.length === 0) return null;
  const which = `: the ${affected.join(" and ")} figures are in-sample`;
  const trainedOn = loadQTableTraining(file);
  if (trainedOn.length === 0) {
    return { kind: "unknown", modes: affected, barsInSample: null, from: null, to: null, text: `MAYBE IN-SAMPLE: ${file} does not record the bars it was trained on (written before train-rl recorded them); if they are these bars, the ${affected.join(" and ")} figures are in-sample` };
  }
  const r = inSampleCheck(trainedOn, series, `the RL table (${file})`);
  return r === null ? null : { kind: r.kind, modes: affected, barsInSample: r.barsInSample, from: r.from, to: r.to, text: `${r.text}${which}` };
}

/**
 * The comparison as JSON. With `intervals`, each mode gains `metricIntervals` beside `metrics`,
 * and the top level gains `criteriaIntervals` beside `criteria` (each criterion's difference with
 * its interval, verdict and trades needed), `intervals` (how they were made) and `verdicts` (the
 * closing verdicts as text); every earlier key is unchanged.
 */
export function compareJson(cmp: Comparison, rejectedRows: number, intervals: IntervalSet | null = null): object {
  const modes: Record<string, object> = {};
  for (const r of cmp.modes) {
    modes[r.mode] = {
      trades: r.run.engine.trades.length,
      metrics: r.run.metrics,
      ...(intervals ? { metricIntervals: intervals.runs[r.mode]?.metrics ?? null } : {}),
      signals: r.run.engine.signals,
      rejectedSignals: r.run.engine.rejections,
      sizeDistribution: r.sizes,
      calibration: r.calibration,
      kelly: r.kelly.map((k) => ({ strategy: k.strategyId, symbol: k.symbol, n: k.n, winRate: k.winRate, payoff: Number.isFinite(k.payoff) ? k.payoff : null, fullKelly: k.fullKelly, halfKelly: k.halfKelly, quarterKelly: k.quarterKelly })),
      tradeList: tradeListJson(r.run.engine.trades),
    };
  }
  const base = { bars: cmp.modes[0]?.run.engine.bars ?? 0, rejectedRows, modes, criteria: cmp.criteria, criteriaRules: criteriaRulesJson() };
  if (!intervals) return base;
  return { ...base, ...intervalsJson(intervals, cmp.modes.map((r) => r.mode)) };
}

/** The interval keys a comparison's JSON adds: per run its criteria intervals, how they were made, and the verdicts in words. */
export function intervalsJson(set: IntervalSet, names: readonly string[]): { criteriaIntervals: object; intervals: object; verdicts: string[] } {
  const criteriaIntervals: Record<string, object> = {};
  for (const n of names) {
    const r = set.runs[n];
    if (r?.sizeNeutral) criteriaIntervals[n] = { sizeNeutral: r.sizeNeutral, dollars: r.dollars };
  }
  const { method, level, resamples, seed, meanBlockDays, days, baseline } = set;
  return {
    criteriaIntervals,
    intervals: { method, level, resamples, seed, meanBlockDays, days, baseline, verdict: "better: the interval of the difference is above 0; worse: below 0; cannot separate: it contains 0", tradesNeeded: "for a criterion that cannot be separated: about how many trades at the observed effect and spread would separate it with 80% power" },
    verdicts: names.filter((n) => n !== set.baseline).map((n) => closingVerdict(n, set)),
  };
}

const pct = (x: number): string => `${x.toFixed(2)}%`;

/** The closing verdicts with each mode's trade count and the interval method, as report notes. */
export function verdictNotes(cmp: Comparison, intervals: IntervalSet): string[] {
  const trades = cmp.modes.map((r) => `${r.mode} ${r.run.metrics.trades}`).join(", ");
  return [`Trades: ${trades}.`, ...cmp.modes.filter((r) => r.mode !== intervals.baseline).map((r) => closingVerdict(r.mode, intervals)), intervalMethodText(intervals)];
}

/**
 * Each mode's own trades resampled as they were traded (dollar P/L), with the same seed for every
 * mode. The modes hold different trades, so these are distributions side by side, not paired
 * differences (the intervals above are the paired comparison). One result, one "rule" per mode.
 */
export function modesMonteCarlo(cmp: Comparison, initialEquityUsd: number, o: { method: McMethod; runs: number; seed: number; drawdownPct: number; level: number }): McResult {
  const per = cmp.modes.map((r) => monteCarlo(tradesAsTraded(r.run.engine.trades, initialEquityUsd), [{ ...AS_TRADED, name: r.mode }], initialEquityUsd, o));
  return { ...per[0], trades: cmp.modes.reduce((a, r) => a + r.run.engine.trades.length, 0), rules: per.map((p) => ({ ...p.rules[0], vsFirst: null })) };
}

function modesMonteCarloText(mc: McResult): string {
  const t = cliTable({ head: ["mode", "ending equity p5 / p50 / p95", "max drawdown p50 / p95", `P(drawdown >= ${mc.drawdownPct}%)`, "P(ruin)"] });
  const usd = (x: number): string => formatUsd(x, 0);
  for (const r of mc.rules) t.push([r.rule, `${usd(r.endingEquityUsd.p5)} / ${usd(r.endingEquityUsd.p50)} / ${usd(r.endingEquityUsd.p95)}`, `${pct(r.maxDrawdownPct.p50)} / ${pct(r.maxDrawdownPct.p95)}`, pct(r.probDrawdown * 100), pct(r.probRuin * 100)]);
  return [`Monte Carlo (${mc.method}, ${mc.runs} runs, seed ${mc.seed}): each mode's own trades at their dollar P/L, replayed one at a time:`, t.toString()].join("\n");
}

const SHORT: Record<Verdict, string> = { better: "better", worse: "worse", "cannot separate": "can't tell" };

export function compareTables(cmp: Comparison, intervals: IntervalSet | null = null): string {
  const names = cmp.modes.map((r) => r.mode);
  const m = cliTable({ head: ["metric", ...names] });
  const row = (label: string, f: (r: (typeof cmp.modes)[number]) => string): void => {
    m.push([label, ...cmp.modes.map((r) => withInterval(label, f(r), r.mode))]);
  };
  // The interval under a metric's value, in the row's own format.
  const fmt = new Map<string, { key: IntervalMetric; f: (x: number) => string }>([
    ["total return", { key: "totalReturnPct", f: (x) => pct(x) }],
    ["Sharpe (daily)", { key: "sharpe", f: (x) => x.toFixed(2) }],
    ["max drawdown", { key: "maxDrawdownPct", f: (x) => pct(x) }],
    ["win rate", { key: "winRate", f: (x) => pct(x * 100) }],
    ["P/L per trade (R)", { key: "edgeR", f: (x) => x.toFixed(3) }],
    ["net P/L (R)", { key: "netR", f: (x) => x.toFixed(2) }],
    ["trade P/L std (R)", { key: "pnlStdR", f: (x) => x.toFixed(3) }],
    ["worst 10 (R)", { key: "worst10R", f: (x) => x.toFixed(2) }],
  ]);
  const withInterval = (label: string, cell: string, mode: string): string => {
    const g = fmt.get(label);
    const iv = g && intervals?.runs[mode]?.metrics[g.key];
    return g && iv ? `${cell}\n[${g.f(iv.lo)}, ${g.f(iv.hi)}]` : cell;
  };
  row("trades", (r) => String(r.run.engine.trades.length));
  row("total return", (r) => pct(r.run.metrics.totalReturnPct));
  row("CAGR", (r) => pct(r.run.metrics.cagrPct));
  row("Sharpe (daily)", (r) => r.run.metrics.sharpe.toFixed(2));
  row("Sortino", (r) => r.run.metrics.sortino.toFixed(2));
  row("max drawdown", (r) => pct(r.run.metrics.maxDrawdownPct));
  row("MAR", (r) => r.run.metrics.mar.toFixed(2));
  row("win rate", (r) => pct(r.run.metrics.winRate * 100));
  row("profit factor", (r) => r.run.metrics.profitFactor.toFixed(2));
  row("expectancy (R)", (r) => r.run.metrics.expectancyR.toFixed(3));
  row("trade P/L std", (r) => formatUsd(r.run.metrics.pnlStd, 0));
  row("worst trade", (r) => formatUsd(r.run.metrics.worstTrade, 0));
  row("worst 10", (r) => formatUsd(r.run.metrics.worst10, 0));
  row("exposure", (r) => pct(r.run.metrics.exposurePct));
  row("avg risk per trade", (r) => formatUsd(r.run.metrics.avgRiskUsd, 0));
  row("P/L per trade (R)", (r) => r.run.metrics.edgeR.toFixed(3));
  row("net P/L (R)", (r) => r.run.metrics.netR.toFixed(2));
  row("trade P/L std (R)", (r) => r.run.metrics.pnlStdR.toFixed(3));
  row("worst 10 (R)", (r) => r.run.metrics.worst10R.toFixed(2));
  const c = criteriaTable(names, (n) => cmp.criteria[n], "vs fixed", intervals);
  const s = cliTable({ head: ["risk at entry", ...names.map((n) => `${n}: share / win`)] });
  for (let i = 0; i < cmp.modes[0].sizes.length; i++) {
    s.push([cmp.modes[0].sizes[i].bracket, ...cmp.modes.map((r) => {
      const b = r.sizes[i];
      return `${b.sharePct.toFixed(0)}% / ${b.winRate === null ? "-" : pct(b.winRate * 100)}`;
    })]);
  }
  const few = cmp.modes.filter((r) => r.run.metrics.trades < DEFAULT_MIN_TRADES);
  const fewNote = few.length > 0 ? [`Fewer than ${DEFAULT_MIN_TRADES} trades (an experiment would list these, not rank them): ${few.map((r) => `${r.mode} ${r.run.metrics.trades}`).join(", ")}; differences over so few trades are noise.`] : [];
  const verdicts = intervals ? ["Verdicts (from the intervals):", ...names.filter((n) => n !== "fixed").map((n) => `  ${closingVerdict(n, intervals)}`), intervalMethodText(intervals)] : [];
  const out = [m.toString(), "Criteria against fixed (size-neutral first; the $ rows scale with position size):", c.toString(), pctRulesText(), ...fewNote, ...verdicts, "Size distribution and win rate by size bracket:", s.toString()];
  const fixed = cmp.modes.find((r) => r.mode === "fixed");
  if (fixed && fixed.kelly.length > 0) {
    const k = cliTable({ head: ["Kelly (R multiples)", "trades", "win rate", "payoff", "full", "half", "quarter"] });
    for (const x of fixed.kelly) {
      const who = `${x.strategyId === "*" ? "all" : x.strategyId} / ${x.symbol === "*" ? "all" : x.symbol}`;
      k.push([who, x.n, pct(x.winRate * 100), Number.isFinite(x.payoff) ? x.payoff.toFixed(2) : "-", pct(x.fullKelly * 100), pct(x.halfKelly * 100), pct(x.quarterKelly * 100)]);
    }
    out.push("Kelly by strategy and symbol (fixed run's closed trades):", k.toString());
  }
  for (const r of cmp.modes) {
    const rows = r.calibration.filter((x) => x.n > 0);
    if (rows.length === 0) continue;
    const t = cliTable({ head: ["predicted p", "trades", "mean predicted", "observed win rate"] });
    for (const x of rows) t.push([`${x.bucketLo.toFixed(1)}-${x.bucketHi.toFixed(1)}`, x.n, pct((x.meanPredicted ?? 0) * 100), pct((x.observedWinRate ?? 0) * 100)]);
    out.push(`Confidence calibration (${r.mode}): predicted vs observed win rate`, t.toString());
  }
  return out.join("\n");
}

/**
 * The criteria of each column against a baseline, one row per figure: the size-neutral ones, then
 * the dollar ones labelled as scaling with size. Shared by compare, walkforward and experiments.
 */
export function criteriaTable(columns: readonly string[], of: (column: string) => Criteria | null, corner: string, intervals: IntervalSet | null = null): string {
  const t = cliTable({ head: [corner, ...columns] });
  const rows = (specs: Readonly<Record<string, CriterionSpec>>, group: "sizeNeutral" | "dollars"): void => {
    for (const [k, spec] of Object.entries(specs)) {
      t.push([spec.label, ...columns.map((col) => {
        const c = of(col);
        if (!c) return "-";
        const text = diffText((c[group] as Readonly<Record<string, CriterionDiff>>)[k], spec);
        const iv = (intervals?.runs[col]?.[group] as Readonly<Record<string, { lo: number; hi: number; verdict: Verdict }>> | null | undefined)?.[k];
        return iv ? `${text}\n[${diffText({ improvement: iv.lo, improvementPct: null }, spec)}, ${diffText({ improvement: iv.hi, improvementPct: null }, spec)}] ${SHORT[iv.verdict]}` : text;
      })]);
    }
  };
  rows(CRITERIA, "sizeNeutral");
  rows(DOLLAR_FIGURES, "dollars");
  return t.toString();
}

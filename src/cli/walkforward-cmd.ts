import { cliTable } from "./colour.ts";
import type { Command } from "commander";
import { resolveRunConfig, withStrategyOptions, type StrategyCliOptions } from "./strategy-option.ts";
import { ALL_MODES } from "../backtest/compare.ts";
import { MergedBars } from "../data/merged-bars.ts";
import { etDayOf } from "../data/day-range.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import { DEFAULT_FOLD_OPTIONS, type FoldOptions } from "../walkforward/folds.ts";
import { mergedData, runWalkForward, type Evaluation, type WalkForwardResult } from "../walkforward/walk-forward.ts";
import { HOLDOUT_LABEL, designJson, foldJson, rangeJson, testSpan, type FoldJson } from "../walkforward/summary.ts";
import { compareJson, compareTables, verdictNotes, parseBootstrapOptions, withBootstrapOptions, type BootstrapCliOptions } from "./compare-cmd.ts";
import type { BootstrapOptions } from "../stats/bootstrap.ts";
import { comparisonIntervals } from "../stats/comparison-intervals.ts";
import { foldAudit } from "../walkforward/fold-audit.ts";
import { recordHoldout, type HoldoutLedgerJson } from "../walkforward/holdout-ledger.ts";
import { intOption } from "./int-option.ts";
import { type BarInputOptions, barLimits, loadSeries, withBarInputs } from "./load-bars.ts";
import { lazyProgressBar } from "./progress.ts";
import { writeOut } from "./stdout.ts";
import { writeComparisonReport } from "./report-file.ts";
import { homeDir } from "./home.ts";
import { formatPct } from "../report/format.ts";
import { buildSlots } from "../strategy/slots.ts";
import { parseModes } from "./modes-option.ts";
import type { ReportTable } from "../report/report-tables.ts";

interface WalkForwardCliOptions extends BarInputOptions, FoldCliOptions, BootstrapCliOptions, StrategyCliOptions {
  online?: boolean;
  modes: string;
  config?: string;
  json?: boolean;
  report?: string;
}

export interface FoldCliOptions {
  trainDays?: string;
  testDays?: string;
  purgeDays?: string;
  holdoutFrom?: string;
}

/**
 * The walk-forward options every command that runs one shares (walkforward, experiments). Without
 * `defaults` an option left out stays undefined (an experiment plan may set it).
 */
export function withFoldOptions(cmd: Command, defaults = true): Command {
  // Commander prints a default it holds; one it does not hold (the plan may set it) goes in the text.
  const d = (n: number): string | undefined => (defaults ? String(n) : undefined);
  const say = (n: number): string => (defaults ? "" : ` (default: the plan's, else ${n})`);
  const dflt = DEFAULT_FOLD_OPTIONS;
  return cmd
    .option("--train-days <n>", `trading days in each train window${say(dflt.trainDays)}`, d(dflt.trainDays))
    .option("--test-days <n>", `trading days in each test window; the windows roll by this much${say(dflt.testDays)}`, d(dflt.testDays))
    .option("--purge-days <n>", `trading days left out between each train and test window${say(dflt.purgeDays)}`, d(dflt.purgeDays))
    .option("--holdout-from <date>", "keep every bar from this date (YYYY-MM-DD) out of all training and tuning; evaluate on it once at the end");
}

export function parseFoldOptions(o: FoldCliOptions): Partial<FoldOptions> {
  if (o.holdoutFrom !== undefined) etDayOf("--holdout-from", o.holdoutFrom);
  const int = (name: string, v: string | undefined, min: number): number | undefined => (v === undefined ? undefined : intOption(name, v, min));
  return {
    trainDays: int("--train-days", o.trainDays, 1),
    testDays: int("--test-days", o.testDays, 1),
    purgeDays: int("--purge-days", o.purgeDays, 0),
    holdoutFrom: o.holdoutFrom,
  };
}


export function registerWalkForward(program: Command): void {
  const cmd = withBarInputs(
    program
      .command("walkforward")
      .description("Walk-forward validation: fit every learned piece on rolling train windows only, run every sizing mode on the test windows after them, and stitch the test windows into one out-of-sample result per mode."),
  );
  withStrategyOptions(withBootstrapOptions(withFoldOptions(cmd)))
    .option("--online", "let the learned pieces keep learning from test-window trades as they close (default: frozen as fitted)")
    .option("--modes <list>", "comma-separated sizing modes (fixed is always run)", ALL_MODES.join(","))
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults)")
    .option("--json", "print one JSON object on stdout")
    .option("--report <file>", "also write the HTML report of the stitched out-of-sample run of every mode (see sizewise report)")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise walkforward --data ../shared/data/bars/1min/2024q2
  $ npx sizewise walkforward --data ../shared/data/bars/1min/2024q2 --report walkforward.html
  $ npx sizewise walkforward --data ../shared/data/bars/1min/2024q2 --train-days 30 --test-days 5 --holdout-from 2024-06-03 --json`,
    )
    .action((o: WalkForwardCliOptions) => walkForwardCommand(o));
}

async function walkForwardCommand(o: WalkForwardCliOptions): Promise<void> {
  const { config, strategies: fileStrategies } = await resolveRunConfig(o.config, homeDir(), o);
  const folds = { ...DEFAULT_FOLD_OPTIONS, ...parseFoldOptions(o) };
  const modes = parseModes(o.modes, config.sizing.modes);
  const boot = parseBootstrapOptions(o);
  const loaded = loadSeries({ ...o, plausibility: barLimits(config) });
  const bars = MergedBars.fromSeries(loaded.series);
  const bar = lazyProgressBar("walk-forward", !o.json);
  const wf = runWalkForward({
    config,
    data: mergedData(bars),
    slots: buildSlots(config, loaded.series.map((s) => s.symbol), fileStrategies),
    ...folds,
    modes,
    learning: o.online ? "online" : "frozen",
    onStep: bar.update,
  });
  bar.stop();
  // The holdout's figures are about to be shown: record that in the ledger first, and warn when it is not the first look.
  const ledger = wf.holdout
    ? recordHoldout({
        stateDir: o.state,
        window: bars.window(wf.holdout.folds[0].fold.test.fromMs, wf.holdout.folds[0].fold.test.toMs),
        holdout: rangeJson(wf.holdout.folds[0].fold.test),
        command: "walkforward",
        plan: null,
        evaluated: [...wf.modes],
        nowMs: Date.now(),
        warn: (m) => process.stderr.write(`${m}\n`),
      })
    : null;
  const rejected = loaded.rejects?.count ?? 0;
  const origin = o.data ?? `generated (seed ${o.seed})`;
  if (o.report) {
    const span = `${folds.trainDays}/${folds.purgeDays}/${folds.testDays}`;
    writeComparisonReport(o.report, wf.outOfSample.comparison, config, "sizewise walkforward (out of sample)", `${bars.symbols.length} symbols, ${origin}; folds train/purge/test ${span} trading days, test windows stitched`, [
      "Every learned piece was fitted on the train windows only; these figures are the test windows, stitched.",
      ...verdictNotes(wf.outOfSample.comparison, comparisonIntervals(wf.outOfSample.comparison, wf.outOfSample.initialEquityUsd, boot)),
    ], loaded.series, [foldReportTable(wf.outOfSample.folds.map(foldJson), wf.modes)]);
    if (!o.json) process.stderr.write(`report: ${o.report}\n`);
  }
  if (o.json) {
    await writeOut(`${JSON.stringify(walkForwardJson(wf, origin, bars.symbols.length, rejected, ledger, boot))}\n`);
    return;
  }
  await writeOut(`${walkForwardText(wf, origin, bars.symbols.length, ledger, boot)}\n`);
}

/**
 * `ledger` is what the holdout ledger said about this evaluation of the holdout (null without one,
 * or unrecorded). With `boot`, the out-of-sample and holdout comparisons carry paired bootstrap
 * intervals (see compareJson).
 */
export function walkForwardJson(wf: WalkForwardResult, origin: string, symbols: number, rejectedRows: number, ledger: HoldoutLedgerJson | null = null, boot: BootstrapOptions | null = null): object {
  const days = wf.plan.days;
  const evaluation = (e: Evaluation): object => ({ ...testSpan(e.folds), ...compareJson(e.comparison, rejectedRows, boot ? comparisonIntervals(e.comparison, e.initialEquityUsd, boot) : null) });
  return {
    data: origin,
    symbols,
    days: days.length,
    design: designJson(wf),
    // Each fold with what it fitted on its train window (tree rules, Kelly, confidence weights, Q-table), for audit.
    folds: wf.outOfSample.folds.map((f) => ({ ...foldJson(f), fittedPieces: foldAudit(f) })),
    outOfSample: evaluation(wf.outOfSample),
    holdout: wf.holdout ? { label: ledger?.label ?? HOLDOUT_LABEL, ledger, ...foldJson(wf.holdout.folds[0]), fittedPieces: foldAudit(wf.holdout.folds[0]), ...evaluation(wf.holdout) } : null,
  };
}

const range = (r: { from: string; to: string; days: number }): string => (r.days === 1 ? `${r.from} (1)` : `${r.from}..${r.to} (${r.days})`);

/** One row per fold: its windows, what was fitted on the train window, and trades / return per mode. */
export function foldTable(folds: readonly FoldJson[], modes: readonly SizingMode[]): string {
  const t = cliTable({ head: ["fold", "train (days)", "purge", "test (days)", "fitted on train", ...modes] });
  for (const f of folds) {
    t.push([f.fold || "holdout", range(f.train), f.purge ? range(f.purge) : "-", range(f.test), fittedCell(f), ...modes.map((m) => (f.modes[m] ? `${f.modes[m].trades} / ${f.modes[m].returnPct.toFixed(2)}%` : "-"))]);
  }
  return t.toString();
}

/** The fold table as the HTML report shows it. */
export function foldReportTable(folds: readonly FoldJson[], modes: readonly SizingMode[]): ReportTable {
  return {
    id: "folds",
    title: "Walk-forward folds",
    note: folds.length === 0 ? "no folds: the data is shorter than one train + purge + test window" : "per mode: the test window's trades / return; every learned piece was fitted on the train window only",
    columns: ["fold", "train (days)", "purge", "test (days)", "fitted on train", ...modes],
    rows: folds.map((f) => [String(f.fold || "holdout"), range(f.train), f.purge ? range(f.purge) : "-", range(f.test), fittedCell(f).replace("\n", "; "), ...modes.map((m) => (f.modes[m] ? `${f.modes[m].trades} / ${formatPct(f.modes[m].returnPct)}` : "-"))]),
  };
}

/** The regime tree and the fullest learning mode's pieces, in a few words. */
function fittedCell(f: FoldJson): string {
  const regime = f.regime.fitted ? `regime tree (${f.regime.samples} trades)` : "regime: NORMAL";
  const mode = (["full", "kelly_confidence", "rl", "kelly"] as const).find((m) => f.fitted[m]);
  if (!mode) return regime;
  const s = f.fitted[mode]!;
  return `${regime}\n${mode}: ${s.trainTrades} trades, conf ${s.confidenceModel ? "fitted" : "none"}, rl ${s.rlStates} states`;
}

function walkForwardText(wf: WalkForwardResult, origin: string, symbols: number, ledger: HoldoutLedgerJson | null, boot: BootstrapOptions | null = null): string {
  const o = wf.options;
  const days = wf.plan.days;
  const oos = wf.outOfSample;
  const span = testSpan(oos.folds);
  const out = [
    `Walk-forward on ${origin}: ${symbols} symbols, ${days.length} trading days. ${oos.folds.length} rolling folds: train ${o.trainDays}, purge ${o.purgeDays}, test ${o.testDays} days; learned pieces ${wf.learning === "frozen" ? "frozen as fitted" : "learning online"} in the test windows.`,
    "Per fold: the windows, what was fitted on the train window, and per mode the test window's trades / return.",
    foldTable(oos.folds.map(foldJson), wf.modes),
  ];
  const reasons = [...new Set(oos.folds.map((f) => f.fit.regime.reason))];
  out.push(`Regime model: ${reasons.join("; ")}`);
  out.push(`\nOUT OF SAMPLE: the test windows stitched (${range(span)}), equity carried from fold to fold:`, compareTables(oos.comparison, boot ? comparisonIntervals(oos.comparison, oos.initialEquityUsd, boot) : null));
  if (wf.holdout) {
    const h = wf.holdout.folds[0];
    out.push(
      `\n${ledger?.label ?? HOLDOUT_LABEL}: trained on ${range(rangeJson(h.fold.train))}, purge ${h.fold.purge ? range(rangeJson(h.fold.purge)) : "none"}, tested on ${range(rangeJson(h.fold.test))}. Nothing from ${o.holdoutFrom} on was read by any fit or by the walk-forward above.`,
      foldTable([foldJson(h)], wf.modes),
      compareTables(wf.holdout.comparison, boot ? comparisonIntervals(wf.holdout.comparison, wf.holdout.initialEquityUsd, boot) : null),
    );
  }
  return out.join("\n");
}

import { cliTable } from "./colour.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import { resolveConfig } from "../config/load.ts";
import { MergedBars } from "../data/merged-bars.ts";
import { loadPlan } from "../experiments/plan.ts";
import { runExperiments } from "../experiments/runner.ts";
import { RANK_HEAD, decisionLines, experimentJson, experimentMarkdown, rankCells, type DataInfo } from "../experiments/report.ts";
import { intOption } from "./int-option.ts";
import { etToUtcMs, isoToEtDay } from "../core/ny-time.ts";
import { recordHoldout } from "../walkforward/holdout-ledger.ts";
import { type BarInputOptions, barLimits, loadSeries, withBarInputs } from "./load-bars.ts";
import { lazyProgressBar } from "./progress.ts";
import { writeOut } from "./stdout.ts";
import { parseFoldOptions, withFoldOptions, type FoldCliOptions } from "./walkforward-cmd.ts";
import { homeDir } from "./home.ts";
import { parseBootstrapOptions, withBootstrapOptions, type BootstrapCliOptions } from "./compare-cmd.ts";

interface ExperimentsCliOptions extends BarInputOptions, FoldCliOptions, BootstrapCliOptions {
  plan: string;
  online?: boolean;
  workers?: string;
  out?: string;
  config?: string;
  json?: boolean;
}

export function registerExperiments(program: Command): void {
  const cmd = withBarInputs(
    program
      .command("experiments")
      .description("Run every variant of an experiment plan (config overrides, or a grid of them) through the same walk-forward, in parallel, and rank them out of sample."),
  );
  withBootstrapOptions(withFoldOptions(cmd, false))
    .requiredOption("--plan <file>", "experiment plan (JSON); see config/plans/")
    .option("--online", "let the learned pieces keep learning in the test windows (default: the plan's choice, else frozen)")
    .option("--workers <n>", "worker threads (default: the CPU cores available)")
    .option("--out <file>", "markdown report (default: <state>/reports/experiments-<plan>.md)")
    .option("--config <file>", "base config the variants override (default: config/local.json when present, else the defaults)")
    .option("--json", "print one JSON object on stdout")
    .addHelpText(
      "after",
      `
Fold options given here win over the plan's "walkforward" section.

Examples:
  $ npx sizewise experiments --data ../shared/data/bars/1min/2024q2 --plan config/plans/stop-loss.json
  $ npx sizewise experiments --data ../shared/data/bars/1min/2024q2 --plan config/plans/robustness-grid.json --json > grid.json`,
    )
    .action((o: ExperimentsCliOptions) => experimentsCommand(o));
}

async function experimentsCommand(o: ExperimentsCliOptions): Promise<void> {
  const base = resolveConfig(o.config, homeDir());
  const plan = loadPlan(o.plan);
  const folds = parseFoldOptions(o);
  const boot = parseBootstrapOptions(o);
  const workers = o.workers === undefined ? availableParallelism() : intOption("--workers", o.workers, 1);
  const loaded = loadSeries({ ...o, plausibility: barLimits(base) });
  const bars = MergedBars.fromSeries(loaded.series);
  const progress = lazyProgressBar(`experiments ${plan.name}`, !o.json);
  let report = await runExperiments({
    plan,
    planFile: o.plan,
    base,
    bars,
    folds,
    learning: o.online ? "online" : undefined,
    workers,
    boot,
    onVariant: progress.update,
  });
  progress.stop();
  if (report.holdout) {
    // The holdout's figures are about to be shown: record that in the ledger first, and warn when it is not the first look.
    const h = report.holdout;
    const test = { from: h.test.from, to: h.test.to, days: h.test.days };
    const ledger = recordHoldout({
      stateDir: o.state,
      window: bars.window(etToUtcMs(isoToEtDay(test.from), 0), etToUtcMs(isoToEtDay(test.to) + 1, 0)),
      holdout: test,
      command: "experiments",
      plan: o.plan,
      evaluated: h.evaluations.map((e) => e.name),
      nowMs: Date.now(),
      warn: (m) => process.stderr.write(`${m}\n`),
    });
    report = { ...report, holdout: { ...h, label: ledger.label, ledger } };
  }
  const data: DataInfo = { origin: o.data ?? `generated (seed ${o.seed})`, symbols: bars.symbols.length, days: bars.tradingDays().length };
  const out = o.out ?? join(o.state, "reports", `experiments-${basename(plan.name)}.md`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, experimentMarkdown(report, data));
  if (o.json) {
    await writeOut(`${JSON.stringify(experimentJson(report, data))}\n`);
    process.stderr.write(`report: ${out}\n`);
    return;
  }
  const t = cliTable({ head: ["rank", "variant", ...RANK_HEAD] });
  for (const v of report.analysis.ranked) t.push([v.rank ?? "-", v.baseline ? `${v.name} (baseline)` : v.name, ...rankCells(v)]);
  await writeOut(
    [
      `Experiment ${plan.name}: ${report.variants.length} variants on ${data.origin}, ${report.workers} worker${report.workers === 1 ? "" : "s"}. Out of sample, ${report.rankMode} mode:`,
      t.toString(),
      ...decisionLines(report),
      `report: ${out}`,
      "",
    ].join("\n"),
  );
}

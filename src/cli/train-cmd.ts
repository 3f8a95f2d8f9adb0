import { cliTable } from "./colour.ts";
import { resolve } from "node:path";
import type { Command } from "commander";
import { resolveConfig } from "../config/load.ts";
import { fitRegimeModel } from "../regime/fit.ts";
import { progressBar } from "./progress.ts";
import { saveRegimeModel } from "../regime/model-file.ts";
import { inSampleReport, type InSampleReport, type RegimeOutcome } from "../regime/report.ts";
import { treeRules } from "../regime/rules.ts";
import { REGIMES } from "../sizing/regime-port.ts";
import { type BarInputOptions, barLimits, loadBars, withBarInputs } from "./load-bars.ts";
import { homeDir } from "./home.ts";

interface TrainOptions extends BarInputOptions {
  out?: string;
  config?: string;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  withBarInputs(
    program
      .command("train")
      .description("Train the regime model (a depth <= 3 decision tree on entry-time features, labelled from each backtest trade's path after entry) and save it as JSON."),
  )
    .option("--out <file>", "where to write the model (default: regime.modelPath from config)")
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults)")
    .option("--json", "print one JSON object on stdout instead of tables")
    .addHelpText(
      "after",
      `
Everything printed is IN-SAMPLE (the trades the tree was fitted on); \`walkforward\` measures it out of sample.
A model answers only for decisions after its training data ends (and at most regime.maxAgeDays later).

Examples:
  $ npx sizewise train --data ../shared/data/bars/1min/2024q2
  $ npx sizewise train --data ../shared/data/bars/1min/2024q2 --from 2024-04-01 --to 2024-05-31 --out state/regime-apr-may.json`,
    )
    .action((o: TrainOptions) => trainCommand(o));
}

function trainCommand(o: TrainOptions): void {
  const config = resolveConfig(o.config, homeDir());
  // The default lands in the home (a relative regime.modelPath is the home's), wherever this runs from.
  const out = o.out ?? resolve(homeDir(), config.regime.modelPath);
  const loaded = loadBars({ ...o, plausibility: barLimits(config) });
  const bar = progressBar("train", loaded.rows, !o.json);
  const fit = fitRegimeModel({ config, source: loaded.source, onProgress: bar.update });
  bar.stop();
  const set = fit.sampleSet;
  const labelCounts = Object.fromEntries(REGIMES.map((r) => [r, fit.used.filter((s) => s.label === r).length]));
  const report = fit.model ? inSampleReport(fit.model, fit.used, set.featureNames, config) : null;
  if (fit.model) saveRegimeModel(out, { ...fit.model, createdAt: new Date().toISOString() });
  else process.exitCode = 1;
  if (o.json) {
    const json = {
      out: fit.model ? out : null,
      reason: fit.reason,
      bars: set.bars,
      trades: set.trades,
      samples: fit.samples,
      labelCounts,
      training: fit.model?.training ?? null,
      features: fit.model?.features ?? null,
      rules: fit.model ? treeRules(fit.model) : [],
      inSample: report,
      tree: fit.model?.tree ?? null,
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
    return;
  }
  const lines = [
    `data: ${loaded.origin} | symbols: ${set.symbols.length} | bars: ${set.bars} | trades: ${set.trades} (fixed sizing)`,
    `labels (path after entry, horizon ${config.regime.labels.horizon}; +${config.regime.labels.addAllowedR}R before stop = ADD_ALLOWED, stop before +${config.regime.labels.noAddR}R = NO_ADD): ${REGIMES.map((r) => `${r} ${labelCounts[r]}`).join(" / ")}`,
    fit.reason,
  ];
  if (!fit.model || !report) {
    process.stdout.write(`${lines.join("\n")}\nno model written\n`);
    return;
  }
  const m = fit.model;
  lines.push(`features (${Array.isArray(config.regime.features) ? "list" : config.regime.features}): ${m.features.join(", ")}`, "", "Rules (the leaf's majority class; calls below regime.minProbability answer NORMAL):");
  for (const r of treeRules(m)) lines.push(`  ${r}`);
  lines.push("", "Confusion matrix, IN-SAMPLE (the training trades themselves; use walkforward for out-of-sample skill):", confusionTable(report));
  const majority = Math.max(...REGIMES.map((r) => labelCounts[r])) / Math.max(1, fit.samples);
  lines.push(`in-sample accuracy ${pct(report.accuracy)} (always predicting the most common label: ${pct(majority)})`);
  lines.push("", "Win rate and average R per predicted regime, IN-SAMPLE:", outcomeTable(report));
  lines.push("", "Feature importance (Gini decrease, sums to 1):", importanceTable(report));
  lines.push("", `model written to ${out} (training data ${m.training.from}..${m.training.to}, fingerprint ${m.training.dataFingerprint.slice(0, 12)})`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function confusionTable(r: InSampleReport): string {
  const t = cliTable({ head: ["actual \\ predicted", ...REGIMES, "trades"] });
  REGIMES.forEach((a, i) => t.push([a, ...r.confusion[i].map(String), String(r.confusion[i].reduce((x, y) => x + y, 0))]));
  return t.toString();
}

function outcomeTable(r: InSampleReport): string {
  const t = cliTable({ head: ["regime", "tree's class: trades", "win rate", "avg R", "classifier call: trades", "win rate", "avg R"] });
  const cells = (o: RegimeOutcome): string[] => [String(o.trades), o.winRate === null ? "-" : pct(o.winRate), o.avgR === null ? "-" : o.avgR.toFixed(3)];
  REGIMES.forEach((reg, i) => t.push([reg, ...cells(r.byPredicted[i]), ...cells(r.byCall[i])]));
  return t.toString();
}

function importanceTable(r: InSampleReport): string {
  const t = cliTable({ head: ["feature", "importance", "splits"] });
  for (const x of r.importance) t.push([x.feature, x.importance.toFixed(3), String(x.splits)]);
  return t.toString();
}

import type { Command } from "commander";
import Table from "cli-table3";
import { resolveConfig } from "../config/load.ts";
import { ALL_MODES, compareModes, withFixed, type Comparison } from "../backtest/compare.ts";
import { tradeListJson } from "../backtest/run.ts";
import { DEFAULT_MIN_TRADES } from "../experiments/plan.ts";
import { CRITERIA, DOLLAR_FIGURES, criteriaRulesJson, diffText, pctRulesText, type Criteria, type CriterionDiff, type CriterionSpec } from "../backtest/criteria.ts";
import { barLimits, loadSeries } from "./load-bars.ts";
import { withBarInputs } from "./load-bars.ts";
import type { SizingMode } from "../sizing/pipeline.ts";
import { loadQTable } from "../sizing/rl/index.ts";
import type { BarInputOptions } from "./load-bars.ts";
import { regimeFromOption, withRegimeModelOption } from "./regime-option.ts";
import { progressBar } from "./progress.ts";
import { writeComparisonReport } from "./report-file.ts";
import { homeDir } from "./home.ts";

interface CompareOptions extends BarInputOptions {
  modes: string;
  config?: string;
  json?: boolean;
  rlTable?: string;
  regimeModel?: string;
  report?: string;
}

export function registerCompare(program: Command): void {
  withRegimeModelOption(withBarInputs(program.command("compare").description("Run every sizing mode on the same bars and signals and compare them side by side, with the research criteria against fixed.")))
    .option("--modes <list>", "comma-separated sizing modes", ALL_MODES.join(","))
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults)")
    .option("--rl-table <file>", "start the RL layer from this Q-table (from train-rl) instead of an empty one")
    .option("--json", "print one JSON object on stdout")
    .option("--report <file>", "also write the HTML report of every mode's run to this file (see sizewise report)")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise compare --data ../shared/data/bars/1min/2024q2
  $ npx sizewise compare --data ../shared/data/bars/1min/2024q2 --modes fixed,kelly,full --json
  $ npx sizewise compare --gen-symbols 20 --gen-days 60 --report compare.html`,
    )
    .action((o: CompareOptions) => compareCommand(o));
}

function compareCommand(o: CompareOptions): void {
  const config = resolveConfig(o.config, homeDir());
  const modes = o.modes.split(",").map((m) => m.trim()).filter(Boolean);
  for (const m of modes) if (!(ALL_MODES as readonly string[]).includes(m)) throw new Error(`--modes: unknown mode "${m}" (allowed: ${ALL_MODES.join(", ")})`);
  const loaded = loadSeries({ ...o, plausibility: barLimits(config) });
  const rlTable = o.rlTable;
  const bar = progressBar("compare", withFixed(modes as SizingMode[]).length, !o.json);
  const cmp = compareModes({
    config,
    series: loaded.series,
    modes: modes as SizingMode[],
    qTable: rlTable ? () => loadQTable(rlTable) : undefined,
    regime: regimeFromOption(o.regimeModel, config),
    onMode: (_m, i) => bar.update(i),
  });
  bar.update(Infinity);
  bar.stop();
  if (o.report) {
    writeComparisonReport(o.report, cmp, config, "sizewise compare", `${loaded.series.length} symbols, ${o.data ?? `generated data (seed ${o.seed})`}`);
    if (!o.json) process.stderr.write(`report: ${o.report}\n`);
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify(compareJson(cmp, loaded.rejects?.count ?? 0))}\n`);
    return;
  }
  process.stdout.write(`${compareTables(cmp)}\n`);
}

export function compareJson(cmp: Comparison, rejectedRows: number): object {
  const modes: Record<string, object> = {};
  for (const r of cmp.modes) {
    modes[r.mode] = {
      trades: r.run.engine.trades.length,
      metrics: r.run.metrics,
      signals: r.run.engine.signals,
      rejectedSignals: r.run.engine.rejections,
      sizeDistribution: r.sizes,
      calibration: r.calibration,
      kelly: r.kelly.map((k) => ({ strategy: k.strategyId, symbol: k.symbol, n: k.n, winRate: k.winRate, payoff: Number.isFinite(k.payoff) ? k.payoff : null, fullKelly: k.fullKelly, halfKelly: k.halfKelly, quarterKelly: k.quarterKelly })),
      tradeList: tradeListJson(r.run.engine.trades),
    };
  }
  return { bars: cmp.modes[0]?.run.engine.bars ?? 0, rejectedRows, modes, criteria: cmp.criteria, criteriaRules: criteriaRulesJson() };
}

const pct = (x: number): string => `${x.toFixed(2)}%`;

export function compareTables(cmp: Comparison): string {
  const names = cmp.modes.map((r) => r.mode);
  const m = new Table({ head: ["metric", ...names] });
  const row = (label: string, f: (r: (typeof cmp.modes)[number]) => string): void => {
    m.push([label, ...cmp.modes.map(f)]);
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
  row("trade P/L std", (r) => `$${r.run.metrics.pnlStd.toFixed(0)}`);
  row("worst trade", (r) => `$${r.run.metrics.worstTrade.toFixed(0)}`);
  row("worst 10", (r) => `$${r.run.metrics.worst10.toFixed(0)}`);
  row("exposure", (r) => pct(r.run.metrics.exposurePct));
  row("avg risk per trade", (r) => `$${r.run.metrics.avgRiskUsd.toFixed(0)}`);
  row("P/L per trade (R)", (r) => r.run.metrics.edgeR.toFixed(3));
  row("net P/L (R)", (r) => r.run.metrics.netR.toFixed(2));
  row("trade P/L std (R)", (r) => r.run.metrics.pnlStdR.toFixed(3));
  row("worst 10 (R)", (r) => r.run.metrics.worst10R.toFixed(2));
  const c = criteriaTable(names, (n) => cmp.criteria[n], "vs fixed");
  const s = new Table({ head: ["risk at entry", ...names.map((n) => `${n}: share / win`)] });
  for (let i = 0; i < cmp.modes[0].sizes.length; i++) {
    s.push([cmp.modes[0].sizes[i].bracket, ...cmp.modes.map((r) => {
      const b = r.sizes[i];
      return `${b.sharePct.toFixed(0)}% / ${b.winRate === null ? "-" : pct(b.winRate * 100)}`;
    })]);
  }
  const few = cmp.modes.filter((r) => r.run.metrics.trades < DEFAULT_MIN_TRADES);
  const fewNote = few.length > 0 ? [`Fewer than ${DEFAULT_MIN_TRADES} trades (an experiment would list these, not rank them): ${few.map((r) => `${r.mode} ${r.run.metrics.trades}`).join(", ")}; differences over so few trades are noise.`] : [];
  const out = [m.toString(), "Criteria against fixed (size-neutral first; the $ rows scale with position size):", c.toString(), pctRulesText(), ...fewNote, "Size distribution and win rate by size bracket:", s.toString()];
  const fixed = cmp.modes.find((r) => r.mode === "fixed");
  if (fixed && fixed.kelly.length > 0) {
    const k = new Table({ head: ["Kelly (R multiples)", "trades", "win rate", "payoff", "full", "half", "quarter"] });
    for (const x of fixed.kelly) {
      const who = `${x.strategyId === "*" ? "all" : x.strategyId} / ${x.symbol === "*" ? "all" : x.symbol}`;
      k.push([who, x.n, pct(x.winRate * 100), Number.isFinite(x.payoff) ? x.payoff.toFixed(2) : "-", pct(x.fullKelly * 100), pct(x.halfKelly * 100), pct(x.quarterKelly * 100)]);
    }
    out.push("Kelly by strategy and symbol (fixed run's closed trades):", k.toString());
  }
  for (const r of cmp.modes) {
    const rows = r.calibration.filter((x) => x.n > 0);
    if (rows.length === 0) continue;
    const t = new Table({ head: ["predicted p", "trades", "mean predicted", "observed win rate"] });
    for (const x of rows) t.push([`${x.bucketLo.toFixed(1)}-${x.bucketHi.toFixed(1)}`, x.n, pct((x.meanPredicted ?? 0) * 100), pct((x.observedWinRate ?? 0) * 100)]);
    out.push(`Confidence calibration (${r.mode}): predicted vs observed win rate`, t.toString());
  }
  return out.join("\n");
}

/**
 * The criteria of each column against a baseline, one row per figure: the size-neutral ones, then
 * the dollar ones labelled as scaling with size. Shared by compare, walkforward and experiments.
 */
export function criteriaTable(columns: readonly string[], of: (column: string) => Criteria | null, corner: string): string {
  const t = new Table({ head: [corner, ...columns] });
  const rows = (specs: Readonly<Record<string, CriterionSpec>>, pick: (c: Criteria) => Readonly<Record<string, CriterionDiff>>): void => {
    for (const [k, spec] of Object.entries(specs)) {
      t.push([spec.label, ...columns.map((col) => {
        const c = of(col);
        return c ? diffText(pick(c)[k], spec) : "-";
      })]);
    }
  };
  rows(CRITERIA, (c) => c.sizeNeutral);
  rows(DOLLAR_FIGURES, (c) => c.dollars);
  return t.toString();
}

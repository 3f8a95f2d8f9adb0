import { formatUsd } from "../report/format.ts";
import { cliTable } from "./colour.ts";
import type { Command } from "commander";
import { resolveRunConfig, withStrategyOptions, type StrategyCliOptions } from "./strategy-option.ts";
import { runBacktest, tradeListJson } from "../backtest/run.ts";
import type { Metrics } from "../backtest/metrics.ts";
import { type BarInputOptions, barLimits, loadBars, withBarInputs } from "./load-bars.ts";
import { progressBar, type Progress } from "./progress.ts";
import { regimeFromOption, withRegimeModelOption } from "./regime-option.ts";
import { homeDir } from "./home.ts";
import { buildSlots } from "../strategy/slots.ts";
import { etDayToIso, NyTime } from "../core/ny-time.ts";
import type { DetectedSplit } from "../data/splits.ts";
import { STRATEGY_HEAD, strategyCells, type StrategyRow } from "../report/by-strategy.ts";

export interface BacktestCliOptions extends BarInputOptions, StrategyCliOptions {
  config?: string;
  json?: boolean;
  regimeModel?: string;
}

export function registerBacktest(program: Command): void {
  withStrategyOptions(withRegimeModelOption(withBarInputs(
    program
      .command("backtest")
      .description("Backtest the configured strategies (the Bear Trap by default) with the configured sizing on bar files and print the metrics, overall and by strategy."),
  )))
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults)")
    .option("--json", "print one JSON object on stdout instead of tables")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise backtest --data ../shared/data/bars/1min/2024q2
  $ npx sizewise backtest --data ../shared/data/bars/1min/2024q2 --symbols GME,AMC --from 2024-05-01 --json
  $ npx sizewise backtest --gen-symbols 10 --gen-days 120 --seed 7
  $ npx sizewise backtest --data ../shared/data/bars/1min/2024q2 --strategy-file examples/strategies/dip-reclaim.ts`,
    )
    .action(async (o: BacktestCliOptions) => backtestCommand(o));
}

export async function backtestCommand(o: BacktestCliOptions): Promise<void> {
  const t0 = performance.now();
  const { config, strategies: fileStrategies } = await resolveRunConfig(o.config, homeDir(), o);
  let fileBar: Progress | null = null;
  // With --from, a daily folder is read whole: the sessions before --from are the warm-up history
  // of the strategies that declare one (the rest of them are dropped, as without it).
  const loaded = loadBars({ ...o, plausibility: barLimits(config), dailyHistory: true }, (done, total) => {
    fileBar ??= progressBar("loading", total, !o.json);
    fileBar.update(done);
  });
  (fileBar as Progress | null)?.stop();
  const bar = progressBar("backtest", loaded.rows, !o.json);
  const slots = buildSlots(config, loaded.source.symbols, fileStrategies);
  // A daily file stamps a session at 00:00 UTC of its date (Alpaca at 00:00 New York, later): from
  // 00:00 UTC of --from's day on, every bar is the run's; the minute folders were cut at --from already.
  const warmupFromMs = o.from ? Date.parse(`${o.from}T00:00:00Z`) : undefined;
  const run = runBacktest({ config, source: loaded.source, slots, regime: regimeFromOption(o.regimeModel, config), onProgress: (n) => bar.update(n), warmupFromMs });
  bar.stop();
  const elapsedMs = performance.now() - t0;
  const e = run.engine;
  if (o.json) {
    const out = {
      bars: e.bars,
      symbols: loaded.source.symbols,
      trades: e.trades.length,
      rejectedRows: loaded.rejects?.count ?? 0,
      elapsedMs: round(elapsedMs, 1),
      barsPerSec: Math.round((e.bars / elapsedMs) * 1000),
      loadMs: round(loaded.loadMs, 1),
      engineMs: round(run.elapsedMs, 1),
      engineBarsPerSec: Math.round(run.barsPerSec),
      signals: e.signals,
      rejectedSignals: e.rejections,
      dailyBarsDropped: e.dailyBarsDropped,
      splitsAdjusted: loaded.splits.map((x) => ({ symbol: x.symbol, day: nyDate(x.tMs), ratio: x.ratio })),
      rejectedRowSamples: loaded.rejects?.samples.slice(0, 20) ?? [],
      sizingMode: config.sizing.mode,
      metrics: run.metrics,
      byStrategy: run.byStrategy,
      tradeList: tradeListJson(e.trades),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const lines = [
    `data: ${loaded.origin} | symbols: ${loaded.source.symbols.length} | bars: ${e.bars} (${e.barsUsed} in regular hours)`,
    `signals: ${e.signals} | trades: ${e.trades.length} | sizing: ${config.sizing.mode} | elapsed ${(elapsedMs / 1000).toFixed(2)} s (engine ${Math.round(run.barsPerSec).toLocaleString("en-US")} bars/s)`,
  ];
  const rej = Object.entries(e.rejections);
  if (rej.length) lines.push(`signals not taken: ${rej.map(([k, v]) => `${v} x ${k}`).join("; ")}`);
  if (loaded.splits.length > 0) lines.push(`split-adjusted daily prices (raw files; --no-split-adjust to keep them raw): ${loaded.splits.map(splitText).join(", ")}`);
  if (e.dailyBarsDropped > 0) lines.push(`daily bars of days without a session (holiday prints), not traded on: ${e.dailyBarsDropped}`);
  if (loaded.rejects && loaded.rejects.count > 0) {
    lines.push(`rejected input rows: ${loaded.rejects.count} (${[...loaded.rejects.byReason].map(([k, v]) => `${v} ${k}`).join(", ")})`);
    for (const s of loaded.rejects.samples.slice(0, 5)) lines.push(`  ${s.file}:${s.line}: ${s.reason}`);
  }
  process.stdout.write(`${lines.join("\n")}\n${metricsTable(run.metrics)}\n${strategyTable(run.byStrategy)}\n`);
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** The by-strategy breakdown (issue 14): P/L, trades, win rate, Kelly and allocation per strategy. */
export function strategyTable(rows: readonly StrategyRow[]): string {
  const t = cliTable({ head: STRATEGY_HEAD });
  for (const r of rows) t.push(strategyCells(r));
  return t.toString();
}

export function metricsTable(m: Metrics): string {
  const t = cliTable({ head: ["metric", "value"] });
  const rows: [string, string][] = [
    ["total return", `${m.totalReturnPct.toFixed(2)} %`],
    ["CAGR", `${m.cagrPct.toFixed(2)} %`],
    ["Sharpe (daily, x sqrt 252)", m.sharpe.toFixed(2)],
    ["Sortino", m.sortino.toFixed(2)],
    ["max drawdown", `${m.maxDrawdownPct.toFixed(2)} %`],
    ["MAR", m.mar.toFixed(2)],
    ["win rate", `${(m.winRate * 100).toFixed(1)} %`],
    ["profit factor", m.profitFactor.toFixed(2)],
    ["expectancy", `${m.expectancyR.toFixed(3)} R`],
    ["trade P/L std", formatUsd(m.pnlStd)],
    ["worst trade", formatUsd(m.worstTrade)],
    ["worst 10 trades", formatUsd(m.worst10)],
    ["exposure", `${m.exposurePct.toFixed(2)} %`],
  ];
  for (const r of rows) t.push(r);
  return t.toString();
}

/** "AAPL 4:1 2020-08-31" (a reverse split reads 1:10). */
function splitText(x: DetectedSplit): string {
  const r = x.ratio >= 1 ? `${Math.round(x.ratio)}:1` : `1:${Math.round(1 / x.ratio)}`;
  return `${x.symbol} ${r} ${nyDate(x.tMs)}`;
}

const ny = new NyTime();
const nyDate = (tMs: number): string => etDayToIso(ny.etDay(tMs));

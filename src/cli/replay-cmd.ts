import { formatUsd } from "../report/format.ts";
import { cliTable } from "./colour.ts";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { parseTradeCsv, type ParsedTrades, type WhatIfTrade } from "../whatif/trade-csv.ts";
import { asTraded, kellyStats, replayRule, standardRules, toUnits, type RuleResult, type SizingRule } from "../whatif/replay.ts";
import { allocateTrades, strategyStats, type AllocationResult } from "../whatif/allocate.ts";
import { progressBar } from "./progress.ts";
import { writeFileSync } from "node:fs";
import { monteCarlo, type McMethod, type McResult } from "../whatif/monte-carlo.ts";
import { parseBootstrapOptions, withBootstrapOptions, type BootstrapCliOptions } from "./compare-cmd.ts";
import { monteCarloHtml } from "../report/monte-carlo-html.ts";
import { verdictText } from "../stats/intervals.ts";

interface ReplayOptions extends BootstrapCliOptions {
  monteCarlo?: string;
  mcRuns: string;
  drawdown: string;
  report?: string;
  trades: string;
  equity: string;
  fraction: string;
  minSample: string;
  window: string;
  inSample?: boolean;
  json?: boolean;
  allocate?: boolean;
  riskLimit: string;
  mode?: string;
}

/** `sizewise replay`: re-run any closed-trade list under other sizing rules. */
export function registerReplay(program: Command): void {
  withBootstrapOptions(program.command("replay"))
    .option("--monte-carlo <method>", "also resample the trade sequence: shuffle (same trades, random order) or bootstrap (drawn with replacement)")
    .option("--mc-runs <n>", "with --monte-carlo: resampled sequences", "1000")
    .option("--drawdown <pct>", "the drawdown whose probability the intervals and the Monte Carlo report, % of the peak", "20")
    .option("--report <file>", "write an HTML report with the distributions of ending equity and max drawdown per rule")
    .description(
      "What-if replay of a closed-trade list from any source (CSV: date opened/closed, symbol, P/L or R, optional margin, contracts, strategy) under fixed dollar, fixed fraction, full/half/quarter Kelly and volatility-adjusted sizing: ending equity, CAGR, max drawdown, MAR, per-strategy Kelly, margin use.",
    )
    .requiredOption("--trades <file>", "a CSV of closed trades (or the JSON of backtest --json / compare --json)")
    .option("--equity <usd>", "starting equity", "100000")
    .option("--fraction <pct>", "risk per trade of the fixed rules, % of equity (what an average loss costs)", "2")
    .option("--min-sample <n>", "closed trades of a strategy before its rolling Kelly is used", "20")
    .option("--window <n>", "rolling Kelly window, in closed trades", "50")
    .option("--in-sample", "Kelly from the whole list (hindsight; the default uses only trades closed before each one)")
    .option("--allocate", "suggest capital weights across strategies under --risk-limit, and replay them")
    .option("--risk-limit <pct>", "with --allocate: equity at risk when every strategy's trades are open at once, %", "10")
    .option("--mode <mode>", "with a compare --json file: which sizing mode's trades (default: the first)")
    .option("--json", "print one JSON object on stdout")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise replay --trades config/samples/trades.csv
  $ npx sizewise replay --trades config/samples/trades.csv --allocate --risk-limit 10
  $ npx sizewise replay --trades my-broker-export.csv --fraction 1 --in-sample --json
  $ npx sizewise replay --trades config/samples/trades.csv --monte-carlo shuffle --drawdown 25 --report mc.html
  $ npx sizewise backtest --json > run.json && npx sizewise replay --trades run.json

Columns are matched by name, liberally: "Date Opened"/"open_date"/"entry time", "Date Closed",
"Symbol"/"ticker", "P/L"/"pnl"/"Net P&L", "R"/"r_multiple", "Margin Req."/"margin",
"No. of Contracts"/"qty", "Strategy". Values are strict: a bad row is reported as file:line and skipped.`,
    )
    .action((o: ReplayOptions) => replayCommand(o));
}

function numberOption(name: string, v: string, lo: number, hi: number): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < lo || x > hi) throw new Error(`${name} must be a number from ${lo} to ${hi} (got ${JSON.stringify(v)})`);
  return x;
}

/** Trades from a CSV, or from a sizewise JSON output (its trade list). */
export function readTrades(file: string, mode?: string): ParsedTrades {
  const text = readFileSync(file, "utf8");
  if (!/\.json$/i.test(file)) return parseTradeCsv(text);
  const json = JSON.parse(text) as Record<string, unknown>;
  const modes = json.modes as Record<string, { tradeList?: unknown }> | undefined;
  const list = (Array.isArray(json.tradeList) ? json.tradeList : modes?.[mode ?? Object.keys(modes)[0]]?.tradeList) as Record<string, unknown>[] | undefined;
  if (!Array.isArray(list)) throw new Error(`${file}: no trade list in it (expected the JSON of backtest --json or compare --json)`);
  const trades: WhatIfTrade[] = list.map((t, i) => ({
    line: i + 1,
    openedMs: Date.parse(String(t.entryTime)),
    closedMs: Date.parse(String(t.exitTime)),
    symbol: String(t.symbol),
    strategy: String(t.strategy ?? "all"),
    pnlUsd: Number(t.pnl),
    r: Number(t.r),
    marginUsd: null,
    contracts: Number(t.shares) || null,
  }));
  return { trades, rejected: [], columns: {} };
}

function replayCommand(o: ReplayOptions): void {
  const equity = numberOption("--equity", o.equity, 1, 1e12);
  const fraction = numberOption("--fraction", o.fraction, 0, 100) / 100;
  const riskLimit = numberOption("--risk-limit", o.riskLimit, 0, 100) / 100;
  const minSample = numberOption("--min-sample", o.minSample, 0, 1e6);
  const window = numberOption("--window", o.window, 1, 1e6);
  const parsed = readTrades(o.trades, o.mode);
  if (parsed.trades.length === 0) throw new Error(`${o.trades}: no valid trades (${parsed.rejected.length} rows rejected${parsed.rejected[0] ? `, e.g. line ${parsed.rejected[0].line}: ${parsed.rejected[0].reason}` : ""})`);
  const { trades, basis } = toUnits(parsed.trades);
  const strategies = strategyStats(trades);
  const strategyKelly = new Map(strategies.map((s) => [s.strategy, s]));
  const rules: SizingRule[] = standardRules({ fraction, minSample, window, inSample: Boolean(o.inSample), strategyKelly });
  // The same function the live allocator layer `alloc` runs (src/sizing/layers/allocator.ts).
  const alloc = o.allocate ? allocateTrades(trades, riskLimit) : null;
  if (alloc) {
    const byStrategy = new Map(alloc.rows.map((r) => [r.strategy, r.riskPerTrade]));
    rules.push({
      name: "allocated",
      describe: `the --allocate risk per trade of each strategy (half Kelly of the whole list, scaled to a ${pct(riskLimit * 100)} total-risk limit)`,
      fraction: (c) => ({ f: byStrategy.get(c.trade.strategy) ?? 0, why: "" }),
    });
  }
  const boot = parseBootstrapOptions(o);
  const drawdownPct = numberOption("--drawdown", o.drawdown, 0.01, 100);
  const mcMethod = o.monteCarlo;
  if (mcMethod !== undefined && mcMethod !== "shuffle" && mcMethod !== "bootstrap") throw new Error(`--monte-carlo must be shuffle or bootstrap (got ${JSON.stringify(mcMethod)})`);
  const mcRuns = numberOption("--mc-runs", o.mcRuns, 10, 100_000);
  const bar = progressBar("replay", rules.length, !o.json);
  const results: RuleResult[] = [];
  const own = asTraded(trades, equity);
  if (own) results.push(own);
  rules.forEach((r, i) => {
    results.push(replayRule(trades, r, equity));
    bar.update(i + 1);
  });
  bar.stop();
  const span = { from: iso(Math.min(...trades.map((t) => t.openedMs))), to: iso(Math.max(...trades.map((t) => t.closedMs))) };
  // Fixed fraction first: the rule every other is compared with on the same resampled sequences.
  const mcRules = [...rules.filter((r) => r.name === "fixed fraction"), ...rules.filter((r) => r.name !== "fixed fraction")];
  const intervals = monteCarlo(trades, mcRules, equity, { method: "days", runs: boot.resamples, seed: boot.seed, drawdownPct, level: boot.level, meanBlockDays: boot.meanBlockDays });
  const mc = mcMethod ? monteCarlo(trades, mcRules, equity, { method: mcMethod as McMethod, runs: Math.round(mcRuns), seed: boot.seed, drawdownPct, level: boot.level }) : null;
  if (o.report) {
    writeFileSync(o.report, monteCarloHtml(o.trades, [intervals, ...(mc ? [mc] : [])]));
    if (!o.json) process.stderr.write(`report: ${o.report}\n`);
  }
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({
        file: o.trades,
        trades: trades.length,
        span,
        columns: parsed.columns,
        rejected: { count: parsed.rejected.length, rows: parsed.rejected },
        basis,
        startingEquityUsd: equity,
        rules: results,
        strategies,
        portfolioKelly: kellyStats(trades.map((t) => t.units)),
        allocation: alloc ? { rows: alloc.rows, scale: alloc.scale, totalPeakRisk: alloc.totalPeakRisk } : null,
        intervals: mcJson(intervals),
        monteCarlo: mc ? mcJson(mc) : null,
      })}\n`,
    );
    return;
  }
  process.stdout.write(replayText(o.trades, parsed, basis, equity, fraction, span, results, strategies, alloc, riskLimit));
  process.stdout.write(mcText(intervals, equity));
  if (mc) process.stdout.write(mcText(mc, equity));
}

/** A Monte Carlo result as JSON: the percentiles and verdicts, without every run's figures. */
function mcJson(r: McResult): object {
  return { ...r, rules: r.rules.map(({ endings: _e, drawdowns: _d, ...rest }) => rest) };
}

const MC_TITLE: Record<McMethod, string> = {
  days: "Intervals: a stationary block bootstrap over the days trades closed on (a day's trades stay together)",
  shuffle: "Monte Carlo, shuffle: the same trades in random orders (without replacement)",
  bootstrap: "Monte Carlo, bootstrap: as many trades drawn with replacement",
};

/** The percentiles of each rule and its verdicts against fixed fraction on the same sequences. */
export function mcText(r: McResult, equity: number): string {
  const t = cliTable({ head: ["rule", "ending equity p5 / p50 / p95", "max drawdown p50 / p95", `P(drawdown >= ${r.drawdownPct}%)`, "P(ruin)"], style: { head: [], border: [] } });
  for (const x of r.rules) t.push([x.rule, `${usd(x.endingEquityUsd.p5)} / ${usd(x.endingEquityUsd.p50)} / ${usd(x.endingEquityUsd.p95)}`, `${pct(x.maxDrawdownPct.p50, 1)} / ${pct(x.maxDrawdownPct.p95, 1)}`, pct(x.probDrawdown * 100, 1), pct(x.probRuin * 100, 1)]);
  const base = r.rules[0]?.rule ?? "-";
  const lines = [
    `${MC_TITLE[r.method]}: ${r.runs} runs, seed ${r.seed}, ${r.trades} trades${r.meanBlockDays ? `, mean block ${r.meanBlockDays} days` : ""}; each sequence replayed one trade at a time from ${usd(equity)}.`,
    t.toString(),
    `Against ${base} on the same sequences (${Math.round(r.level * 100)}% intervals; + = more return, smaller drawdown):`,
    ...r.rules.slice(1).map((x) => `  ${x.rule}: ${verdictText("return", x.vsFirst!.returnPct, { unit: "%" })}; ${verdictText("max drawdown", x.vsFirst!.maxDrawdownPct, { unit: "%" })}`),
  ];
  return `${lines.join("\n")}\n`;
}

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const pct = (x: number | null, d = 2): string => (x === null || !Number.isFinite(x) ? "-" : `${x.toFixed(d)}%`);
const usd = (x: number | null): string => (x === null ? "-" : formatUsd(x, 0));
const num = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "inf");

function replayText(
  file: string,
  parsed: ParsedTrades,
  basis: string,
  equity: number,
  fraction: number,
  span: { from: string; to: string },
  results: readonly RuleResult[],
  strategies: ReturnType<typeof strategyStats>,
  alloc: AllocationResult | null,
  riskLimit: number,
): string {
  const out: string[] = [];
  const n = parsed.trades.length;
  out.push(`What-if replay of ${file}: ${n} trades, ${strategies.length} strateg${strategies.length === 1 ? "y" : "ies"}, ${span.from}..${span.to}; ${parsed.rejected.length} row${parsed.rejected.length === 1 ? "" : "s"} rejected`);
  for (const r of parsed.rejected.slice(0, 10)) out.push(`  ${basename(file)}:${r.line}: ${r.reason}`);
  if (parsed.rejected.length > 10) out.push(`  ... ${parsed.rejected.length - 10} more (--json lists them all)`);
  out.push(
    `Outcomes in units of ${basis === "R" ? "R (the file's R column)" : "one average loss per contract of the strategy (no R column)"}; starting equity ${usd(equity)}; the fixed rules risk ${pct(fraction * 100)} per trade.`,
  );
  const t = cliTable({ head: ["rule", "trades", "ending equity", "return", "CAGR", "max drawdown", "MAR", "max margin", "avg margin"], style: { head: [], border: [] } });
  for (const r of results) {
    t.push([r.rule + (r.ruined ? " (RUINED)" : ""), r.skipped ? `${r.trades} (${r.skipped} skipped)` : r.trades, usd(r.endingEquityUsd), pct(r.totalReturnPct, 1), pct(r.cagrPct, 1), pct(r.maxDrawdownPct, 1), num(r.mar), pct(r.maxMarginPct, 0), pct(r.avgMarginPct, 0)]);
  }
  out.push(t.toString());
  out.push(...results.map((r) => `  ${r.rule}: ${r.describe}`));
  const k = cliTable({ head: ["strategy (whole list)", "trades", "win rate", "avg win", "avg loss", "payoff B", "full Kelly", "half", "quarter", "max open", "avg margin", "max margin", "return on margin"], style: { head: [], border: [] } });
  for (const s of strategies) {
    k.push([s.strategy, s.n, pct(s.winRate * 100, 1), num(s.avgWin), num(s.avgLoss), num(s.payoff), pct(s.fullKelly * 100, 1), pct(s.halfKelly * 100, 1), pct(s.quarterKelly * 100, 1), s.maxConcurrent, usd(s.avgMarginUsd), usd(s.maxMarginUsd), pct(s.returnOnMarginPct, 1)]);
  }
  out.push("Per-strategy Kelly (K = W - (1 - W) / B on outcomes in units; hindsight: the whole list):", k.toString());
  if (alloc) {
    const a = cliTable({ head: ["strategy", "half Kelly", "max open", "risk per trade", "peak risk", "capital weight"], style: { head: [], border: [] } });
    for (const r of alloc.rows) a.push([r.strategy, pct(r.startFraction * 100, 2), r.maxConcurrent, pct(r.riskPerTrade * 100, 2), pct(r.peakRisk * 100, 2), pct(r.weight * 100, 1)]);
    out.push(
      `Allocation under a ${pct(riskLimit * 100, 1)} total-risk limit: each strategy starts at half Kelly; peak risk = risk per trade x its most trades open at once; ${alloc.scale < 1 ? `all scaled by ${alloc.scale.toFixed(3)} to fit the limit` : "the limit is not binding"} (total peak risk ${pct(alloc.totalPeakRisk * 100, 2)}).`,
      a.toString(),
    );
  }
  return `${out.join("\n")}\n`;
}

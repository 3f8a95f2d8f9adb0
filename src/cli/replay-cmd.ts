import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import Table from "cli-table3";
import { parseTradeCsv, type ParsedTrades, type WhatIfTrade } from "../whatif/trade-csv.ts";
import { asTraded, kellyStats, replayRule, standardRules, toUnits, type RuleResult, type SizingRule } from "../whatif/replay.ts";
import { allocate, strategyStats } from "../whatif/allocate.ts";
import { progressBar } from "./progress.ts";

interface ReplayOptions {
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
  program
    .command("replay")
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
  const alloc = o.allocate ? allocate(strategies, riskLimit) : null;
  if (alloc) {
    const byStrategy = new Map(alloc.rows.map((r) => [r.strategy, r.riskPerTrade]));
    rules.push({
      name: "allocated",
      describe: `the --allocate risk per trade of each strategy (half Kelly of the whole list, scaled to a ${pct(riskLimit * 100)} total-risk limit)`,
      fraction: (c) => ({ f: byStrategy.get(c.trade.strategy) ?? 0, why: "" }),
    });
  }
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
        allocation: alloc,
      })}\n`,
    );
    return;
  }
  process.stdout.write(replayText(o.trades, parsed, basis, equity, fraction, span, results, strategies, alloc, riskLimit));
}

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const pct = (x: number | null, d = 2): string => (x === null || !Number.isFinite(x) ? "-" : `${x.toFixed(d)}%`);
const usd = (x: number | null): string => (x === null || !Number.isFinite(x) ? "-" : `${x < 0 ? "-" : ""}$${Math.abs(x).toLocaleString("en-US", { maximumFractionDigits: 0 })}`);
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
  alloc: ReturnType<typeof allocate> | null,
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
  const t = new Table({ head: ["rule", "trades", "ending equity", "return", "CAGR", "max drawdown", "MAR", "max margin", "avg margin"], style: { head: [], border: [] } });
  for (const r of results) {
    t.push([r.rule + (r.ruined ? " (RUINED)" : ""), r.skipped ? `${r.trades} (${r.skipped} skipped)` : r.trades, usd(r.endingEquityUsd), pct(r.totalReturnPct, 1), pct(r.cagrPct, 1), pct(r.maxDrawdownPct, 1), num(r.mar), pct(r.maxMarginPct, 0), pct(r.avgMarginPct, 0)]);
  }
  out.push(t.toString());
  out.push(...results.map((r) => `  ${r.rule}: ${r.describe}`));
  const k = new Table({ head: ["strategy (whole list)", "trades", "win rate", "avg win", "avg loss", "payoff B", "full Kelly", "half", "quarter", "max open", "avg margin", "max margin", "return on margin"], style: { head: [], border: [] } });
  for (const s of strategies) {
    k.push([s.strategy, s.n, pct(s.winRate * 100, 1), num(s.avgWin), num(s.avgLoss), num(s.payoff), pct(s.fullKelly * 100, 1), pct(s.halfKelly * 100, 1), pct(s.quarterKelly * 100, 1), s.maxConcurrent, usd(s.avgMarginUsd), usd(s.maxMarginUsd), pct(s.returnOnMarginPct, 1)]);
  }
  out.push("Per-strategy Kelly (K = W - (1 - W) / B on outcomes in units; hindsight: the whole list):", k.toString());
  if (alloc) {
    const a = new Table({ head: ["strategy", "half Kelly", "max open", "risk per trade", "peak risk", "capital weight"], style: { head: [], border: [] } });
    for (const r of alloc.rows) a.push([r.strategy, pct(r.startFraction * 100, 2), r.maxConcurrent, pct(r.riskPerTrade * 100, 2), pct(r.peakRisk * 100, 2), pct(r.weight * 100, 1)]);
    out.push(
      `Allocation under a ${pct(riskLimit * 100, 1)} total-risk limit: each strategy starts at half Kelly; peak risk = risk per trade x its most trades open at once; ${alloc.scale < 1 ? `all scaled by ${alloc.scale.toFixed(3)} to fit the limit` : "the limit is not binding"} (total peak risk ${pct(alloc.totalPeakRisk * 100, 2)}).`,
      a.toString(),
    );
  }
  return `${out.join("\n")}\n`;
}

import { kellyFraction } from "../sizing/kelly.ts";
import { formatUsd } from "./format.ts";
import type { ReportTable } from "./report-tables.ts";
import { startEquity } from "./review.ts";
import type { ReviewInput, ReviewTrade } from "./trades.ts";

/**
 * The per-strategy breakdown of a run or a journal (issue 14: several strategies in one account):
 * each strategy's trades, P/L, win rate, a Kelly estimate from its own trades, and how much of the
 * account its positions used. Pure; the backtest output, report.html and `journal` all show it.
 */

/** What the breakdown reads of a trade, from any source (a backtest TradeRecord, a journal trade). */
export interface StrategyTradeFacts {
  readonly strategy: string;
  readonly pnlUsd: number;
  /** Shares x average entry price. */
  readonly notionalUsd: number;
  /** Account equity the entry was sized on; null when the source did not record it. */
  readonly equityUsd: number | null;
}

export interface StrategyRow {
  readonly strategy: string;
  readonly trades: number;
  readonly wins: number;
  /** null with no trades. */
  readonly winRatePct: number | null;
  readonly pnlUsd: number;
  /**
   * Full Kelly K = W - (1 - W) / B from the strategy's trades, with W its win rate and B its average
   * winning return over its average losing return (returns on the notional at entry, so strategies
   * with and without stops compare). -1 = no edge seen; null with fewer than 2 trades.
   */
  readonly kelly: number | null;
  /** Mean and largest position at entry, % of the equity it was sized on (null: no equity recorded). */
  readonly allocationUsedPct: number | null;
  readonly maxAllocationUsedPct: number | null;
  /** The strategy's configured share of the account, % (null: not known to this source). */
  readonly allocationPct: number | null;
}

/**
 * Rows per strategy, in the order strategies first appear (or the order of `allocations`, then the
 * rest). `allocations`: configured shares of the account by strategy id (0..1).
 */
export function strategyBreakdown(trades: readonly StrategyTradeFacts[], allocations: Readonly<Record<string, number>> = {}): StrategyRow[] {
  const groups = new Map<string, StrategyTradeFacts[]>();
  for (const id of Object.keys(allocations)) groups.set(id, []);
  for (const t of trades) {
    const g = groups.get(t.strategy);
    if (g) g.push(t);
    else groups.set(t.strategy, [t]);
  }
  return [...groups].map(([strategy, ts]) => row(strategy, ts, allocations[strategy] ?? null));
}

function row(strategy: string, ts: readonly StrategyTradeFacts[], allocation: number | null): StrategyRow {
  let wins = 0;
  let pnl = 0;
  let winRet = 0;
  let lossRet = 0;
  let used = 0;
  let usedN = 0;
  let usedMax = -Infinity;
  for (const t of ts) {
    pnl += t.pnlUsd;
    const ret = t.notionalUsd > 0 ? t.pnlUsd / t.notionalUsd : 0;
    if (t.pnlUsd > 0) {
      wins++;
      winRet += ret;
    } else lossRet -= ret;
    if (t.equityUsd !== null && t.equityUsd > 0) {
      const pct = (t.notionalUsd / t.equityUsd) * 100;
      used += pct;
      usedN++;
      if (pct > usedMax) usedMax = pct;
    }
  }
  const n = ts.length;
  const losses = n - wins;
  const avgWin = wins > 0 ? winRet / wins : 0;
  const avgLoss = losses > 0 ? lossRet / losses : 0;
  const payoff = avgLoss > 0 ? avgWin / avgLoss : avgWin > 0 ? Infinity : 0;
  return {
    strategy,
    trades: n,
    wins,
    winRatePct: n > 0 ? (wins / n) * 100 : null,
    pnlUsd: pnl,
    kelly: n >= 2 ? kellyFraction(wins / n, payoff) : null,
    allocationUsedPct: usedN > 0 ? used / usedN : null,
    maxAllocationUsedPct: usedN > 0 ? usedMax : null,
    allocationPct: allocation === null ? null : allocation * 100,
  };
}

const pct = (x: number | null, d = 1): string => (x === null || !Number.isFinite(x) ? "-" : `${x.toFixed(d)}%`);

/** Column heads of the breakdown, for any table renderer. */
export const STRATEGY_HEAD = ["strategy", "trades", "win rate", "P/L", "Kelly", "allocation", "used (mean)", "used (max)"];

/** One row as text cells in STRATEGY_HEAD order. */
export function strategyCells(r: StrategyRow): string[] {
  return [r.strategy, String(r.trades), pct(r.winRatePct), formatUsd(r.pnlUsd, 2, true), r.kelly === null ? "-" : r.kelly.toFixed(3), pct(r.allocationPct, 0), pct(r.allocationUsedPct), pct(r.maxAllocationUsedPct)];
}

/** The breakdown as a Markdown table. */
export function strategyMarkdown(rows: readonly StrategyRow[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(STRATEGY_HEAD), line(STRATEGY_HEAD.map(() => "---")), ...rows.map((r) => line(strategyCells(r)))].join("\n");
}

/**
 * A journal's or trade list's trades as breakdown facts. The equity a trade used is measured
 * against its exit day's starting equity (journals do not record the entry's equity for every
 * trade): for a trade held overnight that is a later day's equity, an approximation.
 */
export function reviewTradeFacts(input: ReviewInput, trades: readonly ReviewTrade[] = input.trades): StrategyTradeFacts[] {
  const equity = new Map<string, number | null>();
  return trades.map((t) => {
    if (!equity.has(t.day)) equity.set(t.day, startEquity(input, t.day));
    return { strategy: t.strategy || "(unknown)", pnlUsd: t.pnl, notionalUsd: t.shares * t.entryPrice, equityUsd: equity.get(t.day) ?? null };
  });
}

/** The breakdown as a report.html table. */
export function strategyReportTable(rows: readonly StrategyRow[]): ReportTable {
  return {
    id: "by-strategy",
    title: "By strategy",
    note: "Kelly: full Kelly from the strategy's own win rate and payoff (returns on the position's notional); used: position at entry as % of equity.",
    columns: STRATEGY_HEAD,
    rows: rows.map(strategyCells),
  };
}

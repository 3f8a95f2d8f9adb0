import { kellyStats, type KellyStats } from "./replay.ts";

/**
 * Per-strategy figures (Kelly, margin, how many trades it holds at once) and, under a total-risk
 * limit, suggested capital weights across strategies ("Strategy Allocator" in seeds/003).
 */

export interface StrategyStats extends KellyStats {
  readonly strategy: string;
  readonly halfKelly: number;
  readonly quarterKelly: number;
  /** Most trades of the strategy open at the same time. */
  readonly maxConcurrent: number;
  readonly pnlUsd: number | null;
  /** Mean and largest margin per trade, and mean P/L / margin (null without margin). */
  readonly avgMarginUsd: number | null;
  readonly maxMarginUsd: number | null;
  readonly returnOnMarginPct: number | null;
}

/**
 * The least a closed trade must say for the allocator: its strategy, its outcome in units of one
 * average loss (R when it had a stop) and when it was open. A replay's UnitTrade is one; so is a
 * live trade from the engine's LearningState (src/sizing/allocator.ts).
 */
export interface AllocTrade {
  readonly strategy: string;
  readonly units: number;
  readonly openedMs: number;
  readonly closedMs: number;
  readonly pnlUsd?: number | null;
  readonly marginUsd?: number | null;
}

export function strategyStats(trades: readonly AllocTrade[]): StrategyStats[] {
  const names = [...new Set(trades.map((t) => t.strategy))].sort();
  return names.map((strategy) => {
    const mine = trades.filter((t) => t.strategy === strategy);
    const k = kellyStats(mine.map((t) => t.units));
    const withMargin = mine.filter((t) => typeof t.marginUsd === "number" && t.marginUsd > 0);
    const margins = withMargin.map((t) => t.marginUsd!);
    const rom = withMargin.filter((t) => typeof t.pnlUsd === "number").map((t) => t.pnlUsd! / t.marginUsd!);
    return {
      ...k,
      strategy,
      halfKelly: k.fullKelly / 2,
      quarterKelly: k.fullKelly / 4,
      maxConcurrent: maxConcurrent(mine),
      pnlUsd: mine.every((t) => typeof t.pnlUsd === "number") ? mine.reduce((a, t) => a + t.pnlUsd!, 0) : null,
      avgMarginUsd: margins.length ? margins.reduce((a, b) => a + b, 0) / margins.length : null,
      maxMarginUsd: margins.length ? Math.max(...margins) : null,
      returnOnMarginPct: rom.length ? (rom.reduce((a, b) => a + b, 0) / rom.length) * 100 : null,
    };
  });
}

/** Most intervals [opened, closed] overlapping at one time (a close and an open at the same time overlap). */
export function maxConcurrent(trades: readonly { openedMs: number; closedMs: number }[]): number {
  const ev = trades.flatMap((t) => [
    { t: t.openedMs, d: 1 },
    { t: t.closedMs, d: -1 },
  ]);
  ev.sort((a, b) => a.t - b.t || b.d - a.d);
  let n = 0;
  let best = 0;
  for (const e of ev) {
    n += e.d;
    best = Math.max(best, n);
  }
  return best;
}

export interface Allocation {
  readonly strategy: string;
  /** The Kelly fraction the budget starts from (half Kelly, floored at 0). */
  readonly startFraction: number;
  readonly maxConcurrent: number;
  /** Suggested risk per trade (fraction of equity an average loss may cost) after scaling to the limit. */
  readonly riskPerTrade: number;
  /** riskPerTrade x maxConcurrent: the strategy's risk when all its trades are open at once. */
  readonly peakRisk: number;
  /** Share of the total risk budget (the capital weight), 0..1. */
  readonly weight: number;
}

export interface AllocationResult {
  readonly rows: Allocation[];
  /** The one factor every strategy's risk was scaled by to fit the limit (1 when it is not binding). */
  readonly scale: number;
  readonly totalPeakRisk: number;
}

/**
 * The allocation of a closed-trade list: per-strategy statistics, then `allocate`. The one
 * function behind both `replay --allocate` and the live allocator layer `alloc`, so they cannot
 * disagree on the same trades.
 */
export function allocateTrades(trades: readonly AllocTrade[], riskLimit: number): AllocationResult & { readonly stats: StrategyStats[] } {
  const stats = strategyStats(trades);
  return { ...allocate(stats, riskLimit), stats };
}

/**
 * Starts each strategy at half Kelly (none when it has no edge), counts its peak risk as that x its
 * most concurrent trades, and scales every strategy down by one factor when the peaks sum past
 * `riskLimit` (a fraction: 0.1 = 10% of equity at risk at worst). Weights are each strategy's share
 * of the summed peak risk.
 */
export function allocate(stats: readonly StrategyStats[], riskLimit: number): AllocationResult {
  const start = stats.map((s) => ({ s, f: Math.max(0, s.halfKelly), c: Math.max(1, s.maxConcurrent) }));
  const total = start.reduce((a, x) => a + x.f * x.c, 0);
  const scale = total > riskLimit && total > 0 ? riskLimit / total : 1;
  const rows = start.map(({ s, f, c }) => ({
    strategy: s.strategy,
    startFraction: f,
    maxConcurrent: c,
    riskPerTrade: f * scale,
    peakRisk: f * scale * c,
    weight: total > 0 ? (f * c) / total : 0,
  }));
  return { rows, scale, totalPeakRisk: total * scale };
}

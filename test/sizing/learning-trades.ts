import type { TradeRecord } from "../../src/core/types.ts";
import type { WhatIfTrade } from "../../src/whatif/trade-csv.ts";
import { makeSignal } from "./helpers.ts";

const HOUR = 3_600_000;

/** One closed trade as the engine hands it to LearningState (only the fields the learners read). */
export interface TradeSpec {
  readonly strategy: string;
  readonly symbol?: string;
  readonly r: number;
  readonly openMs: number;
  readonly closeMs: number;
}

export function tradeRecord(t: TradeSpec, i = 0): TradeRecord {
  const shares = 100;
  const rPerShare = 0.5;
  return {
    id: `${t.strategy}-${i}`,
    strategyId: t.strategy,
    symbol: t.symbol ?? "ABC",
    entryTimeMs: t.openMs,
    exitTimeMs: t.closeMs,
    entryPriceUsd: 20,
    exitPriceUsd: 20 + t.r * rPerShare,
    shares,
    rPerShareUsd: rPerShare,
    rMultiple: t.r,
    pnlUsd: t.r * rPerShare * shares,
    sizing: { probability: null, rl: null },
    signal: makeSignal({ strategyId: t.strategy, symbol: t.symbol ?? "ABC" }),
  } as unknown as TradeRecord;
}

/** The same trade as a row of a trade file for `replay` (R column present). */
export function whatIfTrade(t: TradeSpec, i = 0): WhatIfTrade {
  return { line: i + 1, openedMs: t.openMs, closedMs: t.closeMs, symbol: t.symbol ?? "ABC", strategy: t.strategy, pnlUsd: t.r * 50, r: t.r, marginUsd: null, contracts: 100 };
}

/**
 * Two strategies over ~40 days: "a" wins 2R 45% of the time, two trades open at once; "b" wins
 * 1R 60% of the time, one at a time. Deterministic.
 */
export function twoStrategies(): TradeSpec[] {
  const out: TradeSpec[] = [];
  for (let i = 0; i < 40; i++) {
    const day = i * 24 * HOUR;
    out.push({ strategy: "a", symbol: "AAA", r: i % 20 < 9 ? 2 : -1, openMs: day, closeMs: day + 3 * HOUR });
    out.push({ strategy: "a", symbol: "AAB", r: i % 10 < 4 ? 2.5 : -1, openMs: day + HOUR, closeMs: day + 4 * HOUR });
    out.push({ strategy: "b", symbol: "BBB", r: i % 5 < 3 ? 1 : -1, openMs: day + 5 * HOUR, closeMs: day + 6 * HOUR });
  }
  return out.sort((x, y) => x.closeMs - y.closeMs);
}

import type { TradeRecord } from "../../src/core/types.ts";

/** What two runs' trade lists must agree on exactly: strategy, symbol, times, sizes, every leg. */
export function tradeView(ts: readonly TradeRecord[]) {
  return ts.map((t) => ({
    strategy: t.strategyId,
    symbol: t.symbol,
    entryTime: t.entryTime,
    exitTime: t.exitTime,
    shares: t.shares,
    reason: t.exitReason,
    legs: [...t.entries, ...t.exits].map((e) => `${e.reason} ${e.qtyShares} @${new Date(e.timeMs).toISOString()}`),
  }));
}

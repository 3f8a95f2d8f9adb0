import type { OrderIntent } from "../core/types.ts";

/** The message Alpaca answers a potential wash trade with (403; a public report shows 422 42210000). */
export const WASH_TRADE_MESSAGE = "potential wash trade detected. use complex orders";

/**
 * Whether a new order could trade against a resting order of the same account, by the table on
 * Alpaca's "User Protection" page ("Preventing Wash Trades"): opposite sides of one symbol always
 * conflict, except a limit buy against a limit sell, which conflicts only when the buy's limit is
 * at or above the sell's. A resting stop sell blocks every buy, a market buy every sell.
 *
 * An OCO counts as both its legs, so it blocks every buy through its stop leg. Alpaca names
 * complex orders an exception, but whether a resting OCO lets a new simple buy through is not
 * documented: the strict reading is the one a bot must survive.
 */
export function washTradeConflict(resting: OrderIntent, incoming: OrderIntent): boolean {
  if (resting.symId !== incoming.symId || resting.side === incoming.side) return false;
  const buy = resting.side === "buy" ? resting : incoming;
  const sell = resting.side === "buy" ? incoming : resting;
  if (buy.type === "limit" && sell.type === "limit") return (buy.limitPriceUsd ?? NaN) >= (sell.limitPriceUsd ?? NaN);
  return true;
}

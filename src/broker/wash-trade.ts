import type { OrderIntent } from "../core/types.ts";

/**
 * Alpaca's wash-trade protection as a pure function (docs "User Protection": Preventing Wash
 * Trades; the refusal is 422 `{code: 42210000, message: "potential wash trade detected. use
 * complex orders"}`, seen in public issue threads, e.g. Petersoj/alpaca-java#145). An order is
 * refused when it could execute against an open opposite-side order of the same symbol in the
 * same account:
 * - a market order against any opposite market or limit order;
 * - a buy limit against a sell limit at or below it (a sell limit against a buy limit at or above it);
 * - any limit against an opposite market order.
 * Stop orders: the table on that page lists a resting stop sell against a new market buy as a
 * conflict: a stop may trigger at any moment and become a market order, so with `stopsCount` (the
 * default) a resting stop conflicts with every opposite order and an incoming stop with every
 * opposite market or limit order. `stopsCount: false` is the kinder reading (an untriggered stop
 * cannot execute), kept as an option so both are tested.
 *
 * No I/O: the local exchange and the simulated backtest broker use this one rule.
 */

export interface WashOrder {
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly type: "market" | "limit" | "stop";
  /** The limit price; NaN unless type is limit. */
  readonly limit: number;
}

export interface WashTradeOptions {
  /** The stricter reading: untriggered stops count as orders that can execute (see above). */
  readonly stopsCount: boolean;
}

/** The reading a bot must survive, and the default. */
export const STRICT_WASH_TRADE: WashTradeOptions = Object.freeze({ stopsCount: true });

export const WASH_TRADE_MESSAGE = "potential wash trade detected. use complex orders";

/**
 * The first resting order `incoming` could trade against, or null. `resting` must hold only
 * orders that can still execute: open ones (pending_cancel included: until `canceled` arrives
 * the order can fill), not bracket exits still held for their entry.
 */
export function washTradeConflict<T extends WashOrder>(incoming: WashOrder, resting: Iterable<T>, opts: WashTradeOptions = STRICT_WASH_TRADE): T | null {
  for (const r of resting) {
    if (r.symbol !== incoming.symbol || r.side === incoming.side) continue;
    if (canCross(incoming, r, opts)) return r;
  }
  return null;
}

/**
 * The orders an engine intent stands for at the broker: an OCO is both its legs (a limit and a
 * stop), so it conflicts through whichever leg can cross. Whether Alpaca exempts a resting OCO
 * against a new simple buy is not documented: the strict reading is the one a bot must survive.
 */
export function washViews(intent: OrderIntent): WashOrder[] {
  const base = { symbol: intent.symbol, side: intent.side } as const;
  if (intent.type === "oco") {
    return [
      { ...base, type: "limit", limit: intent.limitPriceUsd ?? NaN },
      { ...base, type: "stop", limit: NaN },
    ];
  }
  return [{ ...base, type: intent.type, limit: intent.type === "limit" ? (intent.limitPriceUsd ?? NaN) : NaN }];
}

/** Whether engine intent `incoming` could trade against resting intent `resting` (the rule above, leg by leg). */
export function intentsConflict(resting: OrderIntent, incoming: OrderIntent, opts: WashTradeOptions = STRICT_WASH_TRADE): boolean {
  const rest = washViews(resting);
  return washViews(incoming).some((leg) => washTradeConflict(leg, rest, opts) !== null);
}

function canCross(a: WashOrder, b: WashOrder, opts: WashTradeOptions): boolean {
  if (a.type === "stop" || b.type === "stop") return opts.stopsCount;
  if (a.type === "market" || b.type === "market") return true;
  const buy = a.side === "buy" ? a : b;
  const sell = a.side === "buy" ? b : a;
  return buy.limit >= sell.limit;
}

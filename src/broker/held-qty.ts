/**
 * Alpaca's held quantity as a pure function: a sell may only use shares that are not already
 * promised to open sell orders (docs "Orders at Alpaca"; the refusal is 403 `{code: 40310000,
 * message: "insufficient qty available for order (requested: 10, available: 0)", available,
 * existing_qty, held_for_orders, related_orders, symbol}` as in public issue threads). An order
 * waiting for its cancel (`pending_cancel`) still holds its shares until `canceled` arrives. An
 * OCO pair (or a bracket's two exits) sells its shares once, so it holds them once.
 *
 * No I/O: the local exchange and the simulated backtest broker can share it.
 */

export interface HoldingOrder {
  readonly id: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  /** Unfilled quantity. */
  readonly leavesQty: number;
  /** False for a bracket exit still held for its entry, and for the second leg of an exit pair. */
  readonly holds: boolean;
}

export interface QtyAvailability {
  readonly existingQty: number;
  readonly heldForOrders: number;
  readonly available: number;
  readonly relatedOrders: readonly string[];
}

/** What `symbol`'s position has free for a new sell, given the open orders. */
export function qtyAvailability(symbol: string, positionQty: number, open: Iterable<HoldingOrder>): QtyAvailability {
  let held = 0;
  const related: string[] = [];
  for (const o of open) {
    if (o.symbol !== symbol || o.side !== "sell" || !o.holds || o.leavesQty <= 0) continue;
    held += o.leavesQty;
    related.push(o.id);
  }
  return { existingQty: positionQty, heldForOrders: held, available: Math.max(0, positionQty - held), relatedOrders: related };
}

/** Alpaca's refusal text for a sell of `requested` shares when `available` are free. */
export function insufficientQtyMessage(requested: number, available: number): string {
  return `insufficient qty available for order (requested: ${requested}, available: ${available})`;
}

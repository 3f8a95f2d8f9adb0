import type { BarView } from "../core/bars.ts";
import type { Fill, OrderIntent } from "../core/types.ts";

/** A venue's answer to a submission: accepted (maybe already filled) or rejected with a reason. */
export type SubmitResult = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

/**
 * How an order the engine placed ended without the engine asking for it: refused after its
 * acceptance, or canceled or expired by the broker. The engine learns which of its orders it was
 * from the client order id it gave it, never by parsing that id.
 */
export interface OrderEnded {
  readonly clientOrderId: string;
  readonly status: "rejected" | "canceled" | "expired";
  readonly reason: string;
  readonly timeMs: number;
}

/**
 * Where the engine's order intents go: the simulated broker in backtests, a broker adapter in the
 * daemon. Fills come back through the `onFill` callback the venue was built with, at once
 * (simulation) or later (a real broker's order updates); the engine handles both the same way.
 *
 * Sequencing is the venue's job, not the engine's: after `cancel(a)` and then `submit(b)` for the
 * same symbol, the venue sends `b` only once the broker has confirmed `a` ended (Alpaca answers a
 * cancel with 204, the order goes `pending_cancel`, and its shares stay held until `canceled`).
 */
export interface Venue {
  /** Sees each bar before the engine acts on it: a simulated venue fills working orders here. */
  onBar(bar: BarView): void;
  submit(intent: OrderIntent): SubmitResult;
  cancel(clientOrderId: string): boolean;
  /**
   * Makes the working order `oldClientOrderId` become `next` (same symbol and side; a new client
   * order id; a changed stop, limit or quantity). A live venue uses the broker's replace (Alpaca
   * PATCH /v2/orders/{id}) where it can, and falls back to cancel, wait for `canceled`, then post.
   * Until `next` fills or ends, the engine treats `next` as the working order. A replace the
   * broker refuses leaves the old order working at Alpaca (`order_replace_rejected`): the venue
   * then reports `next` as ended only once the old order has ended too (it cancels it), so the
   * engine never re-lays exits while the old one still holds the shares. A refusal answered at
   * once (`accepted: false`) means the old order is still working as it was.
   */
  replace(oldClientOrderId: string, next: OrderIntent): SubmitResult;
  equityUsd(): number;
  /** What a market buy may spend now (buying power less the broker's market-order cushion). */
  buyingPowerUsd(): number;
  /** Last known price of a symbol; NaN before any. */
  lastPriceUsd(symId: number): number;
  /** Sells a whole position at a given price when no later bar exists (the end of a backtest). */
  liquidate(symId: number, priceUsd: number, timeMs: number, clientOrderId: string, purpose: string): void;
}

/**
 * Builds a venue for a run: the symbols, where fills go, the bar being processed (for "bar_close"
 * orders), and where an order that ended without the engine asking is reported (a refusal after
 * the order was accepted for sending, a broker cancel or expiry). A venue that learns of such
 * endings elsewhere (the daemon's ledger) may ignore `onEnded`.
 */
export type VenueFactory = (symbols: readonly string[], onFill: (fill: Fill) => void, currentBar: BarView, onEnded?: (e: OrderEnded) => void) => Venue;

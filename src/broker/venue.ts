import type { BarView } from "../core/bars.ts";
import type { Fill, OrderIntent } from "../core/types.ts";

/** A venue's answer to a submission: accepted (maybe already filled) or rejected with a reason. */
export type SubmitResult = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

/**
 * Where the engine's order intents go: the simulated broker in backtests, a broker adapter in the
 * daemon. Fills come back through the `onFill` callback the venue was built with, at once
 * (simulation) or later (a real broker's order updates); the engine handles both the same way.
 */
export interface Venue {
  /** Sees each bar before the engine acts on it: a simulated venue fills working orders here. */
  onBar(bar: BarView): void;
  submit(intent: OrderIntent): SubmitResult;
  cancel(clientOrderId: string): boolean;
  equityUsd(): number;
  /** What a market buy may spend now (buying power less the broker's market-order cushion). */
  buyingPowerUsd(): number;
  /** Last known price of a symbol; NaN before any. */
  lastPriceUsd(symId: number): number;
  /** Sells a whole position at a given price when no later bar exists (the end of a backtest). */
  liquidate(symId: number, priceUsd: number, timeMs: number, clientOrderId: string, purpose: string): void;
}

/** Builds a venue for a run: the symbols, where fills go, and the bar being processed (for "bar_close" orders). */
export type VenueFactory = (symbols: readonly string[], onFill: (fill: Fill) => void, currentBar: BarView) => Venue;

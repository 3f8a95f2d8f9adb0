import type { DailyEquityPoint, Fill, Signal, SizingDecision, TradeRecord } from "../core/types.ts";
import type { NamedFeatures, RegimeCall } from "../sizing/regime-port.ts";

/**
 * A position lost protection: one of its protective orders (a stop or a target OCO) was refused,
 * canceled or expired without the engine asking, or its closing order was. What the engine did
 * about it, in the same call: laid the exits again, closed the position at market, or nothing it
 * could (the closing order itself was refused: it is tried again at the next bar).
 */
export interface UnprotectedEvent {
  readonly positionId: string;
  readonly symbol: string;
  readonly qtyShares: number;
  readonly clientOrderId: string;
  readonly purpose: string;
  readonly status: "rejected" | "canceled" | "expired";
  readonly reason: string;
  readonly repairedBy: "relaid" | "closed_at_market" | "none";
  readonly timeMs: number;
}

/** A position change the engine did not order (a broker liquidation), booked as an exit. */
export interface AdoptedEvent {
  /** The position it was booked on; null when the engine held none in the symbol. */
  readonly positionId: string | null;
  readonly fill: Fill;
  /** Shares the position holds after it. */
  readonly qtyLeftShares: number;
  /** "exits_relaid" for what is left, "closed" (the trade ended), or "no_position". */
  readonly outcome: "exits_relaid" | "closed" | "no_position";
}

/** Optional observers of what the engine decides (the journal and the CLI listen here). */
export interface EngineEvents {
  signal?(s: Signal): void;
  sizing?(s: Signal, d: SizingDecision): void;
  /** An entry was classified (before it is sized): its entry-time features and the regime call. */
  regime?(s: Signal, features: NamedFeatures, call: RegimeCall): void;
  rejected?(s: Signal, reason: string): void;
  fill?(f: Fill): void;
  trade?(t: TradeRecord): void;
  /** New entries stop: for the rest of the day (`day`: the daily loss limit) or until resumed (the kill switch, an emergency, a shutdown). */
  halt?(reason: string, timeMs: number, scope: "day" | "until_resumed"): void;
  /** A halt until resumed was lifted (`was`: its reason). */
  resume?(reason: string, was: string, timeMs: number): void;
  dayEnd?(day: string, equityUsd: number): void;
  /** A position lost protection and what was done about it (journal it). */
  unprotected?(e: UnprotectedEvent): void;
  /** A position change the broker made (a liquidation) was booked (journal it). */
  adopted?(e: AdoptedEvent): void;
  error?(message: string): void;
}

export interface EngineResult {
  /** Bars received, including those outside regular hours. */
  bars: number;
  /** Bars that reached indicators and the strategy. */
  barsUsed: number;
  signals: number;
  /** Rejected signals by reason (numbers folded so reasons group). */
  rejections: Record<string, number>;
  strategyErrors: number;
  /** Daily bars of a day without a session (holiday prints in daily files): not processed. */
  dailyBarsDropped: number;
  trades: TradeRecord[];
  daily: DailyEquityPoint[];
  exposedMs: number;
  marketMs: number;
  firstBarMs: number;
  lastBarMs: number;
  finalEquityUsd: number;
}

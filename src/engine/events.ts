import type { DailyEquityPoint, Fill, Signal, SizingDecision, TradeRecord } from "../core/types.ts";
import type { NamedFeatures, RegimeCall } from "../sizing/regime-port.ts";

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
  trades: TradeRecord[];
  daily: DailyEquityPoint[];
  exposedMs: number;
  marketMs: number;
  firstBarMs: number;
  lastBarMs: number;
  finalEquityUsd: number;
}

/**
 * Domain values that flow between stages: Signal -> SizingDecision -> OrderIntent -> Fill ->
 * TradeRecord. Plain immutable data, created only when something happens (never per bar).
 */

/** A strategy's entry proposal at a bar's close. Prices in USD per share. */
export interface Signal {
  readonly strategyId: string;
  readonly symbol: string;
  readonly symId: number;
  /** Start of the decision bar (UTC ms). The decision is made at that bar's close. */
  readonly barTimeMs: number;
  readonly etDay: number;
  /** Reference entry price: the decision bar's close. */
  readonly refPriceUsd: number;
  /** The protective stop; null = the strategy sets none (sized by allocation, no stop order). */
  readonly stopPriceUsd: number | null;
  /** NaN when the strategy has none. */
  readonly atrUsd: number;
  /** NaN when the strategy has none. */
  readonly dayChangePct: number;
  /**
   * Strategy-specific numbers, shown by name in the journal, the entry features and charts (a
   * strategy's own vocabulary stays out of the shared type). Bear Trap: supportUsd,
   * reclaimedLevelUsd, sessionHighUsd, lowerWickRatio, bodyRatio, volumeRatio.
   */
  readonly detail: Readonly<Record<string, number>>;
}

/** One layer's contribution to a size, with the reason a person can read. */
export interface SizingFactor {
  readonly name: string;
  readonly factor: number;
  readonly reason: string;
}

/** A scaling template as the position manager needs it (R multiples of the initial risk). */
export interface ScalePlan {
  readonly name: string;
  readonly adds: readonly { readonly atR: number; readonly fraction: number }[];
  readonly targets: readonly { readonly atR: number; readonly fraction: number }[];
  readonly earlyExitR?: number;
}

/** The full explanation of one position size. */
export interface SizingDecision {
  readonly mode: string;
  readonly equityUsd: number;
  /** Risk per share: entry - stop. */
  readonly rPerShareUsd: number;
  /** Risk of the final size as % of equity. */
  readonly riskPct: number;
  readonly qtyShares: number;
  readonly factors: readonly SizingFactor[];
  /** The cap that bound the size, or null. */
  readonly cap: string | null;
  /** e.g. "risk 1% x ... -> 1.00% -> 412 sh (cap: none)". */
  readonly summary: string;
  /** The scaling template chosen (template modes): the position manager takes adds and targets from it. */
  readonly template?: ScalePlan | null;
  /** What the RL learner needs back when the trade closes (rl and full modes). */
  readonly rl?: { readonly action: number; readonly stateKey: string } | null;
  /** The confidence model's win probability, when one was computed. */
  readonly probability?: number | null;
  /** The regime call behind the template (and the RL state), with why it was made. */
  readonly regime?: { readonly regime: string; readonly probability: number; readonly reason: string } | null;
  /**
   * An entry's full size, decided once after the caps: every order of the position (the initial
   * one and each template add) is a fraction of it. Absent or null: the order is the whole position.
   */
  readonly fullSize?: FullSize | null;
}

/** The size a position was planned at when it opened; adds are fractions of it, never re-sized. */
export interface FullSize {
  /** Shares of the full size (template fraction 1). */
  readonly qtyShares: number;
  /** Risk of those shares at the entry price, % of the entry's equity. */
  readonly riskPct: number;
  /** The drawdown cutback it was sized under: a later, deeper cutback lowers an add; a lighter one never raises it. */
  readonly drawdownFactor: number;
}

export type Side = "buy" | "sell";
/**
 * "oco" is a sell pair: a limit leg (`limitPriceUsd`, purpose = the target) and a stop leg
 * (`stopPriceUsd`, fills report purpose "stop") for the same shares; one filling cancels the
 * other. Brokers reserve shares for open sells, so a target and its protective stop must be one
 * order, not two.
 */
export type OrderType = "market" | "limit" | "stop" | "oco";

/** When a simulated market order may fill: at the bar being processed, or at the next bar's open. */
export type MarketTiming = "bar_close" | "next_open";

export interface OrderIntent {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly symId: number;
  readonly side: Side;
  readonly type: OrderType;
  readonly qtyShares: number;
  readonly limitPriceUsd?: number;
  readonly stopPriceUsd?: number;
  /** Only the simulated venue reads this; a real venue fills market orders when it can. */
  readonly timing?: MarketTiming;
  /** Why the order exists: entry, stop, tp1, tp2, time_stop, eod, ... */
  readonly purpose: string;
}

/**
 * The purpose of a fill the engine did not order: the broker sold shares itself (a liquidation,
 * a margin call, a corporate action). The venue forwards it; the engine books it as an exit.
 */
export const BROKER_LIQUIDATION = "broker_liquidation";

export interface Fill {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly symId: number;
  readonly side: Side;
  readonly qtyShares: number;
  /** Price after friction. */
  readonly priceUsd: number;
  readonly timeMs: number;
  /** The purpose of the order that filled (an OCO's stop leg reports "stop"), or BROKER_LIQUIDATION. */
  readonly purpose: string;
}

export interface ExitLeg {
  readonly timeMs: number;
  readonly qtyShares: number;
  readonly priceUsd: number;
  readonly reason: string;
}

/** One round trip, entry to flat, with everything needed to explain and audit it. */
export interface TradeRecord {
  readonly id: string;
  readonly strategyId: string;
  readonly symbol: string;
  readonly entryTimeMs: number;
  readonly exitTimeMs: number;
  readonly entryTime: string;
  readonly exitTime: string;
  readonly entryPriceUsd: number;
  /** Quantity-weighted average exit price (the entry price is likewise averaged over scale-ins). */
  readonly exitPriceUsd: number;
  readonly shares: number;
  readonly initialStopUsd: number;
  readonly rPerShareUsd: number;
  readonly rMultiple: number;
  readonly pnlUsd: number;
  /** Reason of the exit that closed the position. */
  readonly exitReason: string;
  readonly exits: readonly ExitLeg[];
  /** The initial entry and every scale-in (reason "entry", "add1", ...). */
  readonly entries: readonly ExitLeg[];
  /** The scaling template that managed the trade, or null (the strategy's own exit plan). */
  readonly template: string | null;
  readonly sizing: SizingDecision;
  /** Sizing decisions of the scale-ins, in order. */
  readonly addSizing: readonly SizingDecision[];
  readonly signal: Signal;
}

export type RiskVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };
export const APPROVED: RiskVerdict = Object.freeze({ ok: true });

/** Account equity at the end of one trading session. */
export interface DailyEquityPoint {
  /** The session's New York calendar date, `YYYY-MM-DD`. */
  readonly day: string;
  /** Equity (cash plus open positions at their mark) at that session's end, USD. */
  readonly equityUsd: number;
}

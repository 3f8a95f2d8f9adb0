import type { RiskConfig } from "../config/schema.ts";
import { APPROVED, type RiskVerdict } from "../core/types.ts";
import { PDT_EQUITY_FLOOR_USD, PDT_WINDOW_DAYS, pdtBlocks } from "./day-trades.ts";

/** The account facts the entry gates read. */
export interface RiskSnapshot {
  readonly entriesToday: number;
  readonly openPositions: number;
  /** Realised P/L since the session began (negative = loss). */
  readonly dayPnlUsd: number;
  readonly startOfDayEquityUsd: number;
  readonly halted: string | null;
  readonly hasPositionInSymbol: boolean;
  /** Day trades in the last 5 business days, today included (absent: not known, no PDT gate). */
  readonly dayTrades?: number;
  /** The account's equity at the previous session's close (the PDT rule reads this, not today's). */
  readonly prevDayEquityUsd?: number;
}

/**
 * The account's entry gates (config.risk), in the order a trader would ask them. A limit's refusal
 * says "account ..." (a strategy's own limit says "strategy ID: ...", see checkSlotEntry). Risk always wins over the strategy: a
 * rejected entry is recorded with its reason and never retried on the same bar.
 */
export function checkEntry(s: RiskSnapshot, cfg: RiskConfig): RiskVerdict {
  if (s.halted !== null) return { ok: false, reason: `halted: ${s.halted}` };
  if (s.hasPositionInSymbol) return { ok: false, reason: "already in a position in this symbol" };
  if (s.entriesToday >= cfg.maxTradesPerDay) return { ok: false, reason: `account max trades/day ${cfg.maxTradesPerDay} reached` };
  if (s.openPositions >= cfg.maxOpenPositions)
    return { ok: false, reason: `account max open positions ${cfg.maxOpenPositions} reached` };
  if (dailyLossHit(s, cfg)) return { ok: false, reason: `account daily loss limit ${cfg.dailyLossLimitPct}% reached` };
  // Every entry here is flattened the same day, so each is a day trade: with no day trade left,
  // its exits would be refused by the broker (Alpaca 403 40310100) and the shares held overnight.
  if (s.dayTrades !== undefined && s.prevDayEquityUsd !== undefined && pdtBlocks(s.dayTrades, s.prevDayEquityUsd))
    return {
      ok: false,
      reason: `pattern day trader rule: ${s.dayTrades} day trades in the last ${PDT_WINDOW_DAYS} business days with previous-day equity $${s.prevDayEquityUsd.toFixed(2)} under $${PDT_EQUITY_FLOOR_USD}: this entry could not be exited today`,
    };
  return APPROVED;
}

export function dailyLossHit(s: Pick<RiskSnapshot, "dayPnlUsd" | "startOfDayEquityUsd">, cfg: RiskConfig): boolean {
  return s.dayPnlUsd < 0 && s.dayPnlUsd <= -(cfg.dailyLossLimitPct / 100) * s.startOfDayEquityUsd;
}

/** One strategy's own facts for its gates (positions and realised P/L of its symbols only). */
export interface SlotRiskSnapshot {
  readonly strategyId: string;
  readonly openPositions: number;
  readonly dayPnlUsd: number;
  /** The strategy's share of the start-of-day equity (its allocation of the account). */
  readonly startOfDayEquityUsd: number;
}

/** A strategy's own limits (null = none beyond the account's). */
export interface SlotLimits {
  readonly maxOpenPositions: number | null;
  readonly dailyLossLimitPct: number | null;
}

/**
 * A strategy's own entry gates, asked after the account's: its open positions, and its realised
 * loss today against its share of the account. A refusal names the strategy ("strategy X: ..."),
 * so it is never mistaken for the account's limit of the same name ("account ...").
 */
export function checkSlotEntry(s: SlotRiskSnapshot, limits: SlotLimits): RiskVerdict {
  const max = limits.maxOpenPositions;
  if (max !== null && s.openPositions >= max) return { ok: false, reason: `strategy ${s.strategyId}: max open positions ${max} reached` };
  if (slotLossHit(s, limits)) return { ok: false, reason: `strategy ${s.strategyId}: daily loss limit ${limits.dailyLossLimitPct}% reached` };
  return APPROVED;
}

/** Whether the strategy's realised loss today reached its own limit (off when it has none). */
export function slotLossHit(s: Pick<SlotRiskSnapshot, "dayPnlUsd" | "startOfDayEquityUsd">, limits: SlotLimits): boolean {
  const pct = limits.dailyLossLimitPct;
  return pct !== null && s.dayPnlUsd < 0 && s.dayPnlUsd <= -(pct / 100) * s.startOfDayEquityUsd;
}

import type { RiskConfig } from "../config/schema.ts";
import { APPROVED, type RiskVerdict } from "../core/types.ts";

/** The account facts the entry gates read. */
export interface RiskSnapshot {
  readonly entriesToday: number;
  readonly openPositions: number;
  /** Realised P/L since the session began (negative = loss). */
  readonly dayPnlUsd: number;
  readonly startOfDayEquityUsd: number;
  readonly halted: string | null;
  readonly hasPositionInSymbol: boolean;
}

/**
 * Entry gates, in the order a trader would ask them. Risk always wins over the strategy: a
 * rejected entry is recorded with its reason and never retried on the same bar.
 */
export function checkEntry(s: RiskSnapshot, cfg: RiskConfig): RiskVerdict {
  if (s.halted !== null) return { ok: false, reason: `halted: ${s.halted}` };
  if (s.hasPositionInSymbol) return { ok: false, reason: "already in a position in this symbol" };
  if (s.entriesToday >= cfg.maxTradesPerDay) return { ok: false, reason: `max trades/day ${cfg.maxTradesPerDay} reached` };
  if (s.openPositions >= cfg.maxOpenPositions)
    return { ok: false, reason: `max open positions ${cfg.maxOpenPositions} reached` };
  if (dailyLossHit(s, cfg)) return { ok: false, reason: `daily loss limit ${cfg.dailyLossLimitPct}% reached` };
  return APPROVED;
}

export function dailyLossHit(s: Pick<RiskSnapshot, "dayPnlUsd" | "startOfDayEquityUsd">, cfg: RiskConfig): boolean {
  return s.dayPnlUsd < 0 && s.dayPnlUsd <= -(cfg.dailyLossLimitPct / 100) * s.startOfDayEquityUsd;
}

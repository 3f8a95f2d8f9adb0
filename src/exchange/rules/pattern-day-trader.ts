import { isTradingDay } from "../../core/market-calendar.ts";
import { NyTime } from "../../core/ny-time.ts";
// One threshold and window for the broker and the bot's own gate (src/risk/day-trades.ts).
import { PDT_WINDOW_DAYS as WINDOW_BUSINESS_DAYS, pdtBlocks } from "../../risk/day-trades.ts";

/**
 * Alpaca's pattern-day-trader protection (docs "User Protection": PDT Protection): with the
 * previous day's closing equity (`last_equity`) below $25,000, an order that could make a fourth
 * day trade within five business days is refused with 403 `{code: 40310100, message: "trade
 * denied due to pattern day trading protection"}`. A day trade is an opening buy closed by a sell
 * of the same symbol on the same day (extended hours included); exits count, and so do pending
 * orders: a sell while shares bought today are held or a buy is open today, a buy while sells of
 * the symbol rest or one that carries its own exits (a bracket). No I/O: the simulated broker can share it.
 */

export const PDT_MESSAGE = "trade denied due to pattern day trading protection";

const ny = new NyTime();

export interface PdtFill {
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly tMs: number;
  readonly orderId: string;
  readonly qty: number;
}

/** The New York days of the `WINDOW_BUSINESS_DAYS` trading days ending with the day of `nowMs`. */
export function pdtWindow(nowMs: number): Set<number> {
  const out = new Set<number>();
  for (let d = ny.etDay(nowMs); out.size < WINDOW_BUSINESS_DAYS; d--) if (isTradingDay(d) || d === ny.etDay(nowMs)) out.add(d);
  return out;
}

/**
 * Day trades in the window: per symbol and day, each sell order that closes shares bought
 * earlier that day counts once. `fills` in time order.
 */
export function dayTradeCount(fills: readonly PdtFill[], nowMs: number): number {
  const window = pdtWindow(nowMs);
  const boughtToday = new Map<string, number>();
  const counted = new Set<string>();
  let n = 0;
  for (const f of fills) {
    const day = ny.etDay(f.tMs);
    if (!window.has(day)) continue;
    const key = `${day}|${f.symbol}`;
    if (f.side === "buy") {
      boughtToday.set(key, (boughtToday.get(key) ?? 0) + f.qty);
      continue;
    }
    const open = boughtToday.get(key) ?? 0;
    if (open <= 0) continue;
    boughtToday.set(key, Math.max(0, open - f.qty));
    if (!counted.has(f.orderId)) {
      counted.add(f.orderId);
      n++;
    }
  }
  return n;
}

/** Whether the protection refuses an order that `couldDayTrade`. */
export function pdtRefuses(lastEquityUsd: number, dayTrades: number, couldDayTrade: boolean): boolean {
  return couldDayTrade && pdtBlocks(dayTrades, lastEquityUsd);
}

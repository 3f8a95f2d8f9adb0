import { isOpenAt, isTradingDay, nextCloseMs, nextSession, sessionOf } from "../../core/market-calendar.ts";
import { etToUtcMs, NyTime } from "../../core/ny-time.ts";

/**
 * When Alpaca lets an order execute (docs "Orders at Alpaca": Extended Hours Trading). Orders
 * sent outside the regular session (09:30-16:00 ET; 13:00 on early-close days) are accepted
 * (status `accepted`) and wait for the open; only a limit order with time_in_force day may set
 * `extended_hours: true`, and only those execute in the pre-market (04:00-09:30) and after-hours
 * (16:00-20:00; 17:00 on early-close days) sessions. No I/O: the simulated broker can share it.
 */

const ny = new NyTime();
const PRE_MARKET_OPEN_MINUTE = 240;
const AFTER_HOURS_CLOSE_MINUTE = 1200;
const EARLY_AFTER_HOURS_CLOSE_MINUTE = 1020;

/** Alpaca's refusal of extended_hours on anything but a limit day order (422). */
export const EXTENDED_HOURS_REFUSAL = "extended hours order must be DAY limit orders";

/** Whether an order may set `extended_hours: true`. */
export function extendedHoursAllowed(type: string, timeInForce: string, orderClass: string): boolean {
  return type === "limit" && timeInForce === "day" && orderClass === "simple";
}

/** The after-hours close (ET minute) of a trading day. */
function afterHoursCloseMinute(etDay: number): number {
  const s = sessionOf(etDay);
  return s && s.closeMinute < 960 ? EARLY_AFTER_HOURS_CLOSE_MINUTE : AFTER_HOURS_CLOSE_MINUTE;
}

/** Whether `tMs` falls in the pre-market, regular or after-hours session of a trading day. */
export function inExtendedHours(tMs: number): boolean {
  const day = ny.etDay(tMs);
  if (!isTradingDay(day)) return false;
  const m = ny.etMinute(tMs);
  return m >= PRE_MARKET_OPEN_MINUTE && m < afterHoursCloseMinute(day);
}

/** Whether an order may execute at `tMs` (a bar's start, or the moment it is routed). */
export function mayExecuteAt(tMs: number, extendedHours: boolean): boolean {
  return isOpenAt(tMs) || (extendedHours && inExtendedHours(tMs));
}

/**
 * When a day order placed at `tMs` expires: the regular close of the session in progress or the
 * next one; an extended-hours day order lives until that day's after-hours close.
 */
export function dayOrderExpiryMs(tMs: number, extendedHours: boolean): number {
  if (!extendedHours) return nextCloseMs(tMs);
  const day = ny.etDay(tMs);
  if (isTradingDay(day) && ny.etMinute(tMs) < afterHoursCloseMinute(day)) return etToUtcMs(day, afterHoursCloseMinute(day));
  const next = nextSession(day).etDay;
  return etToUtcMs(next, afterHoursCloseMinute(next));
}

import { SessionDay, sessionOf, type SessionLookup } from "../core/market-calendar.ts";
import { etDayToIso, etToUtcMs, NyTime } from "../core/ny-time.ts";
import type { RiskConfig } from "../config/schema.ts";
import { dailyLossHit } from "../risk/gates.ts";
import { DayTradeCounter } from "../risk/day-trades.ts";

const DAY_MINUTES = 1440;

/**
 * The account's day and session bookkeeping: which session is current and which of its minutes
 * count, the day's entries and realised P/L (the account's and each strategy's), the equity the
 * day's limits are measured against, the halts, and the pattern-day-trader window. Plain numeric
 * fields read on every bar; the engine calls `enter` when a bar's day changes and `roll` when a
 * used bar starts a new trading day.
 */
export class DayBook {
  /** Today's session from the calendar (early closes included). */
  readonly session: SessionDay;
  /** The minutes [firstMinute, endMinute) of today whose minute bars the engine uses. */
  firstMinute = 0;
  endMinute = 0;
  /** The trading day in progress (etDay), -1 before the first. */
  curDay = -1;
  /** Regular-session minutes of the days traded so far (the exposure metric's denominator). */
  marketMinutes = 0;
  entriesToday = 0;
  dayPnlUsd = 0;
  startOfDayEquityUsd: number;
  /** Equity at the previous session's close: the pattern-day-trader rule reads it. */
  prevDayEquityUsd: number;
  hwmUsd: number;
  /** A halt for the day (the daily loss limit); lifted when the next session starts. */
  halted: string | null = null;
  /** A halt until resumeEntries (the kill switch, an emergency trip, a shutdown); survives day changes. */
  haltedUntilResumed: string | null = null;
  /** Realised P/L today per strategy slot, and its open positions. */
  readonly slotDayPnlUsd: Float64Array;
  readonly slotOpen: Int32Array;
  /** Day trades from the engine's own fills (and the broker's count at start), for the PDT gate. */
  readonly dayTrades: DayTradeCounter;
  private readonly ny = new NyTime();
  private readonly lookup: SessionLookup;

  constructor(
    initialEquityUsd: number,
    symbolCount: number,
    slotCount: number,
    flattenMinutesBeforeClose: number,
    private readonly rthOnly: boolean,
    calendar?: SessionLookup,
  ) {
    this.session = new SessionDay(flattenMinutesBeforeClose, calendar);
    this.lookup = calendar ?? sessionOf;
    this.startOfDayEquityUsd = initialEquityUsd;
    this.prevDayEquityUsd = initialEquityUsd;
    this.hwmUsd = initialEquityUsd;
    this.slotDayPnlUsd = new Float64Array(slotCount);
    this.slotOpen = new Int32Array(slotCount);
    this.dayTrades = new DayTradeCounter(symbolCount);
  }

  /**
   * Looks up a new day's session (once per day, not per bar) and the minutes whose bars count:
   * the regular session, or the whole day when extended hours are used. A day without a session
   * (a holiday in generated data, a stray weekend print) is no trading day at all, extended hours
   * included: Alpaca has no pre- or post-market on a holiday.
   */
  enter(etDay: number): void {
    const s = this.session.at(etDay);
    if (!s.trading) {
      this.firstMinute = Infinity;
      this.endMinute = -Infinity;
    } else {
      this.firstMinute = this.rthOnly ? s.openMinute : 0;
      this.endMinute = this.rthOnly ? s.closeMinute : DAY_MINUTES;
    }
  }

  /** Starts trading day `etDay` at `equityUsd` (the broker's equity before the day's first bar moves a price). */
  roll(etDay: number, equityUsd: number): void {
    const firstDay = this.curDay < 0;
    this.curDay = etDay;
    this.marketMinutes += this.session.closeMinute - this.session.openMinute;
    this.entriesToday = 0;
    this.dayPnlUsd = 0;
    this.slotDayPnlUsd.fill(0);
    this.startOfDayEquityUsd = equityUsd;
    // The first day's previous close is the starting equity, or what the broker said (setAccountDayTrades).
    if (!firstDay) this.prevDayEquityUsd = equityUsd;
    this.dayTrades.rollTo(etDay);
    this.halted = null;
  }

  /** Books realised P/L of a sale; returns the account's daily-loss halt reason when this sale set it. */
  bookPnl(slot: number, pnlUsd: number, risk: RiskConfig): string | null {
    this.dayPnlUsd += pnlUsd;
    if (slot >= 0) this.slotDayPnlUsd[slot] += pnlUsd;
    if (this.halted !== null || !dailyLossHit({ dayPnlUsd: this.dayPnlUsd, startOfDayEquityUsd: this.startOfDayEquityUsd }, risk)) return null;
    this.halted = `daily loss limit ${risk.dailyLossLimitPct}%`;
    return this.halted;
  }

  /**
   * The regular-session time between two instants: the exposure metric's numerator, measured in the
   * same unit as its denominator (the sessions traded). Within one day it is the plain difference
   * (as before overnight strategies); across days each session counts only its open hours, so a
   * position held over nights and weekends is never more than 100% exposed.
   */
  marketMsBetween(fromMs: number, toMs: number): number {
    if (!(toMs > fromMs)) return 0;
    const a = this.ny.etDay(fromMs);
    const b = this.ny.etDay(toMs);
    if (a === b) return toMs - fromMs;
    let ms = 0;
    for (let d = a; d <= b; d++) {
      const s = this.lookup(d);
      if (s === null) continue;
      const open = etToUtcMs(d, s.openMinute);
      const close = etToUtcMs(d, s.closeMinute);
      ms += Math.max(0, Math.min(close, toMs) - Math.max(open, fromMs));
    }
    return ms;
  }

  /** Raises the high-water mark to `equityUsd` when above it; returns `equityUsd`. */
  mark(equityUsd: number): number {
    if (equityUsd > this.hwmUsd) this.hwmUsd = equityUsd;
    return equityUsd;
  }

  /** Why new entries are refused now (a halt until resumed wins over the day's), or null. */
  entriesHalted(): string | null {
    return this.haltedUntilResumed ?? this.halted;
  }

  /** The day's risk state: what the state file and `status` show. */
  status(): { day: string | null; dayPnlUsd: number; entriesToday: number; halted: string | null; highWaterUsd: number } {
    return { day: this.curDay >= 0 ? etDayToIso(this.curDay) : null, dayPnlUsd: this.dayPnlUsd, entriesToday: this.entriesToday, halted: this.entriesHalted(), highWaterUsd: this.hwmUsd };
  }
}

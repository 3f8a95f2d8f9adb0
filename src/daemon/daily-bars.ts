import type { FeedBar } from "../broker/port.ts";
import type { SessionLookup } from "../core/market-calendar.ts";
import { etToUtcMs } from "../core/ny-time.ts";
import { NyTime } from "../core/ny-time.ts";
import { sessionDayOf } from "../broker/daily-session.ts";

const MIN_MS = 60_000;
/** How long after a close a missing final `d` is waited for before the session is closed from what arrived. */
export const DAILY_GRACE_MS = 60_000;

/** What one symbol has of its current session. */
interface Pending {
  readonly etDay: number;
  readonly closeMs: number;
  /** The latest `d` of the session and when it arrived (it holds every trade until that minute mark). */
  daily: FeedBar | null;
  dailyAtMs: number;
  /** The session's regular-hours minute bars, in arrival order. */
  readonly minutes: FeedBar[];
}

export interface DailyBarsOptions {
  /** Symbols of the 1Day strategies. */
  readonly symbols: readonly string[];
  /** The broker's sessions (half days, holidays). */
  readonly sessions: () => SessionLookup;
  /** Hands a session's final daily bar on, once, after its close; `tMs` is Alpaca's own (00:00 New York of the session). */
  readonly onFinal: (b: FeedBar) => void;
  /**
   * A running `d` of a session not closed yet: its close is the symbol's latest trade, the price
   * Alpaca marks the position at (a bot without minute bars of the symbol learns it only here).
   */
  readonly onRunning?: (b: FeedBar) => void;
}

/**
 * Turns what the market-data stream delivers into one final daily bar per symbol and session,
 * handed on once after the session's close. Alpaca's `d` is a running bar: "Daily bars are
 * emitted right after each minute mark after the market opens. The daily bars contain all trades
 * until the time they were emitted" (docs.alpaca.markets, Real-time Stock Data). So a `d` that
 * arrives at or after the close is the session's bar and is final at once; one that arrives during
 * the session only says how far the day has got. When no `d` arrives after the close (not
 * subscribed, a dropped frame, a broker without daily bars), the session is closed
 * DAILY_GRACE_MS later from the last running `d` extended by the minute bars after it, or from
 * the minute bars alone (consolidated: first open, highest high, lowest low, last close, summed
 * volume).
 */
export class DailyBars {
  private readonly ny = new NyTime();
  private readonly pending = new Map<string, Pending>();
  /** The last session handed on, per symbol (a session is final once). */
  private readonly finalDay = new Map<string, number>();
  /** Daily bars that arrived for a session already handed on (a repeat after the close, a replay overlap). */
  repeats = 0;
  finals = 0;

  private readonly symbols: ReadonlySet<string>;

  constructor(private readonly o: DailyBarsOptions) {
    this.symbols = new Set(o.symbols);
  }

  /** True when there are daily symbols (their `d` bars are subscribed). */
  get subscribed(): boolean {
    return this.symbols.size > 0;
  }

  /** The symbols whose `d` bars are subscribed. */
  get symbolList(): readonly string[] {
    return [...this.symbols];
  }

  has(symbol: string): boolean {
    return this.symbols.has(symbol);
  }

  /** A `d` message that arrived at `nowMs`. */
  daily(b: FeedBar, nowMs: number): void {
    if (!this.has(b.symbol)) return;
    const p = this.session(b.symbol, sessionDayOf(b.tMs));
    if (p === null) return;
    if (p.daily === null || nowMs >= p.dailyAtMs) {
      p.daily = b;
      p.dailyAtMs = nowMs;
      if (nowMs < p.closeMs) this.o.onRunning?.(b);
    }
    if (nowMs >= p.closeMs) this.close(b.symbol);
  }

  /** A minute bar of any symbol: a daily symbol's regular-session minutes are kept for consolidation. */
  minute(b: FeedBar): void {
    if (!this.has(b.symbol)) return;
    const day = this.ny.etDay(b.tMs);
    const s = this.o.sessions()(day);
    if (s === null) return;
    if (b.tMs < etToUtcMs(day, s.openMinute) || b.tMs >= etToUtcMs(day, s.closeMinute)) return;
    this.session(b.symbol, day)?.minutes.push(b);
  }

  /** The clock reached `nowMs`: every session closed DAILY_GRACE_MS before it is closed from what arrived. */
  advance(nowMs: number): void {
    for (const [sym, p] of this.pending) if (nowMs >= p.closeMs + DAILY_GRACE_MS) this.close(sym);
  }

  /** The close of a daily bar's session (when it becomes final); NaN when the calendar has no session that day. */
  closeOfBar(b: FeedBar): number {
    const day = sessionDayOf(b.tMs);
    const s = this.o.sessions()(day);
    return s === null ? NaN : etToUtcMs(day, s.closeMinute);
  }

  /** The symbol's pending session `etDay`, opening it (and closing an older one first); null for a session already final. */
  private session(symbol: string, etDay: number): Pending | null {
    if (etDay <= (this.finalDay.get(symbol) ?? -Infinity)) {
      this.repeats++;
      return null;
    }
    const s = this.o.sessions()(etDay);
    // Not a trading day (Alpaca sends no daily bar for one; a file may hold one): nothing to close.
    if (s === null) return null;
    let p = this.pending.get(symbol);
    if (p !== undefined && p.etDay < etDay) {
      this.close(symbol);
      p = undefined;
    }
    if (p !== undefined) return p;
    const closeMs = etToUtcMs(etDay, s.closeMinute);
    const fresh: Pending = { etDay, closeMs, daily: null, dailyAtMs: -Infinity, minutes: [] };
    this.pending.set(symbol, fresh);
    return fresh;
  }

  private close(symbol: string): void {
    const p = this.pending.get(symbol);
    if (p === undefined) return;
    this.pending.delete(symbol);
    const bar = finalBar(p);
    if (bar === null) return;
    this.finalDay.set(symbol, p.etDay);
    this.finals++;
    this.o.onFinal(bar);
  }
}

/** The session's bar from its latest `d` and the minute bars after it, or from the minutes alone. */
function finalBar(p: Pending): FeedBar | null {
  const d = p.daily;
  // A `d` emitted right after minute mark M holds the trades before M: minutes from M on extend it.
  const fromMs = d === null ? -Infinity : Math.floor(p.dailyAtMs / MIN_MS) * MIN_MS;
  let bar: { -readonly [K in keyof FeedBar]: FeedBar[K] } | null = d === null ? null : { ...d };
  for (const m of p.minutes) {
    if (m.tMs < fromMs) continue;
    if (bar === null) {
      bar = { symbol: m.symbol, tMs: etToUtcMs(p.etDay, 0), open: m.open, high: m.high, low: m.low, close: m.close, volume: m.volume };
      continue;
    }
    bar.high = Math.max(bar.high, m.high);
    bar.low = Math.min(bar.low, m.low);
    bar.close = m.close;
    bar.volume += m.volume;
  }
  return bar;
}

import { etToUtcMs, NyTime } from "../core/ny-time.ts";
import type { SessionLookup } from "../core/market-calendar.ts";
import { sessionOf } from "../core/market-calendar.ts";

const HALF_DAY_MS = 43_200_000;

/**
 * The session day a daily bar describes. Alpaca stamps a 1Day bar at 00:00 New York of its
 * session (REST `t`, e.g. 2024-04-01T04:00:00Z), while bar files converted from other caches stamp
 * it at 00:00Z of the same date (19:00 or 20:00 New York the evening before). Twelve hours after
 * either stamp is the morning of the session in New York, so its New York date is the bar's day.
 */
export function dailyBarDay(tMs: number, ny: NyTime): number {
  return ny.etDay(tMs + HALF_DAY_MS);
}

/** One phase of a held daily bar: its open (market orders fill) or its close (the bar is complete). */
export interface DailyPhase {
  readonly symId: number;
  readonly etDay: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** "open": the session opened (only the open is known); "close": the session closed (the whole bar is known). */
  readonly phase: "open" | "close";
  /** When the phase happens: the session's open or close instant (UTC ms). */
  readonly atMs: number;
  readonly openMinute: number;
  readonly closeMinute: number;
}

/**
 * Daily bars held until the moment they are known. A 1Day bar of session D arrives stamped at the
 * start of D (so a merged stream puts it before D's minute bars), but only its open is known at D's
 * open and the rest only at D's close. The engine therefore never processes a daily bar when it
 * arrives: it is held here and released in two phases, each at the first moment the engine's clock
 * (the next bar of any symbol, an `advanceTo`, or the end of the run) reaches it:
 * - at D's open: the broker sees a bar whose open, high, low and close are all D's open, so orders
 *   waiting for the next session fill at the open, timed at the open, and the position is marked
 *   at the open price (known at that instant);
 * - at D's close: the whole bar goes to the broker (stops and limits against D's range), the
 *   indicators, the exit signal and the strategy, as the last bar of D.
 * This was chosen over re-timing the bars in the source because the daemon receives daily bars the
 * same way (Alpaca's `d` stream messages carry the session's 00:00 stamp): one rule serves both.
 * Days without a session (a stray weekend row) are refused (push returns false; the engine counts them).
 */
export class DailyBarQueue {
  private readonly pending: DailyPhase[] = [];
  /** The earliest `atMs` held (Infinity when empty): the engine compares one number per bar. */
  nextMs = Infinity;
  private readonly ny = new NyTime();

  constructor(private readonly sessions: SessionLookup = sessionOf) {}

  /** Holds a daily bar that arrived stamped `tMs`; returns false when its day has no session. */
  push(symId: number, tMs: number, o: number, h: number, l: number, c: number, v: number): boolean {
    const etDay = dailyBarDay(tMs, this.ny);
    const s = this.sessions(etDay);
    if (s === null) return false;
    const base = { symId, etDay, open: o, high: h, low: l, close: c, volume: v, openMinute: s.openMinute, closeMinute: s.closeMinute };
    this.insert({ ...base, phase: "open", atMs: etToUtcMs(etDay, s.openMinute) });
    this.insert({ ...base, phase: "close", atMs: etToUtcMs(etDay, s.closeMinute) });
    return true;
  }

  /** Removes and returns the earliest phase due at or before `tMs`, or null. */
  take(tMs: number): DailyPhase | null {
    if (!(this.nextMs <= tMs)) return null;
    const p = this.pending.shift() ?? null;
    this.nextMs = this.pending.length > 0 ? this.pending[0].atMs : Infinity;
    return p;
  }

  /** Phases held (tests and the end of a run). */
  get size(): number {
    return this.pending.length;
  }

  // Kept sorted by (atMs, phase open first, symId): few bars are held at once (one or two per daily symbol).
  private insert(p: DailyPhase): void {
    let i = this.pending.length;
    while (i > 0 && later(this.pending[i - 1], p)) i--;
    this.pending.splice(i, 0, p);
    this.nextMs = this.pending[0].atMs;
  }
}

function later(a: DailyPhase, b: DailyPhase): boolean {
  if (a.atMs !== b.atMs) return a.atMs > b.atMs;
  return a.symId > b.symId;
}

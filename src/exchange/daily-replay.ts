import type { BarSeries } from "../core/bars.ts";
import { REGULAR_SESSION, sessionOf } from "../core/market-calendar.ts";
import { etToUtcMs, NyTime } from "../core/ny-time.ts";
import type { ExBar } from "./types.ts";
import { sessionDayOf } from "../broker/daily-session.ts";

const ny = new NyTime();

/** All daily bars of one session, due at its close. */
export interface SessionBars {
  /** New York calendar day of the session. */
  readonly etDay: number;
  readonly openMs: number;
  readonly closeMs: number;
  /** Each with Alpaca's own `t`: 00:00 New York of the session (a file's 00:00 UTC stamp is moved there). */
  readonly bars: readonly ExBar[];
}

/**
 * Walks 1Day bars session by session. A daily bar is only known once its session has closed, so
 * each session's bars are due at its close (the NYSE calendar; half days close at 13:00). A bar
 * dated a day the NYSE is closed is skipped and counted: the shared 1day CSVs hold Saturday rows
 * of a few thousand shares (after-hours trading of the Friday), which must not fill an order
 * queued for Monday's open.
 */
export class DailyCursor {
  readonly symbols: readonly string[];
  private readonly heads: number[];
  /** Bars skipped because the NYSE had no session that day. */
  skipped = 0;

  constructor(private readonly series: readonly BarSeries[]) {
    this.symbols = series.map((s) => s.symbol);
    this.heads = series.map(() => 0);
  }

  /** The close of the next session with a bar, or Infinity when none is left. */
  /** Moves every symbol's head past bars dated a day without a session. */
  private skipClosedDays(): void {
    for (let k = 0; k < this.series.length; k++) {
      const s = this.series[k];
      while (this.heads[k] < s.length && sessionOf(sessionDayOf(s.tMs[this.heads[k]])) === null) {
        this.heads[k]++;
        this.skipped++;
      }
    }
  }

  peekCloseMs(): number {
    const day = this.nextDay();
    return day === null ? Infinity : sessionTimes(day).closeMs;
  }

  /** The open of the next session with a bar, or Infinity when none is left. */
  peekSessionOpenMs(): number {
    const day = this.nextDay();
    return day === null ? Infinity : sessionTimes(day).openMs;
  }

  next(): SessionBars | null {
    return this.take(true);
  }

  /** The next session's bars without moving past them (its open may be due before its close is). */
  peek(): SessionBars | null {
    return this.take(false);
  }

  private take(advance: boolean): SessionBars | null {
    const day = this.nextDay();
    if (day === null) return null;
    const bars: ExBar[] = [];
    for (let k = 0; k < this.series.length; k++) {
      const s = this.series[k];
      const i = this.heads[k];
      if (i < s.length && sessionDayOf(s.tMs[i]) === day) {
        // Served with Alpaca's own stamp, 00:00 New York of the session, whatever the file held.
        bars.push({ symbol: s.symbol, tMs: etToUtcMs(day, 0), open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] });
        if (advance) this.heads[k] = i + 1;
      }
    }
    return { etDay: day, ...sessionTimes(day), bars };
  }

  private nextDay(): number | null {
    this.skipClosedDays();
    let day = Infinity;
    for (let k = 0; k < this.series.length; k++) {
      const i = this.heads[k];
      if (i < this.series[k].length) day = Math.min(day, sessionDayOf(this.series[k].tMs[i]));
    }
    return day === Infinity ? null : day;
  }
}

/**
 * The daily bars of the sessions in `minutes` (one symbol's, time order) that opened by `nowMs`:
 * regular-session minutes only, as the running `d` is built, stamped 00:00 New York. The session in
 * progress is served with its minutes so far, as Alpaca's 1Day answers during a session (not final
 * until the close: a client must not take it for the session's bar; the daemon's history drops it).
 */
export function sessionsFromMinutes(minutes: readonly ExBar[], nowMs: number): ExBar[] {
  const running = new RunningDailyBars();
  const out: ExBar[] = [];
  let last: ExBar | null = null;
  for (const m of minutes) {
    const d = running.add(m);
    if (d === null) continue;
    if (last !== null && last.tMs !== d.tMs) out.push(last);
    last = d;
  }
  if (last !== null) out.push(last);
  return out.filter((b) => sessionTimes(sessionDayOf(b.tMs)).openMs < nowMs);
}

/** How many of these daily bars are dated a day the NYSE is closed (they are skipped). */
export function closedDayBars(series: readonly BarSeries[]): number {
  let n = 0;
  for (const s of series) for (let i = 0; i < s.length; i++) if (sessionOf(sessionDayOf(s.tMs[i])) === null) n++;
  return n;
}

/** The session's open and close instants (regular hours; the NYSE calendar's early closes). */
export function sessionTimes(etDay: number): { openMs: number; closeMs: number } {
  const s = sessionOf(etDay) ?? REGULAR_SESSION;
  return { openMs: etToUtcMs(etDay, s.openMinute), closeMs: etToUtcMs(etDay, s.closeMinute) };
}

/**
 * The running daily bar Alpaca streams (`d`): "Daily bars are emitted right after each minute
 * mark after the market opens. The daily bars contain all trades until the time they were
 * emitted." (docs.alpaca.markets, Real-time Stock Data, Daily Bars). Built here from the regular
 * session's minute bars; its `t` is 00:00 New York of the session, like a 1Day bar's.
 */
export class RunningDailyBars {
  private readonly bySymbol = new Map<string, { day: number; bar: ExBar }>();

  /** Takes one published minute bar; returns the symbol's daily bar so far, or null outside the regular session. */
  add(b: ExBar): ExBar | null {
    const day = ny.etDay(b.tMs);
    const { openMs, closeMs } = sessionTimes(day);
    if (b.tMs < openMs || b.tMs >= closeMs || sessionOf(day) === null) return null;
    const cur = this.bySymbol.get(b.symbol);
    if (cur === undefined || cur.day !== day) {
      const bar: ExBar = { symbol: b.symbol, tMs: etToUtcMs(day, 0), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
      this.bySymbol.set(b.symbol, { day, bar });
      return { ...bar };
    }
    const bar = cur.bar;
    bar.high = Math.max(bar.high, b.high);
    bar.low = Math.min(bar.low, b.low);
    bar.close = b.close;
    bar.volume += b.volume;
    return { ...bar };
  }
}

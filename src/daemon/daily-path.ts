import type { Engine } from "../engine/engine.ts";
import type { BrokerVenue, FeedBar } from "../broker/port.ts";
import type { SessionLookup } from "../core/market-calendar.ts";
import { NyTime, etToUtcMs } from "../core/ny-time.ts";
import type { DaemonOptions } from "./daemon-options.ts";
import type { StreamInput } from "./stream-input.ts";
import type { BarIngest } from "./bar-ingest.ts";
import { DailyBars } from "./daily-bars.ts";

/** What the daily-bar path needs of the daemon; functions, as most of it is built after this. */
export interface DailyPathDeps {
  readonly o: DaemonOptions;
  /** The 1Day strategies' symbols (those the daemon does not trade are left out). */
  readonly symbols: readonly string[];
  readonly bars: BarIngest;
  readonly input: StreamInput;
  readonly sessions: () => SessionLookup;
  readonly engine: () => Engine<unknown>;
  readonly venue: () => BrokerVenue;
  /** The daemon's "now": the broker's time, or during the replay the end of the bar replayed. */
  readonly nowMs: () => number;
  readonly onBarTime: (endMs: number) => void;
  readonly error: (where: string, e: unknown) => void;
  readonly afterActivity: () => void;
}

/**
 * The 1Day strategies' bars, from the stream's running `d` (a mark) and final bar (to the engine)
 * to the REST fetch a restart replays. Exists apart from the daemon because a daily bar reaches
 * the engine by a path of its own (at its session's close, not at its timestamp) and both the live
 * stream and the start-up replay must put it at the same place in the bar sequence.
 */
export class DailyPath {
  /** Final daily bars of the 1Day strategies' symbols, handed to the engine once each after their session's close. */
  readonly daily: DailyBars;
  /** Final daily bars the engine has had. */
  taken = 0;
  private readonly ny = new NyTime();

  constructor(private readonly d: DailyPathDeps) {
    this.daily = new DailyBars({ symbols: d.symbols, sessions: d.sessions, onFinal: (b) => this.ingest(b), onRunning: (b) => this.mark(b) });
  }

  /**
   * A daily symbol's session so far (a running `d`): the venue marks a position in it at the bar's
   * close, its latest trade, as Alpaca's account equity does. Without this the position stays at the
   * previous close until the session's final bar, while a backtest marks it at the open from the
   * open on (engine/daily-bars.ts): the two would size the same minute entries from different equity.
   * Only the mark: the engine still sees the daily bar once, final, at the close.
   */
  private mark(b: FeedBar): void {
    const id = this.d.bars.symId.get(b.symbol);
    if (id === undefined) return;
    const nowMs = this.d.nowMs();
    const px = b.close;
    const local = this.ny.localMs(nowMs);
    const etDay = Math.floor(local / 86_400_000);
    this.d.venue().onBar({ symId: id, tMs: nowMs, open: px, high: px, low: px, close: px, volume: 0, etDay, etMinute: Math.floor((local - etDay * 86_400_000) / 60_000) });
  }

  /**
   * A session's final daily bar into the engine (issue 14 contract: after the session's close, with
   * the bar's own Alpaca timestamp). In the bar sequence it sits in the close's last minute, after
   * that minute's bars, where a restart's replay puts it too.
   */
  private ingest(b: FeedBar): void {
    const id = this.d.bars.symId.get(b.symbol);
    if (id === undefined) return;
    const closeMs = this.daily.closeOfBar(b);
    this.d.bars.enterMinute(closeMs - 60_000);
    if (Number.isFinite(closeMs)) this.d.onBarTime(closeMs);
    this.taken++;
    const engine = this.d.engine();
    try {
      engine.onBar(id, b.tMs, b.open, b.high, b.low, b.close, b.volume);
      // The engine holds a daily bar until its clock reaches the close (engine.advanceTo's contract):
      // no later bar may come for a day, so the decision is made now, at the close, not at the next bar
      // (which, on daily bars alone, is the next session's close: its order would miss that open).
      if (Number.isFinite(closeMs)) engine.advanceTo(closeMs);
    } catch (e) {
      this.d.error(`daily bar ${b.symbol} ${new Date(b.tMs).toISOString()}`, e);
    }
    this.d.afterActivity();
  }

  /** During the start-up replay: a daily bar fetched over REST, final at its session's close. */
  replay(b: FeedBar): void {
    this.daily.daily(b, this.daily.closeOfBar(b));
  }

  /** The final daily bars of `daily` symbols since `fromMs` over REST (a session not closed by the broker's now is left out: Alpaca serves today's bar so far). */
  async history(fromMs: number): Promise<FeedBar[]> {
    const o = this.d.o;
    const syms = o.symbols.filter((s) => this.daily.has(s));
    if (syms.length === 0) return [];
    const now = o.clock.nowMs();
    // From 00:00 New York of the start's day: a 1Day bar is stamped there, and a run that starts
    // during a session had that session's bar at its close.
    const bars = await o.port.bars(syms, etToUtcMs(this.ny.etDay(fromMs), 0), "1Day", o.config.daemon.feed);
    return bars.filter((b) => this.d.input.restDailyBar(b) !== null && this.daily.closeOfBar(b) > fromMs && this.daily.closeOfBar(b) <= now);
  }
}

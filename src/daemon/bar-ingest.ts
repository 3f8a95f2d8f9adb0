import type { Engine } from "../engine/engine.ts";
import type { FeedBar } from "../broker/port.ts";
import type { FileStateStore } from "../store/state-store.ts";
import type { DailyBars } from "./daily-bars.ts";
import { barPosition } from "./merge-replay.ts";

/** What the minute-bar path needs of the daemon; functions, as most of it is built after this. */
export interface BarIngestDeps {
  readonly symbols: readonly string[];
  readonly engine: () => Engine<unknown>;
  readonly daily: () => DailyBars;
  /** The first bar of a new minute arrived, before it moves the position (the kill switch's minute tick, the plausibility bound). */
  readonly onNewMinute: () => void;
  /** The end time of every bar taken (a replaying broker's clock follows its bars). */
  readonly onBarTime: (endMs: number) => void;
  /** Jobs due at or before a bar's start run before it (the flatten before the bar after it). */
  readonly advanceJobs: (tMs: number) => void;
  readonly error: (where: string, e: unknown) => void;
  readonly afterActivity: () => void;
}

/**
 * The minute bars' way into the engine and the bar position that goes with it. Exists apart from
 * the daemon because the position (the latest bar minute and how many bars of it, see
 * barPosition) is what fills, refusals and mode switches are written ahead against: one owner of
 * it, moved by minute bars here and by final daily bars (daily-path.ts) through enterMinute.
 */
export class BarIngest {
  /** The daemon's symbols by their engine id. */
  readonly symId: ReadonlyMap<string, number>;
  private readonly lastBarMs: Float64Array;
  private readonly lastCloseUsd: Float64Array;
  private latestMinuteMs = -Infinity;
  private barsOfLatestMinute = 0;
  /** Bars dropped for being at or before their symbol's last one. */
  duplicates = 0;

  constructor(private readonly d: BarIngestDeps) {
    this.symId = new Map(d.symbols.map((s, i) => [s, i]));
    this.lastBarMs = new Float64Array(d.symbols.length).fill(-Infinity);
    this.lastCloseUsd = new Float64Array(d.symbols.length).fill(NaN);
  }

  /** Where the run is in the bar sequence (see barPosition). */
  position(): number {
    return barPosition(this.latestMinuteMs, this.barsOfLatestMinute);
  }

  /** Counts one bar of minute `slotMs` into the position. */
  enterMinute(slotMs: number): void {
    if (slotMs > this.latestMinuteMs) {
      this.latestMinuteMs = slotMs;
      this.barsOfLatestMinute = 1;
    } else if (slotMs === this.latestMinuteMs) this.barsOfLatestMinute++;
  }

  /** One bar into the engine, once: a bar at or before the symbol's last one (a duplicate or out-of-order frame) is dropped and counted. */
  ingest(b: FeedBar): boolean {
    const id = this.symId.get(b.symbol);
    if (id === undefined) return false;
    if (!(b.tMs > this.lastBarMs[id])) {
      this.duplicates++;
      return false;
    }
    this.lastBarMs[id] = b.tMs;
    this.lastCloseUsd[id] = b.close;
    const daily = this.d.daily();
    // A session whose close has passed without its final `d` is closed before this bar (see DailyBars).
    daily.advance(b.tMs);
    daily.minute(b);
    // The tick sees the position before this minute's first bar (a replayed halt switch is due there).
    if (b.tMs > this.latestMinuteMs) this.d.onNewMinute();
    this.enterMinute(b.tMs);
    this.d.onBarTime(b.tMs + 60_000);
    this.d.advanceJobs(b.tMs);
    try {
      this.d.engine().onBar(id, b.tMs, b.open, b.high, b.low, b.close, b.volume);
    } catch (e) {
      this.d.error(`bar ${b.symbol} ${new Date(b.tMs).toISOString()}`, e);
    }
    this.d.afterActivity();
    return true;
  }

  /** Where a backfill starts: the minute after the symbol furthest behind (the run's start for one without bars). */
  backfillFromMs(runStartMs: number): number {
    let from = Infinity;
    for (let i = 0; i < this.lastBarMs.length; i++) from = Math.min(from, this.lastBarMs[i] === -Infinity ? runStartMs : this.lastBarMs[i] + 60_000);
    return from;
  }

  /** Each symbol's latest bar time and close into the state (what `status` shows). */
  writeBarTimes(store: FileStateStore): void {
    for (let i = 0; i < this.lastBarMs.length; i++) if (this.lastBarMs[i] > -Infinity) store.setLastBarTime(this.d.symbols[i], this.lastBarMs[i], this.lastCloseUsd[i]);
  }
}

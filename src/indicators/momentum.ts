import type { BarView } from "../core/bars.ts";
import type { StreamingIndicator } from "./indicator.ts";

/**
 * Return in percent over the last `lookback` bars: (close / close `lookback` bars ago - 1) x 100,
 * from a ring of the last `lookback + 1` closes. `returnPct(n)` reads any shorter lookback from
 * the same ring, so one instance serves every momentum feature of a symbol (5, 15, 30, 60 bars).
 *
 * The ring spans sessions: at 09:40 a 30-bar return reaches back into the previous session's last
 * 20 minutes (and its overnight gap). That is still only the past, and a Bear Trap fires early in
 * the day often enough that restarting per session would leave most momentum features NaN.
 */
export class Momentum implements StreamingIndicator {
  readonly name: string;
  readonly warmupBars: number;
  private readonly closes: Float64Array;
  /** Where the next close goes. */
  private idx = 0;
  private seen = 0;

  constructor(readonly lookback = 60) {
    if (!Number.isInteger(lookback) || lookback < 1) throw new Error(`momentum lookback must be a positive integer (got ${lookback})`);
    this.closes = new Float64Array(lookback + 1);
    this.name = `momentum_pct(${lookback})`;
    this.warmupBars = lookback + 1;
  }

  /** Return over the full lookback, null while warming up. Computed on read: the features read it only at signals. */
  get value(): number | null {
    return this.seen > this.lookback ? this.returnPct(this.lookback) : null;
  }

  update(bar: Readonly<BarView>): number | null {
    this.step(bar);
    return this.value;
  }

  /** `update` without the return: one ring write, nothing else (see Atr.step for the hot-path layout). */
  step(bar: Readonly<BarView>): void {
    const ring = this.closes;
    const i = this.idx;
    ring[i] = bar.close;
    this.idx = i + 1 === ring.length ? 0 : i + 1;
    this.seen++;
  }

  /** Return in % over the last `bars` bars (1..lookback); NaN until `bars + 1` closes were seen. */
  returnPct(bars: number): number {
    if (!(bars >= 1 && bars <= this.lookback) || this.seen <= bars) return NaN;
    const ring = this.closes;
    const n = ring.length;
    const last = this.idx === 0 ? n - 1 : this.idx - 1;
    const then = ring[(last - bars + n) % n];
    return (ring[last] / then - 1) * 100;
  }

  reset(): void {
    this.closes.fill(0);
    this.idx = 0;
    this.seen = 0;
  }
}

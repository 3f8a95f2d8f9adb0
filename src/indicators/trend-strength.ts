import type { BarView } from "../core/bars.ts";
import type { StreamingIndicator } from "./indicator.ts";

/**
 * Fraction (0..1) of the last `window` bars whose high exceeded the previous bar's high. The
 * first bar ever seen has no previous bar, so it is not counted: the first value comes on bar
 * `window + 1`, when every bar in the window has a predecessor.
 */
export class TrendStrength implements StreamingIndicator {
  readonly name: string;
  readonly warmupBars: number;
  /** Latest value, NaN while warming up. */
  current = NaN;
  private readonly flags: Uint8Array;
  private idx = 0;
  private filled = 0;
  private ones = 0;
  private prevHigh = NaN;
  private started = false;

  constructor(readonly window = 20) {
    if (!Number.isInteger(window) || window < 1) throw new Error(`trend window must be a positive integer (got ${window})`);
    this.flags = new Uint8Array(window);
    this.name = `trend_strength(${window})`;
    this.warmupBars = window + 1;
  }

  get value(): number | null {
    return this.filled === this.window ? this.current : null;
  }

  update(bar: Readonly<BarView>): number | null {
    this.step(bar);
    return this.filled === this.window ? this.current : null;
  }

  /** `update` without the return; warm-up kept out of line (see Atr.step). */
  step(bar: Readonly<BarView>): void {
    const h = bar.high;
    const f = Number(h > this.prevHigh); // branch-free: the outcome is a coin flip
    this.prevHigh = h;
    if (this.filled < this.window) {
      this.warm(f);
      return;
    }
    const i = this.idx;
    this.ones += f - this.flags[i];
    this.flags[i] = f;
    this.idx = i + 1 === this.window ? 0 : i + 1;
    this.current = this.ones / this.window;
  }

  reset(): void {
    this.current = NaN;
    this.flags.fill(0);
    this.idx = 0;
    this.filled = 0;
    this.ones = 0;
    this.prevHigh = NaN;
    this.started = false;
  }

  private warm(f: number): void {
    if (!this.started) {
      this.started = true; // the first bar has nothing to exceed
      return;
    }
    this.flags[this.idx] = f;
    this.ones += f;
    this.idx = this.idx + 1 === this.window ? 0 : this.idx + 1;
    if (++this.filled === this.window) this.current = this.ones / this.window;
  }
}

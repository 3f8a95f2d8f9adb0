import type { BarView } from "../core/bars.ts";
import type { StreamingIndicator } from "./indicator.ts";

/** Bar fields a rolling mean can average. */
export type BarField = "open" | "high" | "low" | "close" | "volume";

/**
 * Simple moving average of one bar field over the last `period` bars, current bar included: a
 * ring buffer and a running sum, O(1) per bar. Rounding cannot build up: the sum is rebuilt from
 * the buffer each time the ring wraps (amortised O(1)), and at once when a value far larger than
 * the current window (a volume spike) has just dropped out, since its rounding error would
 * otherwise dwarf what is left. Drift stays below 1e-9 relative (see `resyncRatio`).
 *
 * The field is read inside `step` rather than passed in as a number: a double argument to a call
 * the JIT did not inline is boxed on the heap (see Atr for the hot-path layout).
 */
export class RollingMean implements StreamingIndicator {
  readonly name: string;
  readonly warmupBars: number;
  /** Latest mean, NaN while warming up. */
  current = NaN;
  private readonly buf: Float64Array;
  private idx = 0;
  private count = 0;
  private sum = 0;
  /** Largest magnitude added since the sum was last rebuilt. */
  private big = 0;
  /**
   * The sum is rebuilt once `big` exceeds this multiple of it. Between rebuilds there are at most
   * 2 x period roundings, each within an ulp (1.1e-16 relative) of a partial sum no larger than
   * period x big, so the drift is below 2 x period^2 x 1.1e-16 x ratio relative: < 1e-9 with
   * ratio = 4e6 / period^2 (10,000 at period 20).
   */
  private readonly resyncRatio: number;

  constructor(
    readonly period: number,
    readonly field: BarField,
    name = `sma_${field}(${period})`,
  ) {
    if (!Number.isInteger(period) || period < 1) throw new Error(`window must be a positive integer (got ${period})`);
    this.buf = new Float64Array(period);
    this.resyncRatio = 4e6 / (period * period);
    this.name = name;
    this.warmupBars = period;
  }

  get value(): number | null {
    return this.count === this.period ? this.current : null;
  }

  update(bar: Readonly<BarView>): number | null {
    this.step(bar);
    return this.value;
  }

  step(bar: Readonly<BarView>): void {
    if (this.count < this.period) {
      this.fill(bar);
      return;
    }
    const x = bar[this.field];
    const i = this.idx;
    this.sum += x - this.buf[i];
    this.buf[i] = x;
    if (Math.abs(x) > this.big) this.big = Math.abs(x);
    const next = i + 1 === this.period ? 0 : i + 1;
    this.idx = next;
    if (next === 0 || this.big > this.resyncRatio * Math.abs(this.sum)) this.resync();
    this.current = this.sum / this.period;
  }

  reset(): void {
    this.current = NaN;
    this.buf.fill(0);
    this.idx = 0;
    this.count = 0;
    this.sum = 0;
    this.big = 0;
  }

  private fill(bar: Readonly<BarView>): void {
    const x = bar[this.field];
    this.buf[this.idx] = x;
    this.idx = this.idx + 1 === this.period ? 0 : this.idx + 1;
    if (++this.count === this.period) this.resync();
    else this.sum += x;
    this.current = this.count === this.period ? this.sum / this.period : NaN;
  }

  private resync(): void {
    const buf = this.buf;
    let s = 0;
    let big = 0;
    for (let k = 0; k < buf.length; k++) {
      s += buf[k];
      big = Math.max(big, Math.abs(buf[k]));
    }
    this.sum = s;
    this.big = big;
  }
}

import type { BarView } from "../core/bars.ts";
import type { StreamingIndicator } from "./indicator.ts";

/**
 * Average True Range with Wilder smoothing. TR = max(h - l, |h - prevClose|, |l - prevClose|),
 * h - l on the very first bar. The first ATR is the plain mean of the first `period` TRs (on the
 * period-th bar); after that atr = (prev x (period - 1) + tr) / period, computed with reciprocals
 * so no division sits on the bar-to-bar dependency chain (the difference is rounding, ~1 ulp).
 * Not session-scoped: the overnight gap is real risk, so it counts in the first bar's TR.
 *
 * Hot-path notes shared by every indicator here: `step` is `update` without the return (a double
 * returned, or passed as an argument, across a call the JIT did not inline is boxed on the heap),
 * so hot paths call `step` and read the numeric `current` field; warm-up lives in a separate
 * method so the steady-state body stays small enough to be inlined into its caller.
 */
export class Atr implements StreamingIndicator {
  readonly name: string;
  readonly warmupBars: number;
  /** Latest ATR, NaN while warming up: the allocation-free read for hot paths. */
  current = NaN;
  private seen = 0;
  private prevClose = NaN;
  private trSum = 0;
  private readonly keep: number;
  private readonly inv: number;

  constructor(readonly period = 14) {
    if (!Number.isInteger(period) || period < 1) throw new Error(`ATR period must be a positive integer (got ${period})`);
    this.name = `atr(${period})`;
    this.warmupBars = period;
    this.keep = (period - 1) / period;
    this.inv = 1 / period;
  }

  get value(): number | null {
    return this.seen >= this.period ? this.current : null;
  }

  update(bar: Readonly<BarView>): number | null {
    this.step(bar);
    return this.value;
  }

  step(bar: Readonly<BarView>): void {
    if (this.seen < this.period) {
      this.warm(bar);
      return;
    }
    const h = bar.high;
    const l = bar.low;
    const pc = this.prevClose;
    // TR as max(h, prevClose) - min(l, prevClose): the same subtraction as the largest of the three
    // ranges (see warm). It selects by multiplying with 0/1 because a branch here is mispredicted
    // on about every other bar (finite x * 0 + y * 1 === y exactly).
    const above = Number(pc > h);
    const below = Number(pc < l);
    const tr = h * (1 - above) + pc * above - (l * (1 - below) + pc * below);
    this.prevClose = bar.close;
    this.current = this.current * this.keep + tr * this.inv;
  }

  reset(): void {
    this.current = NaN;
    this.seen = 0;
    this.prevClose = NaN;
    this.trSum = 0;
  }

  private warm(bar: Readonly<BarView>): void {
    const pc = this.prevClose;
    const h = bar.high;
    const l = bar.low;
    this.trSum += this.seen === 0 ? h - l : Math.max(h - l, Math.abs(h - pc), Math.abs(l - pc));
    this.prevClose = bar.close;
    if (++this.seen === this.period) this.current = this.trSum / this.period;
  }
}

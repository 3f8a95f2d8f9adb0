import type { BarView } from "../core/bars.ts";
import type { StreamingIndicator } from "./indicator.ts";

/**
 * Wilder's Relative Strength Index of the close (Wilder 1978, "New Concepts in Technical Trading
 * Systems"). A bar's change is close - previous close; gains and losses (as positive numbers) are
 * averaged: the first averages are the plain means of the first `period` changes (available on the
 * bar after `period` changes, i.e. the (period + 1)-th close), then each average becomes
 * (previous x (period - 1) + today's) / period. RSI = 100 - 100 / (1 + avgGain / avgLoss), which is
 * 100 when the average loss is 0 (also when both are 0: a flat series has no losses; Wilder leaves
 * that case open and charting packages differ, 100 is the "no down move" reading).
 *
 * O(1) and allocation-free per bar (Atr's hot-path layout: `step`/`stepClose` write the numeric
 * `current` field). Not session-scoped: a daily RSI runs across sessions by design.
 */
export class Rsi implements StreamingIndicator {
  readonly name: string;
  /** Closes needed before the first value: `period` changes need period + 1 closes. */
  readonly warmupBars: number;
  /** Latest RSI (0..100), NaN while warming up. */
  current = NaN;
  private seen = 0;
  private prevClose = NaN;
  private avgGain = 0;
  private avgLoss = 0;
  private readonly keep: number;
  private readonly inv: number;

  constructor(readonly period = 14) {
    if (!Number.isInteger(period) || period < 1) throw new Error(`RSI period must be a positive integer (got ${period})`);
    this.name = `rsi(${period})`;
    this.warmupBars = period + 1;
    this.keep = period - 1;
    this.inv = 1 / period;
  }

  get value(): number | null {
    return this.seen > this.period ? this.current : null;
  }

  update(bar: Readonly<BarView>): number | null {
    this.stepClose(bar.close);
    return this.value;
  }

  step(bar: Readonly<BarView>): void {
    this.stepClose(bar.close);
  }

  /** Takes one close (the reference backtester feeds closes without a BarView). */
  stepClose(close: number): void {
    const change = close - this.prevClose;
    this.prevClose = close;
    const n = this.seen++;
    if (n === 0) return;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    if (n <= this.period) {
      // Seed: sums of the first `period` changes, divided once they are all in.
      this.avgGain += gain;
      this.avgLoss += loss;
      if (n < this.period) return;
      this.avgGain *= this.inv;
      this.avgLoss *= this.inv;
    } else {
      this.avgGain = (this.avgGain * this.keep + gain) * this.inv;
      this.avgLoss = (this.avgLoss * this.keep + loss) * this.inv;
    }
    this.current = this.avgLoss === 0 ? 100 : 100 - 100 / (1 + this.avgGain / this.avgLoss);
  }

  reset(): void {
    this.current = NaN;
    this.seen = 0;
    this.prevClose = NaN;
    this.avgGain = 0;
    this.avgLoss = 0;
  }
}

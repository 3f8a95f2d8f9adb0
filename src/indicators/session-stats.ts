import type { BarView } from "../core/bars.ts";
import type { StreamingIndicator } from "./indicator.ts";

/**
 * Running statistics of the current New York session: open (first bar's open), high, low, and
 * the low BEFORE the current bar, which is the support a new low breaks. Everything restarts
 * when `bar.etDay` changes. Which bars form a session (regular hours only or not) is the
 * caller's choice: this sees only the bars it is given.
 *
 * `update` returns the session low including the current bar (the strategy's "support"), so
 * the indicator is valid from a session's first bar on.
 */
export class SessionStats implements StreamingIndicator {
  readonly name = "session";
  readonly warmupBars = 1;
  /** Session key of the last bar; -1 before any bar. */
  etDay = -1;
  /** Bars seen in the current session. */
  bars = 0;
  open = NaN;
  high = NaN;
  low = NaN;
  /** Session low before the current bar; NaN on the session's first bar. */
  priorLow = NaN;

  get value(): number | null {
    return this.bars > 0 ? this.low : null;
  }

  update(bar: Readonly<BarView>): number {
    this.step(bar);
    return this.low;
  }

  /** `update` without the return; the session start kept out of line (see Atr.step). */
  step(bar: Readonly<BarView>): void {
    if (bar.etDay !== this.etDay) {
      this.start(bar);
      return;
    }
    this.bars++;
    this.priorLow = this.low;
    if (bar.high > this.high) this.high = bar.high;
    if (bar.low < this.low) this.low = bar.low;
  }

  reset(): void {
    this.etDay = -1;
    this.bars = 0;
    this.open = NaN;
    this.high = NaN;
    this.low = NaN;
    this.priorLow = NaN;
  }

  private start(bar: Readonly<BarView>): void {
    this.etDay = bar.etDay;
    this.bars = 1;
    this.open = bar.open;
    this.high = bar.high;
    this.low = bar.low;
    this.priorLow = NaN;
  }
}

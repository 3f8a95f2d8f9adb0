import type { BarView } from "../core/bars.ts";
import type { StreamingIndicator } from "./indicator.ts";

/**
 * Day change in percent: (close - session open) / session open x 100, where the session open is
 * the open of the first bar this indicator saw with the current `etDay` (it restarts by itself).
 */
export class DayChange implements StreamingIndicator {
  readonly name = "day_change_pct";
  readonly warmupBars = 1;
  /** Latest value, NaN before the first bar. */
  current = NaN;
  private etDay = -1;
  private open = NaN;

  get value(): number | null {
    return this.etDay >= 0 ? this.current : null;
  }

  update(bar: Readonly<BarView>): number {
    this.step(bar);
    return this.current;
  }

  /** `update` without the return; the session start kept out of line (see Atr.step). */
  step(bar: Readonly<BarView>): void {
    if (bar.etDay !== this.etDay) this.start(bar);
    // Spelled exactly as the definition: thresholds like -15% are compared against this value.
    this.current = ((bar.close - this.open) / this.open) * 100;
  }

  reset(): void {
    this.current = NaN;
    this.etDay = -1;
    this.open = NaN;
  }

  private start(bar: Readonly<BarView>): void {
    this.etDay = bar.etDay;
    this.open = bar.open;
  }
}

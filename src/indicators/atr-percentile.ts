import type { BarView } from "../core/bars.ts";
import type { StreamingIndicator } from "./indicator.ts";
import { Atr } from "./atr.ts";

export interface AtrPercentileOptions {
  /** ATR values ranked against (390 = one regular session of 1-minute bars). */
  readonly window?: number;
  /** Period of the ATR this builds when `atr` is not given. */
  readonly atrPeriod?: number;
  /**
   * An ATR the caller already updates on every bar, to rank without computing it twice. The
   * caller then calls `sample()` after each of that ATR's updates instead of `update(bar)`.
   */
  readonly atr?: Atr;
  /** ATR values needed before a rank means anything (default 30); fewer gives null / NaN. */
  readonly minSamples?: number;
}

/**
 * Percentile rank (0..100] of the latest ATR among the last `window` ATR values, itself included:
 * 100 x (values <= latest) / values held.
 *
 * An exact rank costs at least O(log N) per value and the rank is only read at signal time, so
 * the work is split: `sample()` is the O(1), allocation-free per-bar ingest (a ring-buffer write),
 * and the rank is computed lazily, in one O(window) pass, on the first `percentile()` / `value`
 * read after a sample, then cached until the next sample. SymbolIndicators works that way.
 * `update(bar)` is the standalone StreamingIndicator face: it steps its own ATR, samples, and
 * returns the rank, so it pays the O(window) pass on every call.
 */
export class AtrPercentile implements StreamingIndicator {
  readonly name: string;
  readonly warmupBars: number;
  readonly window: number;
  readonly minSamples: number;
  private readonly atr: Atr;
  private readonly ring: Float64Array;
  private idx = 0;
  private count = 0;
  private cached = NaN;
  private stale = false;

  constructor(opts: AtrPercentileOptions = {}) {
    const window = opts.window ?? 390;
    if (!Number.isInteger(window) || window < 1) throw new Error(`ATR percentile window must be a positive integer (got ${window})`);
    const minSamples = Math.min(window, opts.minSamples ?? 30);
    if (!Number.isInteger(minSamples) || minSamples < 1) throw new Error(`minSamples must be a positive integer (got ${minSamples})`);
    this.window = window;
    this.minSamples = minSamples;
    this.atr = opts.atr ?? new Atr(opts.atrPeriod ?? 14);
    this.ring = new Float64Array(window);
    this.name = `atr_percentile(${this.atr.period},${window})`;
    this.warmupBars = this.atr.period + minSamples - 1;
  }

  /** Takes the ATR's current value (O(1)); ignored while the ATR is still warming up. */
  sample(): void {
    const a = this.atr.current;
    if (!(a === a)) return;
    const i = this.idx;
    this.ring[i] = a;
    this.idx = i + 1 === this.window ? 0 : i + 1;
    if (this.count < this.window) this.count++;
    this.stale = true;
  }

  /** Rank of the latest sample; NaN while fewer than `minSamples` samples are held. */
  percentile(): number {
    if (!this.stale) return this.cached;
    this.stale = false;
    const n = this.count;
    if (n < this.minSamples) return (this.cached = NaN);
    const ring = this.ring;
    const latest = ring[this.idx === 0 ? this.window - 1 : this.idx - 1];
    let le = 0;
    // Branch-free count: whether a value is below the latest is a coin flip.
    for (let k = 0; k < n; k++) le += Number(ring[k] <= latest);
    return (this.cached = (100 * le) / n);
  }

  /** Latest ATR / mean ATR of the window (the volatility layer's ratio); NaN below minSamples. O(window), read at signal time. */
  ratioToMean(): number {
    const n = this.count;
    if (n < this.minSamples) return NaN;
    const ring = this.ring;
    let sum = 0;
    for (let k = 0; k < n; k++) sum += ring[k];
    const latest = ring[this.idx === 0 ? this.window - 1 : this.idx - 1];
    return sum > 0 ? (latest * n) / sum : NaN;
  }

  get value(): number | null {
    const p = this.percentile();
    return p === p ? p : null;
  }

  update(bar: Readonly<BarView>): number | null {
    this.atr.step(bar);
    this.sample();
    return this.value;
  }

  reset(): void {
    this.atr.reset();
    this.ring.fill(0);
    this.idx = 0;
    this.count = 0;
    this.cached = NaN;
    this.stale = false;
  }
}

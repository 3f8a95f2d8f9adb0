import type { BarBatch, BarSeries, BarSource } from "../core/bars.ts";
import { NyTime, etToUtcMs } from "../core/ny-time.ts";
import { sessionOf } from "../core/market-calendar.ts";
import { lowerBound } from "./day-range.ts";
import { seriesSource } from "./merge-source.ts";

/** A MergedBars' columns in shared memory: posted to worker threads, they are shared, not copied. */
export interface SharedMergedBars {
  readonly symbols: readonly string[];
  readonly cols: BarBatch;
}

/**
 * Every bar of a set of series merged ONCE into the engine's time order (the order
 * {@link seriesSource} yields: time, then series index). Runs over many time windows of the same
 * bars (walk-forward folds, experiment variants) then neither merge again nor copy: a window is
 * a contiguous range of this store, served as typed-array views. Bars of a window come in the
 * same order as merging the series sliced to that window, because the order is by time first.
 */
export class MergedBars {
  readonly symbols: readonly string[];
  readonly length: number;
  private readonly cols: BarBatch;

  private constructor(symbols: readonly string[], cols: BarBatch) {
    this.symbols = symbols;
    this.cols = cols;
    this.length = cols.length;
  }

  static fromSeries(series: readonly BarSeries[]): MergedBars {
    const total = series.reduce((a, s) => a + s.length, 0);
    const src = seriesSource(series, Math.max(1, total));
    const whole = src.nextBatch();
    const empty: BarBatch = { length: 0, symId: new Uint16Array(0), tMs: new Float64Array(0), open: new Float64Array(0), high: new Float64Array(0), low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0) };
    return new MergedBars(src.symbols, whole ?? empty);
  }

  /** The columns copied once into SharedArrayBuffers, for worker threads (see {@link MergedBars.fromShared}). */
  share(): SharedMergedBars {
    const n = this.length;
    const f64 = (src: Float64Array): Float64Array => {
      const a = new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8), 0, n);
      a.set(src.subarray(0, n));
      return a;
    };
    const symId = new Uint16Array(new SharedArrayBuffer(Math.max(1, n) * 2), 0, n);
    symId.set(this.cols.symId.subarray(0, n));
    const c = this.cols;
    return { symbols: [...this.symbols], cols: { length: n, symId, tMs: f64(c.tMs), open: f64(c.open), high: f64(c.high), low: f64(c.low), close: f64(c.close), volume: f64(c.volume) } };
  }

  /** Bars another thread shared; nothing is copied. */
  static fromShared(s: SharedMergedBars): MergedBars {
    return new MergedBars(s.symbols, s.cols);
  }

  /** Time of the first bar (NaN when empty). */
  get firstMs(): number {
    return this.length > 0 ? this.cols.tMs[0] : NaN;
  }

  /** Time of the last bar (NaN when empty). */
  get lastMs(): number {
    return this.length > 0 ? this.cols.tMs[this.length - 1] : NaN;
  }

  /** Index of the first bar at or after `tMs` (length when none). */
  indexAt(tMs: number): number {
    return lowerBound(this.cols.tMs, tMs, 0, this.length);
  }

  /**
   * New York trading days in the data: days the calendar gives a session (early closes
   * included) with at least one bar of any symbol inside it, as etDay numbers, ascending. The
   * engine trades exactly these days (a daily bar counts for its session), so a holiday in generated data (which knows no holidays)
   * is no day here either.
   */
  tradingDays(): number[] {
    if (this.length === 0) return [];
    const ny = new NyTime();
    const t = this.cols.tMs;
    const days: number[] = [];
    for (let d = ny.etDay(t[0]), last = ny.etDay(t[this.length - 1]); d <= last; d++) {
      const s = sessionOf(d);
      if (s === null) continue;
      const a = lowerBound(t, etToUtcMs(d, s.openMinute), 0, this.length);
      if (a < this.length && t[a] < etToUtcMs(d, s.closeMinute)) days.push(d);
      // A daily bar (stamped 00:00 New York of its session, as Alpaca stamps it) makes a trading day too.
      else if (this.has(etToUtcMs(d, 0))) days.push(d);
    }
    return days;
  }

  private has(tMs: number): boolean {
    const i = lowerBound(this.cols.tMs, tMs, 0, this.length);
    return i < this.length && this.cols.tMs[i] === tMs;
  }

  /** The bars with fromMs <= t < toMs as a source of views (no copy); `batchSize` bars per batch. */
  window(fromMs: number, toMs: number, batchSize = 1 << 16): BarSource {
    const a = this.indexAt(fromMs);
    const b = Math.max(a, this.indexAt(toMs));
    return this.rangeSource(a, b, batchSize);
  }

  private rangeSource(a: number, b: number, batchSize: number): BarSource {
    const c = this.cols;
    let pos = a;
    return {
      symbols: this.symbols,
      totalBars: b - a,
      nextBatch(): BarBatch | null {
        if (pos >= b) return null;
        const end = Math.min(b, pos + batchSize);
        const batch: BarBatch = {
          length: end - pos,
          symId: c.symId.subarray(pos, end),
          tMs: c.tMs.subarray(pos, end),
          open: c.open.subarray(pos, end),
          high: c.high.subarray(pos, end),
          low: c.low.subarray(pos, end),
          close: c.close.subarray(pos, end),
          volume: c.volume.subarray(pos, end),
        };
        pos = end;
        return batch;
      },
      close(): void {
        pos = b;
      },
    };
  }
}

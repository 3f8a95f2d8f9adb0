/**
 * Columnar bar storage. Bars never exist as one object per bar in the hot path: a backtest walks
 * typed arrays, and the engine exposes the current bar through one reused {@link BarView}.
 * Times are epoch milliseconds (UTC); prices in USD; volume in shares.
 */

/** One symbol's bars, time-ascending, strictly increasing `tMs`. */
export interface BarSeries {
  readonly symbol: string;
  readonly length: number;
  readonly tMs: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/**
 * A slice of the merged multi-symbol stream in time order (ties broken by symbol id).
 * `symId[i]` indexes the owning source's `symbols`. Arrays may be longer than `length`
 * (buffers are reused between batches); only `[0, length)` is valid.
 */
export interface BarBatch {
  length: number;
  readonly symId: Uint16Array;
  readonly tMs: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** A pull-based stream of merged bars. A batch is only valid until the next call to `nextBatch`. */
export interface BarSource {
  readonly symbols: readonly string[];
  /** Total bars the source will yield, when known up front (for progress bars). */
  readonly totalBars: number | null;
  nextBatch(): BarBatch | null;
  close?(): void;
}

/** The bar the engine is looking at, plus its New York session coordinates. Mutated in place. */
export interface BarView {
  symId: number;
  tMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Days since 1970-01-01 in America/New_York local time: the session key. */
  etDay: number;
  /** Minutes since local midnight in America/New_York (570 = 09:30). */
  etMinute: number;
}

export function createBarView(): BarView {
  return { symId: 0, tMs: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, etDay: 0, etMinute: 0 };
}

export function allocBatch(capacity: number): BarBatch {
  return {
    length: 0,
    symId: new Uint16Array(capacity),
    tMs: new Float64Array(capacity),
    open: new Float64Array(capacity),
    high: new Float64Array(capacity),
    low: new Float64Array(capacity),
    close: new Float64Array(capacity),
    volume: new Float64Array(capacity),
  };
}

/** Where and why an input row was refused. */
export interface RejectedRow {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/**
 * Counts refused input rows. Keeps every count but only the first `maxSamples` rows verbatim,
 * so a file of garbage cannot exhaust memory.
 */
export class RejectLog {
  count = 0;
  readonly byReason = new Map<string, number>();
  readonly samples: RejectedRow[] = [];
  constructor(readonly maxSamples = 1000) {}

  add(file: string, line: number, reason: string): void {
    this.count++;
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    if (this.samples.length < this.maxSamples) this.samples.push({ file, line, reason });
  }

  merge(other: RejectLog): void {
    this.count += other.count;
    for (const [r, n] of other.byReason) this.byReason.set(r, (this.byReason.get(r) ?? 0) + n);
    for (const s of other.samples) if (this.samples.length < this.maxSamples) this.samples.push(s);
  }

  toJSON(): { count: number; byReason: Record<string, number>; samples: RejectedRow[] } {
    return { count: this.count, byReason: Object.fromEntries(this.byReason), samples: this.samples };
  }
}

import type { BarBatch, BarSource } from "../core/bars.ts";
import { lowerBound } from "./day-range.ts";

export interface TapOptions {
  /** First instant kept (inclusive); bars before it are skipped. */
  readonly fromMs?: number;
  /** First instant dropped (exclusive); bars at or after it are skipped. */
  readonly toMs?: number;
  /**
   * Sees each batch after the consumer is done with it (when the consumer asks for the next one,
   * or at the end). A listener therefore always runs behind the consumer: whatever the consumer
   * decided on a bar was decided before the listener saw that bar.
   */
  readonly onConsumed: (batch: BarBatch) => void;
}

/**
 * `source` restricted to [fromMs, toMs) with a listener behind the consumer. Batches are in time
 * order, so the bars in range are one contiguous run of each batch, served as views (no copy).
 */
export function tappedSource(source: BarSource, opts: TapOptions): BarSource {
  const fromMs = opts.fromMs ?? -Infinity;
  const toMs = opts.toMs ?? Infinity;
  const whole = fromMs === -Infinity && toMs === Infinity;
  let pending: BarBatch | null = null;
  let done = false;

  function flush(): void {
    if (pending !== null && pending.length > 0) opts.onConsumed(pending);
    pending = null;
  }

  function next(): BarBatch | null {
    for (;;) {
      const b = source.nextBatch();
      if (b === null) return null;
      if (whole) return b;
      const t = b.tMs;
      const a = lowerBound(t, fromMs, 0, b.length);
      const e = lowerBound(t, toMs, a, b.length);
      if (a === 0 && e === b.length) return b;
      if (a < e) return viewOf(b, a, e);
      // A bar at or past toMs: nothing later can be in the window.
      if (e < b.length) return null;
    }
  }

  return {
    symbols: source.symbols,
    totalBars: whole ? source.totalBars : null,
    nextBatch(): BarBatch | null {
      flush();
      if (done) return null;
      const b = next();
      if (b === null) {
        done = true;
        source.close?.();
      }
      pending = b;
      return b;
    },
    close(): void {
      flush();
      done = true;
      source.close?.();
    },
  };
}

function viewOf(b: BarBatch, a: number, e: number): BarBatch {
  return {
    length: e - a,
    symId: b.symId.subarray(a, e),
    tMs: b.tMs.subarray(a, e),
    open: b.open.subarray(a, e),
    high: b.high.subarray(a, e),
    low: b.low.subarray(a, e),
    close: b.close.subarray(a, e),
    volume: b.volume.subarray(a, e),
  };
}

import type { BarSeries } from "../../src/core/bars.ts";

/** 2024-01-02 09:30 New York (EST), a Tuesday. */
export const OPEN_MS = Date.UTC(2024, 0, 2, 14, 30);
export const MIN = 60_000;

/** A series from [open, high, low, close] rows, one per minute from `startMs`. */
export function series(symbol: string, rows: readonly (readonly [number, number, number, number])[], startMs = OPEN_MS): BarSeries {
  const col = (k: number): Float64Array => Float64Array.from(rows, (r) => r[k]);
  return {
    symbol,
    length: rows.length,
    tMs: Float64Array.from(rows, (_r, i) => startMs + i * MIN),
    open: col(0),
    high: col(1),
    low: col(2),
    close: col(3),
    volume: Float64Array.from(rows, () => 1000),
  };
}

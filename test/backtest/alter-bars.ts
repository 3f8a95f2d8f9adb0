import type { BarSeries } from "../../src/core/bars.ts";
import { SeededRng } from "../../src/core/rng.ts";

/** Copies of `series` with every bar at or after `T` (every symbol) rewritten as a different, still valid bar. */
export function scrambleFrom(series: readonly BarSeries[], T: number, seed: number): BarSeries[] {
  const rng = new SeededRng(seed);
  return series.map((s) => {
    const c = { symbol: s.symbol, length: s.length, tMs: s.tMs.slice(), open: s.open.slice(), high: s.high.slice(), low: s.low.slice(), close: s.close.slice(), volume: s.volume.slice() };
    for (let i = 0; i < c.length; i++) {
      if (c.tMs[i] < T) continue;
      const o = c.open[i] * (0.8 + 0.4 * rng.next());
      const cl = o * (0.9 + 0.2 * rng.next());
      c.open[i] = o;
      c.close[i] = cl;
      c.high[i] = Math.max(o, cl) * (1 + 0.02 * rng.next());
      c.low[i] = Math.min(o, cl) * (1 - 0.02 * rng.next());
      c.volume[i] = Math.round(c.volume[i] * 3 * rng.next());
    }
    return c;
  });
}

/** Copies of `series` keeping only the bars before `T`. */
export function truncateAt(series: readonly BarSeries[], T: number): BarSeries[] {
  return series.map((s) => {
    let n = 0;
    while (n < s.length && s.tMs[n] < T) n++;
    return { symbol: s.symbol, length: n, tMs: s.tMs.slice(0, n), open: s.open.slice(0, n), high: s.high.slice(0, n), low: s.low.slice(0, n), close: s.close.slice(0, n), volume: s.volume.slice(0, n) };
  });
}

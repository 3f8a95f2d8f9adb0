import type { BarSeries } from "../../src/core/bars.ts";
import { etToUtcMs, NyTime } from "../../src/core/ny-time.ts";

const ny = new NyTime();

/** The New York session number of an ISO date. */
export const sessionDay = (iso: string): number => ny.etDay(Date.parse(`${iso}T12:00:00Z`));

/** Daily bars stamped 00:00 New York of each date (Alpaca's stamp), closing at base, base+1, ... */
export function dailyBars(symbol: string, base: number, days: readonly string[]): BarSeries {
  const t = days.map((d) => etToUtcMs(sessionDay(d), 0));
  const c = days.map((_d, i) => base + i);
  return {
    symbol,
    length: t.length,
    tMs: Float64Array.from(t),
    open: Float64Array.from(c, (x) => x - 0.5),
    high: Float64Array.from(c, (x) => x + 1),
    low: Float64Array.from(c, (x) => x - 1),
    close: Float64Array.from(c),
    volume: Float64Array.from(c, () => 1e6),
  };
}

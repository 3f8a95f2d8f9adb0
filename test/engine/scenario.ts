import { allocBatch, type BarBatch } from "../../src/core/bars.ts";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";

/** A hand-written bar: [open, high, low, close, volume]. */
export type Ohlcv = readonly [number, number, number, number, number];

/** Builds a one-symbol batch of consecutive regular-hours minutes starting at an ET time. */
export function sessionBatch(day: string, startEtMinute: number, bars: readonly Ohlcv[], symId = 0): BarBatch {
  const b = allocBatch(bars.length);
  const d = isoToEtDay(day);
  bars.forEach(([o, h, l, c, v], i) => {
    b.symId[i] = symId;
    b.tMs[i] = etToUtcMs(d, startEtMinute + i);
    b.open[i] = o;
    b.high[i] = h;
    b.low[i] = l;
    b.close[i] = c;
    b.volume[i] = v;
  });
  b.length = bars.length;
  return b;
}

/** A steady decline from `from` to `to` over n bars: each bar opens, sells off 1 step, new lows every bar. */
export function decline(from: number, to: number, n: number, volume = 1000): Ohlcv[] {
  const step = (from - to) / n;
  const out: Ohlcv[] = [];
  for (let i = 0; i < n; i++) {
    const o = from - i * step;
    const c = o - step;
    out.push([r(o), r(o + 0.01), r(c - 0.01), r(c), volume]);
  }
  return out;
}

/** A steady rise from `from` to `to` over n bars. */
export function rise(from: number, to: number, n: number, volume = 1000): Ohlcv[] {
  const step = (to - from) / n;
  const out: Ohlcv[] = [];
  for (let i = 0; i < n; i++) {
    const o = from + i * step;
    const c = o + step;
    out.push([r(o), r(c + 0.01), r(o - 0.01), r(c), volume]);
  }
  return out;
}

export function flat(price: number, n: number, volume = 1000): Ohlcv[] {
  return Array.from({ length: n }, () => [price, r(price + 0.02), r(price - 0.02), price, volume] as const);
}

function r(x: number): number {
  return Math.round(x * 100) / 100;
}

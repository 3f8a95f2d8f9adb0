import type { BarSeries } from "../core/bars.ts";

/**
 * Split adjustment of raw daily bars. The daily files in ../shared/data are raw Alpaca bars
 * (`adjustment=raw`: "omitting the parameter still defaults to raw", Alpaca Market Data changelog
 * 2026-11-02 on GET /v2/stocks/bars), so a
 * 4:1 split shows as a 75% overnight "crash" (AAPL 2020-08-31: close 501.10, next open 128.00). A
 * daily strategy fed raw prices would read that as a collapse of RSI, and a backtest holding through
 * it would book a loss the holder never had (Alpaca multiplies the position's shares at a split).
 *
 * Detection: an overnight gap prevClose / open within 10% of an integer k >= 2 (or its reciprocal,
 * a reverse split) on a day whose volume is at least max(k/2, 1.5) times (at most the reciprocal for a reverse split) the mean of the
 * 5 sessions before it, since share counts scale with the split. Earlier bars are then divided by k
 * (volume multiplied), so prices are in today's shares. Dividends are not adjusted (no data for
 * them; a few tenths of a percent a year for these names). Every detected split is returned so a
 * person can check it against the corporate action calendar.
 */

/** One detected split: on `tMs` (the first bar in new shares), `ratio` new shares per old share (< 1 for a reverse split). */
export interface DetectedSplit {
  readonly symbol: string;
  readonly tMs: number;
  readonly ratio: number;
  /** The raw gap prevClose / open that matched. */
  readonly gap: number;
}

const MAX_RATIO = 50;
const TOLERANCE = 0.1;
const VOLUME_LOOKBACK = 5;
/** Least volume change a split must show (a 2:1 split doubles the share count traded). */
const MIN_VOLUME_SURGE = 1.5;

/** The split ratio a gap and a volume change match, or 0. */
export function matchSplit(prevClose: number, open: number, volume: number, meanVolumeBefore: number): number {
  if (!(prevClose > 0 && open > 0)) return 0;
  const gap = prevClose / open;
  const forward = gap >= 1;
  const k = Math.round(forward ? gap : 1 / gap);
  if (k < 2 || k > MAX_RATIO) return 0;
  const off = (forward ? gap : 1 / gap) / k - 1;
  if (Math.abs(off) > TOLERANCE) return 0;
  const volRatio = meanVolumeBefore > 0 ? volume / meanVolumeBefore : NaN;
  // Without a volume history the gap alone decides (the first days of a file).
  const surge = Math.max(MIN_VOLUME_SURGE, k / 2);
  if (Number.isFinite(volRatio) && (forward ? volRatio < surge : volRatio > 1 / surge)) return 0;
  return forward ? k : 1 / k;
}

/** Returns the series in current shares (a copy when a split was found, the input otherwise) and the splits found. */
export function adjustSplits(s: BarSeries): { series: BarSeries; splits: DetectedSplit[] } {
  const splits: DetectedSplit[] = [];
  const factorAt: number[] = [];
  for (let i = 1; i < s.length; i++) {
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - VOLUME_LOOKBACK); j < i; j++, n++) sum += s.volume[j];
    const k = matchSplit(s.close[i - 1], s.open[i], s.volume[i], n > 0 ? sum / n : NaN);
    if (k !== 0) {
      splits.push({ symbol: s.symbol, tMs: s.tMs[i], ratio: k, gap: s.close[i - 1] / s.open[i] });
      factorAt[i] = k;
    }
  }
  if (splits.length === 0) return { series: s, splits };
  const open = new Float64Array(s.length);
  const high = new Float64Array(s.length);
  const low = new Float64Array(s.length);
  const close = new Float64Array(s.length);
  const volume = new Float64Array(s.length);
  // Walk backwards, accumulating the product of the splits after each bar.
  let f = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    open[i] = s.open[i] / f;
    high[i] = s.high[i] / f;
    low[i] = s.low[i] / f;
    close[i] = s.close[i] / f;
    volume[i] = s.volume[i] * f;
    if (factorAt[i] !== undefined) f *= factorAt[i];
  }
  return { series: { symbol: s.symbol, length: s.length, tMs: s.tMs, open, high, low, close, volume }, splits };
}

import type { BarSeries, BarSource } from "../core/bars.ts";
import type { ExBar } from "./types.ts";

/** All symbols' bars that start at one minute. */
export interface MinuteBars {
  readonly tMs: number;
  readonly bars: readonly ExBar[];
}

/**
 * Walks bar input one minute at a time across symbols. Accepts in-memory series or a pull-based
 * source; the source is read batch by batch so a large data set is never held whole here.
 */
export class MinuteCursor {
  readonly symbols: readonly string[];
  private readonly series: readonly BarSeries[] | null;
  private readonly heads: number[] = [];
  private readonly source: BarSource | null;
  private pending: ExBar[] = [];
  private pendingPos = 0;
  private sourceDone = false;

  constructor(input: readonly BarSeries[] | BarSource) {
    if (isSource(input)) {
      this.series = null;
      this.source = input;
      this.symbols = [...input.symbols];
    } else {
      this.series = input;
      this.source = null;
      this.heads = input.map(() => 0);
      this.symbols = input.map((s) => s.symbol);
    }
  }

  next(): MinuteBars | null {
    return this.series ? this.nextFromSeries(this.series) : this.nextFromSource();
  }

  close(): void {
    this.source?.close?.();
  }

  private nextFromSeries(series: readonly BarSeries[]): MinuteBars | null {
    let t = Infinity;
    for (let k = 0; k < series.length; k++) {
      const i = this.heads[k];
      if (i < series[k].length && series[k].tMs[i] < t) t = series[k].tMs[i];
    }
    if (t === Infinity) return null;
    const bars: ExBar[] = [];
    for (let k = 0; k < series.length; k++) {
      const s = series[k];
      const i = this.heads[k];
      if (i < s.length && s.tMs[i] === t) {
        const bar: ExBar = { symbol: s.symbol, tMs: t, open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] };
        withExtras(bar, s as WithExtras, i);
        bars.push(bar);
        this.heads[k] = i + 1;
      }
    }
    return { tMs: t, bars };
  }

  private nextFromSource(): MinuteBars | null {
    if (this.pendingPos >= this.pending.length && !this.pull()) return null;
    const t = this.pending[this.pendingPos].tMs;
    const bars: ExBar[] = [];
    for (;;) {
      while (this.pendingPos < this.pending.length && this.pending[this.pendingPos].tMs === t) bars.push(this.pending[this.pendingPos++]);
      // The minute may continue in the next batch: only stop once a later bar is in hand.
      if (this.pendingPos < this.pending.length || !this.pull()) break;
    }
    return { tMs: t, bars };
  }

  /** Replaces the pending buffer with the next non-empty batch; false at the end. */
  private pull(): boolean {
    const src = this.source;
    if (!src || this.sourceDone) return false;
    for (;;) {
      const b = src.nextBatch();
      if (!b) {
        this.sourceDone = true;
        return false;
      }
      if (b.length === 0) continue;
      const out: ExBar[] = new Array<ExBar>(b.length);
      for (let i = 0; i < b.length; i++) {
        out[i] = { symbol: src.symbols[b.symId[i]], tMs: b.tMs[i], open: b.open[i], high: b.high[i], low: b.low[i], close: b.close[i], volume: b.volume[i] };
        withExtras(out[i], b as WithExtras, i);
      }
      this.pending = out;
      this.pendingPos = 0;
      return true;
    }
  }
}

function isSource(x: readonly BarSeries[] | BarSource): x is BarSource {
  return typeof (x as BarSource).nextBatch === "function";
}

/**
 * Optional columns a bar input may carry: Alpaca's trade count (`n`) and vwap (`vw`), as the
 * 1-min CSVs hold them (trade_count, vwap). The core loader does not keep them today; when it
 * does (under these names), the exchange serves them.
 */
interface WithExtras {
  readonly tradeCount?: Float64Array;
  readonly vwap?: Float64Array;
}

function withExtras(bar: ExBar, cols: WithExtras, i: number): void {
  const n = cols.tradeCount?.[i];
  const vw = cols.vwap?.[i];
  if (n !== undefined && Number.isFinite(n)) bar.tradeCount = n;
  if (vw !== undefined && Number.isFinite(vw)) bar.vwap = vw;
}

import type { ExBar } from "./types.ts";

/**
 * The bars the exchange has replayed so far, for its REST bars endpoint. Columns of doubles per
 * symbol, not one object per bar: a month of 20 symbols is 160,000 bars, and as objects (each
 * price a boxed number) that alone held some 20 MB of the daemon's heap when the exchange runs
 * inside it. Bars arrive in time order per symbol, so a range is a binary search.
 */
export class BarHistory {
  private readonly bySymbol = new Map<string, SymbolColumns>();

  constructor(symbols: readonly string[]) {
    for (const s of symbols) this.bySymbol.set(s, new SymbolColumns());
  }

  push(b: ExBar): void {
    this.bySymbol.get(b.symbol)?.push(b);
  }

  has(symbol: string): boolean {
    return this.bySymbol.has(symbol);
  }

  /** The symbol's bars with start time in [fromMs, toMs], oldest first, as new objects. */
  range(symbol: string, fromMs: number, toMs: number): ExBar[] {
    return this.bySymbol.get(symbol)?.range(symbol, fromMs, toMs) ?? [];
  }
}

class SymbolColumns {
  private len = 0;
  private t = new Float64Array(1024);
  private o = new Float64Array(1024);
  private h = new Float64Array(1024);
  private l = new Float64Array(1024);
  private c = new Float64Array(1024);
  private v = new Float64Array(1024);
  /** trade count and vwap; NaN when the data has none. */
  private n = new Float64Array(1024);
  private vw = new Float64Array(1024);

  push(b: ExBar): void {
    if (this.len === this.t.length) this.grow();
    const i = this.len++;
    this.t[i] = b.tMs;
    this.o[i] = b.open;
    this.h[i] = b.high;
    this.l[i] = b.low;
    this.c[i] = b.close;
    this.v[i] = b.volume;
    this.n[i] = b.tradeCount ?? NaN;
    this.vw[i] = b.vwap ?? NaN;
  }

  range(symbol: string, fromMs: number, toMs: number): ExBar[] {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid] < fromMs) lo = mid + 1;
      else hi = mid;
    }
    const out: ExBar[] = [];
    for (let i = lo; i < this.len && this.t[i] <= toMs; i++) {
      const bar: ExBar = { symbol, tMs: this.t[i], open: this.o[i], high: this.h[i], low: this.l[i], close: this.c[i], volume: this.v[i] };
      if (!Number.isNaN(this.n[i])) bar.tradeCount = this.n[i];
      if (!Number.isNaN(this.vw[i])) bar.vwap = this.vw[i];
      out.push(bar);
    }
    return out;
  }

  private grow(): void {
    const size = this.t.length * 2;
    const up = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.t = up(this.t);
    this.o = up(this.o);
    this.h = up(this.h);
    this.l = up(this.l);
    this.c = up(this.c);
    this.v = up(this.v);
    this.n = up(this.n);
    this.vw = up(this.vw);
  }
}

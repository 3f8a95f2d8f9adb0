import type { BarBatch } from "../core/bars.ts";
import type { StrategySlot } from "../core/strategy.ts";
import type { Engine } from "../engine/engine.ts";

/** One held bar of history. */
interface Held {
  readonly sym: number;
  readonly t: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
}

/**
 * A backtest's warm-up, as the daemon's (src/daemon/warm-up.ts): the bars before `fromMs` are
 * history, not run. Of a symbol whose strategy declares warmupBars(n), its last n bars before
 * `fromMs` go to engine.warmUp just before the first bar of the run; every other bar before
 * `fromMs` is dropped (a strategy without a warm-up starts cold, as it does in the daemon).
 */
export class BacktestWarmUp {
  private readonly need: number[];
  private readonly held: Held[][];
  private flushed = false;

  constructor(
    private readonly engine: Engine<unknown>,
    symbols: readonly string[],
    slots: readonly StrategySlot[],
    private readonly fromMs: number,
  ) {
    const bySymbol = new Map<string, number>();
    for (const s of slots) for (const sym of s.symbols) bySymbol.set(sym, s.warmupBars ?? 0);
    this.need = symbols.map((s) => bySymbol.get(s) ?? 0);
    this.held = symbols.map(() => []);
  }

  /** Feeds a batch: history is held, the run's bars go to the engine (the held history first). */
  run(b: BarBatch): void {
    if (this.flushed) {
      this.engine.runBatch(b);
      return;
    }
    const { symId, tMs, open, high, low, close, volume } = b;
    for (let i = 0; i < b.length; i++) {
      const t = tMs[i];
      if (this.flushed || t >= this.fromMs) {
        if (!this.flushed) this.flush();
        this.engine.onBar(symId[i], t, open[i], high[i], low[i], close[i], volume[i]);
        continue;
      }
      const n = this.need[symId[i]];
      if (n <= 0) continue;
      const list = this.held[symId[i]];
      list.push({ sym: symId[i], t, o: open[i], h: high[i], l: low[i], c: close[i], v: volume[i] });
      if (list.length > n) list.shift();
    }
  }

  /** Bars fed to warmUp (after the first bar of the run, or the end). */
  get fed(): number {
    return this.engine.warmedUp;
  }

  /** Hands the held history to the engine, in time order (once). Called by the first bar of the run, or at the end. */
  flush(): void {
    if (this.flushed) return;
    this.flushed = true;
    const all = this.held.flat().sort((a, b) => a.t - b.t || a.sym - b.sym);
    for (const x of all) this.engine.warmUp(x.sym, x.t, x.o, x.h, x.l, x.c, x.v);
    for (const list of this.held) list.length = 0;
  }
}

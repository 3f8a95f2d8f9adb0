import type { BarView } from "../core/bars.ts";
import type { SymbolSnapshot } from "../core/snapshot.ts";
import { Adx } from "./adx.ts";
import { Atr } from "./atr.ts";
import { AtrPercentile } from "./atr-percentile.ts";
import { DayChange } from "./day-change.ts";
import { Momentum } from "./momentum.ts";
import { SessionStats } from "./session-stats.ts";
import { TrendStrength } from "./trend-strength.ts";
import { VolumeAverage } from "./volume-average.ts";

/** Periods of the per-symbol indicators; every key has the SPEC default. */
export interface IndicatorOptions {
  readonly atrPeriod?: number;
  readonly volumeAvgPeriod?: number;
  readonly atrPercentileWindow?: number;
  readonly atrPercentileMinSamples?: number;
  readonly trendWindow?: number;
  readonly adxPeriod?: number;
  /** Longest momentum lookback in bars (the entry features read 5, 15, 30 and 60). */
  readonly momentumLookback?: number;
}

/**
 * All indicators of one symbol behind one `update(bar)`, exposing the values a strategy reads as
 * plain numeric fields (NaN while warming up). This is the per-bar hot path, so the shape is
 * fixed at construction (every field initialised in the constructor, numbers only), the
 * sub-indicators are concrete classes (monomorphic call sites), and the snapshot's values are
 * getters over their numeric `current` fields (see Atr for why `step`/`current`).
 *
 * `atrPercentile` and `atrRatio` are O(window): computed on first read after a bar (and cached),
 * which in practice means only at signal time.
 */
export class SymbolIndicators implements SymbolSnapshot {
  private readonly sessionInd: SessionStats;
  private readonly dayChangeInd: DayChange;
  private readonly atrInd: Atr;
  private readonly atrPctInd: AtrPercentile;
  private readonly volumeInd: VolumeAverage;
  private readonly trendInd: TrendStrength;
  private readonly adxInd: Adx;
  private readonly momentumInd: Momentum;

  constructor(
    readonly symbol: string,
    opts: IndicatorOptions = {},
  ) {
    this.sessionInd = new SessionStats();
    this.dayChangeInd = new DayChange();
    this.atrInd = new Atr(opts.atrPeriod ?? 14);
    this.atrPctInd = new AtrPercentile({
      window: opts.atrPercentileWindow ?? 390,
      atr: this.atrInd,
      minSamples: opts.atrPercentileMinSamples,
    });
    this.volumeInd = new VolumeAverage(opts.volumeAvgPeriod ?? 20);
    this.trendInd = new TrendStrength(opts.trendWindow ?? 20);
    this.adxInd = new Adx(opts.adxPeriod ?? 14);
    this.momentumInd = new Momentum(opts.momentumLookback ?? 60);
  }

  // The snapshot reads straight through to the sub-indicators. Copying every value into fields of
  // this object on each bar cost a boxed-double write per field per bar (V8 keeps double fields
  // as heap numbers); getters on a monomorphic receiver inline to the same single load.
  get etDay(): number {
    return this.sessionInd.etDay;
  }
  get sessionBars(): number {
    return this.sessionInd.bars;
  }
  get sessionOpen(): number {
    return this.sessionInd.open;
  }
  get sessionHigh(): number {
    return this.sessionInd.high;
  }
  get sessionLow(): number {
    return this.sessionInd.low;
  }
  get priorSessionLow(): number {
    return this.sessionInd.priorLow;
  }
  get dayChangePct(): number {
    return this.dayChangeInd.current;
  }
  get atr(): number {
    return this.atrInd.current;
  }
  get volumeAvg(): number {
    return this.volumeInd.current;
  }
  get trendStrength(): number {
    return this.trendInd.current;
  }
  get adx(): number {
    return this.adxInd.current;
  }

  get atrPercentile(): number {
    return this.atrPctInd.percentile();
  }

  /** Return in % over the last `bars` bars (up to momentumLookback); NaN until that many bars were seen. */
  momentumPct(bars: number): number {
    return this.momentumInd.returnPct(bars);
  }

  /** ATR / its mean over the percentile window: the volatility layer's input. Lazy, like the rank. */
  get atrRatio(): number {
    return this.atrPctInd.ratioToMean();
  }

  update(bar: Readonly<BarView>): void {
    this.sessionInd.step(bar);
    this.dayChangeInd.step(bar);
    this.atrInd.step(bar);
    this.atrPctInd.sample();
    this.volumeInd.step(bar);
    this.trendInd.step(bar);
    this.adxInd.step(bar);
    this.momentumInd.step(bar);
  }

  reset(): void {
    this.sessionInd.reset();
    this.dayChangeInd.reset();
    this.atrInd.reset();
    this.atrPctInd.reset();
    this.volumeInd.reset();
    this.trendInd.reset();
    this.adxInd.reset();
    this.momentumInd.reset();
  }
}

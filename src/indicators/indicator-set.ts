import type { BarView } from "../core/bars.ts";
import type { SymbolSnapshot } from "../core/snapshot.ts";
import { Adx } from "./adx.ts";
import { Atr } from "./atr.ts";
import { AtrPercentile } from "./atr-percentile.ts";
import { DayChange } from "./day-change.ts";
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
}

/**
 * All indicators of one symbol behind one `update(bar)`, exposing the values a strategy reads as
 * plain numeric fields (NaN while warming up). This is the per-bar hot path, so the shape is
 * fixed at construction (every field initialised in the constructor, numbers only), the
 * sub-indicators are concrete classes (monomorphic call sites), and values are copied from their
 * numeric `current` fields after `step` (see Atr for why).
 *
 * `atrPercentile` is the one getter: ranking is O(window), so it is computed on first read after a
 * bar (and cached), which in practice means only at signal time.
 */
export class SymbolIndicators implements SymbolSnapshot {
  etDay = -1;
  sessionBars = 0;
  sessionOpen = NaN;
  sessionHigh = NaN;
  sessionLow = NaN;
  priorSessionLow = NaN;
  dayChangePct = NaN;
  atr = NaN;
  volumeAvg = NaN;
  trendStrength = NaN;
  adx = NaN;

  private readonly sessionInd: SessionStats;
  private readonly dayChangeInd: DayChange;
  private readonly atrInd: Atr;
  private readonly atrPctInd: AtrPercentile;
  private readonly volumeInd: VolumeAverage;
  private readonly trendInd: TrendStrength;
  private readonly adxInd: Adx;

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
  }

  get atrPercentile(): number {
    return this.atrPctInd.percentile();
  }

  /** ATR / its mean over the percentile window: the volatility layer's input. Lazy, like the rank. */
  get atrRatio(): number {
    return this.atrPctInd.ratioToMean();
  }

  update(bar: Readonly<BarView>): void {
    const s = this.sessionInd;
    s.step(bar);
    this.etDay = s.etDay;
    this.sessionBars = s.bars;
    this.sessionOpen = s.open;
    this.sessionHigh = s.high;
    this.sessionLow = s.low;
    this.priorSessionLow = s.priorLow;

    this.dayChangeInd.step(bar);
    this.dayChangePct = this.dayChangeInd.current;

    const atr = this.atrInd;
    atr.step(bar);
    this.atr = atr.current;
    this.atrPctInd.sample();

    this.volumeInd.step(bar);
    this.volumeAvg = this.volumeInd.current;
    this.trendInd.step(bar);
    this.trendStrength = this.trendInd.current;
    this.adxInd.step(bar);
    this.adx = this.adxInd.current;
  }

  reset(): void {
    this.sessionInd.reset();
    this.dayChangeInd.reset();
    this.atrInd.reset();
    this.atrPctInd.reset();
    this.volumeInd.reset();
    this.trendInd.reset();
    this.adxInd.reset();
    this.etDay = -1;
    this.sessionBars = 0;
    this.sessionOpen = NaN;
    this.sessionHigh = NaN;
    this.sessionLow = NaN;
    this.priorSessionLow = NaN;
    this.dayChangePct = NaN;
    this.atr = NaN;
    this.volumeAvg = NaN;
    this.trendStrength = NaN;
    this.adx = NaN;
  }
}

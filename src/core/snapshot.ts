/**
 * What a strategy may read about one symbol at the decision bar: values computed from that bar
 * and earlier bars only. Numbers are NaN while an indicator is warming up.
 */
export interface SymbolSnapshot {
  readonly symbol: string;
  /** Current session (ET day) of the last bar; -1 before any bar. */
  readonly etDay: number;
  /** Bars seen in the current session (regular hours only when so configured). */
  readonly sessionBars: number;
  readonly sessionOpen: number;
  readonly sessionHigh: number;
  readonly sessionLow: number;
  /** Session low BEFORE the current bar (the support a new low breaks); NaN on the first bar. */
  readonly priorSessionLow: number;
  /** (close - session open) / session open x 100. */
  readonly dayChangePct: number;
  /** ATR (Wilder) over the configured period. */
  readonly atr: number;
  /** Mean volume of the last N bars including the current one. */
  readonly volumeAvg: number;
  /** Percentile rank (0..100) of the current ATR among the recent ATR values. */
  readonly atrPercentile: number;
  /** ATR / its recent mean (> 1: more volatile than usual). */
  readonly atrRatio: number;
  /** Fraction (0..1) of the last N bars whose high exceeded the previous bar's high. */
  readonly trendStrength: number;
  /** ADX (Wilder, 14). */
  readonly adx: number;
}

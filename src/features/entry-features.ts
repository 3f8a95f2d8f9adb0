import type { Signal } from "../core/types.ts";
import type { SymbolSnapshot } from "../core/snapshot.ts";
import { ET_MINUTE, nyOffsetMs } from "../core/ny-time.ts";
import { ENTRY_FEATURE_NAMES, MOMENTUM_LOOKBACKS, SIGNAL_FEATURE_NAMES } from "./catalogue.ts";

/**
 * Entry-time feature values. Everything here is read at the decision bar's close from the signal
 * (built from that bar and earlier ones) and from indicator state updated with bars up to and
 * including that bar: no value can depend on a later bar (test/features proves it per feature).
 * Called once per signal, so a fresh array per call is fine; the per-bar work lives in the
 * indicators.
 */

/** Entry-time features by name; names travel with values so a model can check it got what it was trained on. */
export interface NamedFeatures {
  readonly names: readonly string[];
  readonly values: ArrayLike<number>;
}

/** What the features read from a symbol's indicators besides the signal (SymbolIndicators provides it). */
export interface FeatureSnapshot extends Pick<SymbolSnapshot, "atrPercentile" | "trendStrength" | "adx"> {
  /** Return in % over the last `bars` bars; NaN while unknown. */
  momentumPct(bars: number): number;
}

const MIN_MS = 60_000;
const DAY_MS = 86_400_000;

/** Minutes from 09:30 ET to the close of the bar starting at `barTimeMs` (the decision is at the close). */
export function minutesSinceOpen(barTimeMs: number): number {
  const local = barTimeMs + nyOffsetMs(barTimeMs);
  const minuteOfDay = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / MIN_MS);
  return minuteOfDay + 1 - ET_MINUTE.open;
}

/** Writes the signal-only features (SIGNAL_FEATURE_NAMES order) into `out` from `at`. */
function writeSignalFeatures(s: Signal, out: { [i: number]: number }, at: number): void {
  const price = s.refPriceUsd;
  out[at] = s.dayChangePct;
  // Candle features are the Bear Trap's (Signal.detail); another strategy's signal has none: NaN.
  out[at + 1] = s.detail.lowerWickRatio ?? NaN;
  out[at + 2] = s.detail.bodyRatio ?? NaN;
  out[at + 3] = s.detail.volumeRatio ?? NaN;
  out[at + 4] = price > 0 ? (s.atrUsd / price) * 100 : NaN;
  out[at + 5] = price > 0 ? ((price - (s.stopPriceUsd ?? NaN)) / price) * 100 : NaN;
  out[at + 6] = minutesSinceOpen(s.barTimeMs);
}

/** The signal-only features, SIGNAL_FEATURE_NAMES order (the confidence model's vector). */
export function signalFeatureValues(s: Signal): number[] {
  const out = new Array<number>(SIGNAL_FEATURE_NAMES.length);
  writeSignalFeatures(s, out, 0);
  return out;
}

const SIGNAL_COUNT = SIGNAL_FEATURE_NAMES.length;

/** Every entry feature (ENTRY_FEATURE_NAMES order) for a signal and its symbol's indicators at that bar. */
export function entryFeatures(s: Signal, snap: FeatureSnapshot): NamedFeatures {
  const v = new Float64Array(ENTRY_FEATURE_NAMES.length);
  writeSignalFeatures(s, v, 0);
  let k = SIGNAL_COUNT;
  v[k++] = snap.atrPercentile;
  v[k++] = snap.trendStrength;
  v[k++] = snap.adx;
  for (const n of MOMENTUM_LOOKBACKS) v[k++] = snap.momentumPct(n);
  return { names: ENTRY_FEATURE_NAMES, values: v };
}

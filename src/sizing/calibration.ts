/**
 * Reliability of predicted win probabilities: a confidence multiplier is only as good as its
 * calibration (SPEC: "Calibration is measured"), so the backtest reports this table per model.
 */

export interface Prediction {
  readonly p: number;
  readonly win: boolean;
}

export interface CalibrationRow {
  readonly bucketLo: number;
  readonly bucketHi: number;
  readonly n: number;
  /** null for an empty bucket (no NaN in reports or JSON). */
  readonly meanPredicted: number | null;
  readonly observedWinRate: number | null;
}

/** Equal-width buckets over [0, 1]; p = 1 falls in the last bucket. Throws on a p outside [0, 1]. */
export function calibrationTable(predictions: readonly Prediction[], buckets = 10): CalibrationRow[] {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer (got ${buckets})`);
  const n = new Array<number>(buckets).fill(0);
  const sumP = new Array<number>(buckets).fill(0);
  const wins = new Array<number>(buckets).fill(0);
  for (const { p, win } of predictions) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1] (got ${p})`);
    const i = Math.min(buckets - 1, Math.floor(p * buckets));
    n[i]++;
    sumP[i] += p;
    if (win) wins[i]++;
  }
  return n.map((c, i) => ({
    bucketLo: i / buckets,
    bucketHi: (i + 1) / buckets,
    n: c,
    meanPredicted: c > 0 ? sumP[i] / c : null,
    observedWinRate: c > 0 ? wins[i] / c : null,
  }));
}

/** Mean squared error of p against the 0/1 outcome; null with no predictions. */
export function brierScore(predictions: readonly Prediction[]): number | null {
  if (predictions.length === 0) return null;
  let s = 0;
  for (const { p, win } of predictions) s += (p - (win ? 1 : 0)) ** 2;
  return s / predictions.length;
}

/** Expected calibration error: bucket-size-weighted mean |predicted - observed|; null when empty. */
export function expectedCalibrationError(rows: readonly CalibrationRow[]): number | null {
  let total = 0;
  let s = 0;
  for (const r of rows) {
    if (r.n === 0 || r.meanPredicted === null || r.observedWinRate === null) continue;
    total += r.n;
    s += r.n * Math.abs(r.meanPredicted - r.observedWinRate);
  }
  return total > 0 ? s / total : null;
}

import { describe, expect, it } from "vitest";
import { brierScore, calibrationTable, expectedCalibrationError } from "../../src/sizing/calibration.ts";

describe("calibration table", () => {
  it("buckets predictions and compares mean p with the observed win rate", () => {
    const preds = [
      { p: 0.05, win: false },
      { p: 0.15, win: false },
      { p: 0.62, win: true },
      { p: 0.68, win: false },
      { p: 0.66, win: true },
      { p: 0.9, win: true },
      { p: 1, win: true },
    ];
    const rows = calibrationTable(preds, 5);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({ bucketLo: 0, bucketHi: 0.2, n: 2, meanPredicted: 0.1, observedWinRate: 0 });
    expect(rows[1]).toEqual({ bucketLo: 0.2, bucketHi: 0.4, n: 0, meanPredicted: null, observedWinRate: null });
    expect(rows[3].n).toBe(3);
    expect(rows[3].meanPredicted).toBeCloseTo(0.653333, 6);
    expect(rows[3].observedWinRate).toBeCloseTo(2 / 3, 12);
    // p = 1 lands in the last bucket, not a sixth one.
    expect(rows[4]).toEqual({ bucketLo: 0.8, bucketHi: 1, n: 2, meanPredicted: 0.95, observedWinRate: 1 });
    expect(rows.reduce((a, r) => a + r.n, 0)).toBe(preds.length);
  });

  it("defaults to ten buckets and rejects probabilities outside [0, 1]", () => {
    expect(calibrationTable([])).toHaveLength(10);
    expect(() => calibrationTable([{ p: 1.2, win: true }])).toThrow(RangeError);
    expect(() => calibrationTable([{ p: NaN, win: true }])).toThrow(RangeError);
    expect(() => calibrationTable([], 0)).toThrow(RangeError);
  });

  it("scores: Brier and expected calibration error", () => {
    const preds = [
      { p: 0.8, win: true },
      { p: 0.8, win: false },
      { p: 0.2, win: false },
    ];
    expect(brierScore(preds)).toBeCloseTo((0.04 + 0.64 + 0.04) / 3, 12);
    expect(brierScore([])).toBeNull();
    // Bucket 0.8: predicted 0.8, observed 0.5 (n 2); bucket 0.2: 0.2 vs 0 (n 1).
    expect(expectedCalibrationError(calibrationTable(preds))).toBeCloseTo((2 * 0.3 + 0.2) / 3, 12);
    expect(expectedCalibrationError(calibrationTable([]))).toBeNull();
  });
});

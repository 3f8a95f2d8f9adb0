import { describe, expect, it } from "vitest";
import { isoToEtDay } from "../../src/core/ny-time.ts";
import { planFolds, type Fold } from "../../src/walkforward/folds.ts";

/** 63 weekdays from 2024-04-01, as a quarter of trading days (no holidays: the layout only needs an ascending list). */
const days: number[] = [];
for (let d = isoToEtDay("2024-04-01"); days.length < 63; d++) if (new Date(d * 86_400_000).getUTCDay() % 6 !== 0) days.push(d);

const windows = (f: Fold) => [f.train, ...(f.purge ? [f.purge] : []), f.test];

describe("planFolds", () => {
  it("rolls train | purge | test windows by the test length, tiling the days after the first train window", () => {
    const p = planFolds(days, { trainDays: 40, testDays: 10, purgeDays: 1 });
    expect(p.folds.map((f) => [f.train.days, f.purge?.days, f.test.days])).toEqual([[40, 1, 10], [40, 1, 10], [40, 1, 2]]);
    expect(p.folds.map((f) => f.test.fromDay)).toEqual([days[41], days[51], days[61]]);
    expect(p.folds[2].test.toDay).toBe(days[62]);
    for (let k = 1; k < p.folds.length; k++) {
      expect(p.folds[k].train.fromDay).toBe(days[10 * k]);
      // The out-of-sample stretch is contiguous: each test window starts on the trading day after the last one.
      expect(days.indexOf(p.folds[k].test.fromDay)).toBe(days.indexOf(p.folds[k - 1].test.toDay) + 1);
    }
    expect(p.holdout).toBeNull();
  });

  it("keeps train, purge and test disjoint and in order, in days and in instants", () => {
    for (const purgeDays of [0, 1, 3]) {
      for (const f of planFolds(days, { trainDays: 20, testDays: 7, purgeDays }).folds) {
        const w = windows(f);
        for (let i = 1; i < w.length; i++) {
          expect(w[i].fromDay).toBeGreaterThan(w[i - 1].toDay);
          expect(w[i].fromMs).toBeGreaterThanOrEqual(w[i - 1].toMs);
          expect(days.indexOf(w[i].fromDay)).toBe(days.indexOf(w[i - 1].toDay) + 1);
        }
        // The purge is exactly purgeDays trading days between the last train day and the first test day.
        expect(days.indexOf(f.test.fromDay) - days.indexOf(f.train.toDay) - 1).toBe(purgeDays);
        expect(f.purge === null).toBe(purgeDays === 0);
        expect(f.train.toMs - f.train.fromMs).toBeGreaterThanOrEqual(f.train.days * 86_400_000 - 3_600_000);
      }
    }
  });

  it("ends every fold before the holdout and trains the holdout on everything before it but the purge", () => {
    const p = planFolds(days, { trainDays: 30, testDays: 5, purgeDays: 2, holdoutFrom: "2024-06-01" });
    const h = isoToEtDay("2024-06-01");
    const first = days.findIndex((d) => d >= h);
    for (const f of p.folds) for (const w of windows(f)) expect(w.toDay).toBeLessThan(h);
    expect(p.folds[p.folds.length - 1].test.toDay).toBe(days[first - 1]);
    expect(p.holdout!.test.fromDay).toBe(days[first]);
    expect(p.holdout!.test.toDay).toBe(days[62]);
    expect(p.holdout!.train.fromDay).toBe(days[0]);
    expect(p.holdout!.train.toDay).toBe(days[first - 3]);
    expect(p.holdout!.purge!.days).toBe(2);
    expect(p.holdout!.train.toMs).toBeLessThanOrEqual(p.holdout!.test.fromMs);
  });

  it("says what is missing when the days cannot hold a fold", () => {
    expect(() => planFolds(days.slice(0, 41), { trainDays: 40, testDays: 10, purgeDays: 1 })).toThrow(/at least trainDays \+ purgeDays \+ 1 = 42 trading days; the data has 41/);
    expect(() => planFolds(days, { trainDays: 40, testDays: 10, purgeDays: 1, holdoutFrom: "2024-05-01" })).toThrow(/before the holdout 2024-05-01/);
    expect(() => planFolds(days, { trainDays: 40, testDays: 10, purgeDays: 1, holdoutFrom: "2024-09-01" })).toThrow(/no trading day on or after it/);
    expect(() => planFolds(days, { trainDays: 0, testDays: 10, purgeDays: 1 })).toThrow(/trainDays must be an integer >= 1/);
    expect(() => planFolds(days, { trainDays: 5, testDays: 10, purgeDays: -1 })).toThrow(/purgeDays/);
  });
});

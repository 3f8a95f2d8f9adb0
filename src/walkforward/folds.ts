import { etDayToIso, etToUtcMs, isoToEtDay } from "../core/ny-time.ts";

/**
 * Walk-forward fold layout over trading days. Pure: days in, folds out.
 *
 *   | train (trainDays) | purge (purgeDays) | test (testDays) |
 *                  | train            | purge | test |           next fold: everything moves by testDays
 *
 * Test windows tile the days after the first train window, so the test windows together form
 * one contiguous out-of-sample stretch; the last one may be shorter (out-of-sample days are not
 * thrown away). A holdout date D removes every day from D on before any fold is laid out.
 */

/** A run of consecutive trading days and the instants covering them. */
export interface DayRange {
  /** First and last trading day (inclusive), as New York etDay numbers. */
  readonly fromDay: number;
  readonly toDay: number;
  readonly fromIso: string;
  readonly toIso: string;
  /** Trading days in the range. */
  readonly days: number;
  /** New York midnight starting fromDay (inclusive), epoch ms. */
  readonly fromMs: number;
  /** New York midnight ending toDay (exclusive), epoch ms. */
  readonly toMs: number;
}

export interface Fold {
  /** 1-based, in time order; the holdout fold is 0. */
  readonly index: number;
  readonly train: DayRange;
  /** The trading days between train and test that neither sees; null when purgeDays is 0. */
  readonly purge: DayRange | null;
  readonly test: DayRange;
}

export interface FoldOptions {
  readonly trainDays: number;
  readonly testDays: number;
  readonly purgeDays: number;
  /** YYYY-MM-DD: every day from here on is kept out of the folds (and of all fitting). */
  readonly holdoutFrom?: string;
}

export interface FoldPlan {
  /** Every trading day of the data, ascending. */
  readonly days: readonly number[];
  readonly folds: readonly Fold[];
  /** Train on every day before the holdout (minus the purge), test on the holdout; null without one. */
  readonly holdout: Fold | null;
}

/** Defaults sized for a quarter of minute bars (~63 trading days): 3 folds, 22 out-of-sample days. */
export const DEFAULT_FOLD_OPTIONS = { trainDays: 40, testDays: 10, purgeDays: 1 } as const;

function range(days: readonly number[], a: number, b: number): DayRange {
  const fromDay = days[a];
  const toDay = days[b - 1];
  return { fromDay, toDay, fromIso: etDayToIso(fromDay), toIso: etDayToIso(toDay), days: b - a, fromMs: etToUtcMs(fromDay, 0), toMs: etToUtcMs(toDay + 1, 0) };
}

function checkCount(name: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min} (got ${n})`);
}

/** Lays out the folds; throws, saying what is missing, when the days cannot hold one fold. */
export function planFolds(days: readonly number[], opts: FoldOptions): FoldPlan {
  checkCount("trainDays", opts.trainDays, 1);
  checkCount("testDays", opts.testDays, 1);
  checkCount("purgeDays", opts.purgeDays, 0);
  const { trainDays, testDays, purgeDays } = opts;
  let end = days.length;
  let holdout: Fold | null = null;
  if (opts.holdoutFrom !== undefined) {
    const d = isoToEtDay(opts.holdoutFrom);
    end = days.findIndex((x) => x >= d);
    if (end < 0) throw new Error(`holdout ${opts.holdoutFrom}: no trading day on or after it in the data (last day ${days.length ? etDayToIso(days[days.length - 1]) : "none"})`);
    const trainEnd = end - purgeDays;
    if (trainEnd < 1) throw new Error(`holdout ${opts.holdoutFrom}: no trading day left to train on before it (and the ${purgeDays}-day purge)`);
    holdout = { index: 0, train: range(days, 0, trainEnd), purge: purgeDays > 0 ? range(days, trainEnd, end) : null, test: range(days, end, days.length) };
  }
  const folds: Fold[] = [];
  for (let s = 0; s + trainDays + purgeDays < end; s += testDays) {
    const testStart = s + trainDays + purgeDays;
    folds.push({
      index: folds.length + 1,
      train: range(days, s, s + trainDays),
      purge: purgeDays > 0 ? range(days, s + trainDays, testStart) : null,
      test: range(days, testStart, Math.min(end, testStart + testDays)),
    });
  }
  if (folds.length === 0) {
    const where = holdout ? ` before the holdout ${opts.holdoutFrom}` : "";
    throw new Error(`walk-forward needs at least trainDays + purgeDays + 1 = ${trainDays + purgeDays + 1} trading days${where}; the data has ${end}`);
  }
  return { days, folds, holdout };
}

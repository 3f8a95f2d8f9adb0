import { describe, expect, it } from "vitest";
import { generateSeries } from "../../src/data/generator.ts";
import { compareModes } from "../../src/backtest/compare.ts";
import { compareJson, compareTables } from "../../src/cli/compare-cmd.ts";
import { parseConfig } from "../../src/config/load.ts";
import { CRITERION_KEYS, DOLLAR_KEYS } from "../../src/backtest/criteria.ts";
import { comparisonIntervals } from "../../src/stats/comparison-intervals.ts";
import { INTERVAL_METRICS } from "../../src/stats/intervals.ts";

const series = generateSeries({ seed: 3, symbols: 10, days: 60, selloffProb: 0.12 });
// 60 generated weekdays from 2024-01-02 include two market holidays (MLK and Presidents' Day): 58 trading days.
const config = parseConfig({ strategy: { minDayChangePct: -10 } });
const boot = { resamples: 300, level: 0.9, seed: 1 };

describe("compare with intervals", () => {
  const cmp = compareModes({ config, series, modes: ["fixed", "kelly", "full"] });
  const iv = comparisonIntervals(cmp, config.execution.initialEquityUsd, boot);
  type Diff = { improvement: number; lo: number; hi: number; verdict: string; tradesNeeded: number | null };
  const json = compareJson(cmp, 0, iv) as {
    modes: Record<string, { metrics: Record<string, number>; metricIntervals: Record<string, { lo: number; hi: number }> }>;
    criteria: Record<string, { sizeNeutral: Record<string, { improvement: number }> }>;
    criteriaIntervals: Record<string, { sizeNeutral: Record<string, Diff>; dollars: Record<string, Diff> }>;
    intervals: { level: number; resamples: number; days: number };
    verdicts: string[];
  };

  it("keeps every earlier key and adds intervals beside them", () => {
    const plain = compareJson(cmp, 0) as Record<string, unknown>;
    for (const k of Object.keys(plain)) expect(json).toHaveProperty(k);
    expect(json.criteria).toEqual(plain.criteria);
    expect(json.intervals).toMatchObject({ level: 0.9, resamples: 300, days: 58 });
  });

  it("gives every mode an interval on every metric, and every non-baseline mode a verdict on every criterion", () => {
    for (const [mode, m] of Object.entries(json.modes)) {
      for (const k of INTERVAL_METRICS) {
        const i = m.metricIntervals[k];
        expect(i.lo, `${mode}.${k}`).toBeLessThanOrEqual(i.hi);
        expect(Number.isFinite(i.lo) && Number.isFinite(i.hi)).toBe(true);
      }
    }
    expect(Object.keys(json.criteriaIntervals)).toEqual(["kelly", "full"]);
    for (const [mode, c] of Object.entries(json.criteriaIntervals)) {
      for (const k of CRITERION_KEYS) {
        const d = c.sizeNeutral[k];
        expect(d.improvement).toBeCloseTo(json.criteria[mode].sizeNeutral[k].improvement, 9);
        expect(d.verdict).toBe(d.lo > 0 ? "better" : d.hi < 0 ? "worse" : "cannot separate");
        if (d.verdict !== "cannot separate") expect(d.tradesNeeded).toBeNull();
      }
      for (const k of DOLLAR_KEYS) expect(c.dollars[k].lo).toBeLessThanOrEqual(c.dollars[k].hi);
    }
    expect(json.verdicts).toHaveLength(2);
    expect(json.verdicts[1]).toMatch(/^full vs fixed: Sharpe \(daily\) (better|worse|cannot be separated) [+-]/);
  });

  it("the text shows the intervals and the closing verdicts", () => {
    const text = compareTables(cmp, iv);
    expect(text).toContain("Verdicts (from the intervals):");
    expect(text).toMatch(/full vs fixed: /);
    expect(text).toMatch(/90% paired stationary block bootstrap over 58 trading days/);
  });
});

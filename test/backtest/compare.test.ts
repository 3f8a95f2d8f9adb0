import { describe, expect, it } from "vitest";
import { generateSeries } from "../../src/data/generator.ts";
import { ALL_MODES, compareModes, sizeBrackets } from "../../src/backtest/compare.ts";
import { compareJson } from "../../src/cli/compare-cmd.ts";
import { parseConfig } from "../../src/config/load.ts";
import { trainRl } from "../../src/backtest/train-rl.ts";

const series = generateSeries({ seed: 3, symbols: 10, days: 60, selloffProb: 0.12 });
const config = parseConfig({ strategy: { minDayChangePct: -10 } });

describe("compare", () => {
  const cmp = compareModes({ config, series, modes: ALL_MODES });
  const json = compareJson(cmp, 0) as {
    modes: Record<string, { trades: number; metrics: Record<string, number>; tradeList: { sizing: { factors: { name: string; factor: number; reason: string }[]; summary: string } }[] }>;
    criteria: Record<string, { sizeNeutral: Record<string, { improvement: number; improvementPct: number | null }>; dollars: Record<string, { improvement: number }> }>;
  };

  it("runs all six modes on the same signals with finite figures and criteria", () => {
    expect(Object.keys(json.modes)).toEqual([...ALL_MODES]);
    const signals = cmp.modes.map((m) => m.run.engine.signals);
    expect(new Set(signals).size).toBe(1);
    for (const [mode, m] of Object.entries(json.modes)) {
      expect(m.trades, mode).toBeGreaterThan(10);
      for (const [k, v] of Object.entries(m.metrics)) expect(Number.isFinite(v), `${mode}.${k}`).toBe(true);
      for (const [k, v] of Object.entries({ ...json.criteria[mode].sizeNeutral, ...json.criteria[mode].dollars })) expect(Number.isFinite(v.improvement), `${mode}.${k}`).toBe(true);
    }
    for (const d of Object.values({ ...json.criteria.fixed.sizeNeutral, ...json.criteria.fixed.dollars })) expect(d.improvement).toBe(0);
  });

  it("gives every trade in every mode its full factor breakdown", () => {
    const expected: Record<string, string[]> = {
      fixed: ["risk", "dd"],
      kelly: ["risk", "kelly", "dd"],
      kelly_confidence: ["risk", "kelly", "conf", "dd"],
      regime_template: ["risk", "dd", "tmpl"],
      rl: ["risk", "rl", "dd"],
      full: ["risk", "kelly", "conf", "vol", "rl", "dd", "tmpl"],
    };
    for (const [mode, m] of Object.entries(json.modes)) {
      for (const t of m.tradeList) {
        expect(t.sizing.factors.map((f) => f.name), mode).toEqual(expected[mode]);
        for (const f of t.sizing.factors) expect(f.reason.length).toBeGreaterThan(0);
        expect(t.sizing.summary).toMatch(/-> \d+ sh/);
      }
    }
  });

  it("executes template scale-ins in template modes only", () => {
    const adds = (mode: string) => cmp.modes.find((m) => m.mode === mode)!.run.engine.trades.reduce((a, t) => a + t.entries.length - 1, 0);
    expect(adds("fixed")).toBe(0);
    expect(adds("kelly")).toBe(0);
    expect(adds("regime_template")).toBeGreaterThan(0);
    for (const t of cmp.modes.find((m) => m.mode === "regime_template")!.run.engine.trades) {
      expect(t.template).toBe("normal");
      expect(t.entries.length).toBeLessThanOrEqual(2);
    }
  });

  it("buckets trades by the risk they took", () => {
    const rows = sizeBrackets(cmp.modes[0].run.engine.trades);
    expect(rows.map((r) => r.bracket)).toEqual(["<1%", "1-2%", "2-4%", ">4%"]);
    expect(rows.reduce((a, r) => a + r.trades, 0)).toBe(cmp.modes[0].run.engine.trades.length);
  });

  it("is deterministic", () => {
    const again = compareJson(compareModes({ config, series, modes: ["fixed", "rl", "full"] }), 0) as typeof json;
    for (const m of ["fixed", "rl", "full"]) expect(again.modes[m]).toEqual(json.modes[m]);
  });
});

describe("train-rl", () => {
  it("learns over passes and is reproducible", () => {
    const a = trainRl({ config, series, passes: 3 });
    const b = trainRl({ config, series, passes: 3 });
    expect(a.passes).toEqual(b.passes);
    expect(a.passes[2].totalUpdates).toBeGreaterThan(a.passes[0].totalUpdates);
    expect(a.passes[2].epsilon).toBeLessThan(0.2);
    expect(a.table.stats().states).toBeGreaterThan(0);
  });
});

import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/load.ts";
import { expandGrid, loadPlan, parsePlan, planConfigs, planVariants, variantConfig } from "../../src/experiments/plan.ts";

const base = defaultConfig();
const plansDir = resolve(import.meta.dirname, "../../config/plans");

describe("experiment plans", () => {
  it("validates the plan itself, naming the field", () => {
    expect(() => parsePlan({ variants: [] }, "p.json")).toThrow(/p\.json is invalid: name/);
    expect(() => parsePlan({ name: "x", mode: "yolo", variants: [] })).toThrow(/mode/);
    expect(() => parsePlan({ name: "x", variants: [], extra: 1 })).toThrow(/Unrecognized key/);
    expect(() => parsePlan({ name: "x", variants: [{ name: "a", overrides: { "not a key": 1 } }] })).toThrow(/variants\.0\.overrides\.not a key: Invalid key/);
    expect(() => parsePlan({ name: "x", walkforward: { trainDays: 0 }, variants: [] })).toThrow(/walkforward\.trainDays/);
  });

  it("gives the verdict keys defaults that are not 'any one of four', and refuses an unknown criterion", () => {
    const p = parsePlan({ name: "x", variants: [{ name: "a" }] });
    expect(p.minTrades).toBe(20);
    expect(p.beats).toEqual(["sharpe", "edgeR"]);
    expect(p.beatMargins).toBeUndefined();
    const q = parsePlan({ name: "x", minTrades: 5, beats: ["worst10R"], beatMargins: { worst10R: 2 }, variants: [{ name: "a" }] });
    expect([q.minTrades, q.beats, q.beatMargins]).toEqual([5, ["worst10R"], { worst10R: 2 }]);
    expect(() => parsePlan({ name: "x", beats: ["returnImprovementPct"], variants: [] })).toThrow(/beats\.0/);
    expect(() => parsePlan({ name: "x", beats: [], variants: [] })).toThrow(/beats/);
    expect(() => parsePlan({ name: "x", minTrades: 0, variants: [] })).toThrow(/minTrades/);
    expect(() => parsePlan({ name: "x", beatMargins: { sharpe: -1 }, variants: [] })).toThrow(/beatMargins\.sharpe/);
  });

  it("expands a grid into every combination, the last key fastest, named by the keys", () => {
    const v = expandGrid({ "strategy.minDayChangePct": [-10, -15], "strategy.stopAtrMultiple": [0.3, 0.45, 0.6], "strategy.minVolumeMultiple": [1, 1.2] });
    expect(v.length).toBe(12);
    expect(new Set(v.map((x) => x.name)).size).toBe(12);
    expect(v[0]).toEqual({ name: "minDayChangePct=-10,stopAtrMultiple=0.3,minVolumeMultiple=1", overrides: { "strategy.minDayChangePct": -10, "strategy.stopAtrMultiple": 0.3, "strategy.minVolumeMultiple": 1 } });
    expect(v[1].name).toBe("minDayChangePct=-10,stopAtrMultiple=0.3,minVolumeMultiple=1.2");
    expect(v[11].name).toBe("minDayChangePct=-15,stopAtrMultiple=0.6,minVolumeMultiple=1.2");
    // Keys that end alike are named in full.
    expect(expandGrid({ "sizing.kelly.window": [10], "sizing.rl.window": [5] })[0].name).toBe("sizing.kelly.window=10,sizing.rl.window=5");
  });

  it("lists variants then grid ones, applies the plan's common overrides, and checks names and the baseline", () => {
    const plan = parsePlan({ name: "p", baseline: "a", overrides: { "strategy.minDayChangePct": -10 }, variants: [{ name: "a" }], grid: { "strategy.stopAtrMultiple": [0.3, 0.6] } });
    expect(planVariants(plan).map((v) => [v.name, v.overrides])).toEqual([
      ["a", { "strategy.minDayChangePct": -10 }],
      ["stopAtrMultiple=0.3", { "strategy.minDayChangePct": -10, "strategy.stopAtrMultiple": 0.3 }],
      ["stopAtrMultiple=0.6", { "strategy.minDayChangePct": -10, "strategy.stopAtrMultiple": 0.6 }],
    ]);
    expect(() => planVariants(parsePlan({ name: "p", variants: [{ name: "a" }, { name: "a" }] }))).toThrow(/two variants are named "a"/);
    expect(() => planVariants(parsePlan({ name: "p", baseline: "zz", variants: [{ name: "a" }] }))).toThrow(/baseline "zz" is not one of its variants/);
    expect(() => planVariants(parsePlan({ name: "p" }))).toThrow(/no variants/);
  });

  it("validates overrides against the config schema, naming the variant and the key", () => {
    expect(variantConfig(base, { name: "ok", overrides: { "strategy.stopAtrMultiple": 0.3, "sizing.mode": "full" } }).strategies[0].params.stopAtrMultiple).toBe(0.3);
    expect(() => variantConfig(base, { name: "v1", overrides: { "strategy.stopAtrMultipel": 0.3 } })).toThrow(/variant "v1": override "strategy\.stopAtrMultipel": unknown config key/);
    expect(() => variantConfig(base, { name: "v2", overrides: { "strategy.minDayChangePct": 5 } })).toThrow(/variant "v2": override "strategy\.minDayChangePct": strategy\.minDayChangePct: .*\(got 5\)/);
    expect(() => variantConfig(base, { name: "v3", overrides: { "strategy.stopAtrMultiple.x": 1 } })).toThrow(/variant "v3": override "strategy\.stopAtrMultiple\.x": strategy\.stopAtrMultiple is not an object/);
    expect(() => variantConfig(base, { name: "v4", overrides: { "nosuch.key": 1 } })).toThrow(/override "nosuch": unknown config key/);
    // The new paths: a strategy instance's params by index, the session's flatten, and the legacy flattenAt alias.
    const now = variantConfig(base, { name: "new", overrides: { "strategies.0.params.minDayChangePct": -9, "session.flattenMinutesBeforeClose": 10 } });
    expect([now.strategies[0].params.minDayChangePct, now.session.flattenMinutesBeforeClose]).toEqual([-9, 10]);
    expect(variantConfig(base, { name: "old", overrides: { "strategy.flattenAt": "15:30" } }).session.flattenMinutesBeforeClose).toBe(30);
    expect(() => variantConfig(base, { name: "v5", overrides: { "strategies.0.params.nope": 1 } })).toThrow(/override "strategies\.0\.params\.nope": unknown config key/);
    // Every bad variant of a plan is reported at once, before anything runs.
    const bad = [{ name: "a", overrides: { "strategy.x": 1 } }, { name: "b", overrides: {} }, { name: "c", overrides: { "risk.maxOpenPositions": -1 } }];
    expect(() => planConfigs(base, bad, "plan t")).toThrow(/plan t: 2 variant\(s\) invalid:\n {2}variant "a".*\n {2}variant "c": override "risk\.maxOpenPositions"/);
  });

  it("ships plans that validate against the default config, with a robustness grid of at least 48 variants", () => {
    const files = readdirSync(plansDir).filter((f) => f.endsWith(".json")).sort();
    expect(files).toEqual(["feature-sets.json", "robustness-grid.json", "signal-inversion.json", "stop-loss.json", "trade-less.json"]);
    for (const f of files) {
      const plan = loadPlan(resolve(plansDir, f));
      const variants = planVariants(plan);
      expect(planConfigs(base, variants, f).length).toBe(variants.length);
      expect(variants.some((v) => v.name === (plan.baseline ?? variants[0].name))).toBe(true);
    }
    const grid = planVariants(loadPlan(resolve(plansDir, "robustness-grid.json")));
    expect(grid.length).toBeGreaterThanOrEqual(48);
    expect(new Set(grid.flatMap((v) => Object.keys(v.overrides)))).toEqual(new Set(["strategies.0.params.minDayChangePct", "strategies.0.params.stopAtrMultiple", "strategies.0.params.minVolumeMultiple"]));
  });
});

import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import { KellyStatsStore } from "../../src/sizing/kelly-stats.ts";
import { BUILTIN_MODES, modeLayerList } from "../../src/sizing/modes.ts";
import { createSizer, isSizingMode } from "../../src/sizing/pipeline.ts";
import { configWith, makeInput } from "./helpers.ts";

describe("modes are named lists of layers", () => {
  it("the built-in modes keep their names and layers (dd in every one, tmpl last)", () => {
    expect(Object.keys(BUILTIN_MODES)).toEqual(["fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"]);
    for (const [mode, list] of Object.entries(BUILTIN_MODES)) {
      expect(list).toContain("dd");
      expect(createSizer(configWith({ mode })).layers).toEqual(list);
    }
  });

  it("a user mode from config runs its layers in order, with dd added after the multipliers", () => {
    const cfg = configWith({ modes: { kelly_vol: ["kelly", "vol"] }, mode: "kelly_vol" }, { maxNotionalUsd: 1e9 });
    const sizer = createSizer(cfg);
    expect(sizer.mode).toBe("kelly_vol");
    expect(sizer.layers).toEqual(["kelly", "vol", "dd"]);
    const store = new KellyStatsStore(50);
    for (let i = 0; i < 50; i++) store.add({ strategyId: "bear_trap", symbol: "ABC", rMultiple: i % 5 < 2 ? 2 : -1, closeTimeMs: i });
    const d = sizer.size(makeInput({ volatilityRatio: 1.6, buyingPowerUsd: 1e9, context: { kelly: store.snapshot("bear_trap", "*", 100) } }));
    const [risk, kelly, vol, dd] = d.factors;
    expect([risk.name, kelly.name, vol.name, dd.name]).toEqual(["risk", "kelly", "vol", "dd"]);
    expect(vol.factor).toBe(0.7);
    // The same layers as `full` minus conf, rl and tmpl: kelly x vol on 1% of 100k over R 0.50.
    expect(kelly.factor).toBeGreaterThan(1);
    expect(d.cap).toBeNull();
    expect(d.qtyShares).toBe(Math.floor((100_000 * 1 * kelly.factor * 0.7) / 100 / 0.5));
    expect(d.summary).toMatch(/^risk 1% x kelly [\d.]+ x vol 0\.7 x dd 1\.0 -> /);
    expect(d.template).toBeNull();
    expect(d.regime).toBeNull();
  });

  it("a list that places dd keeps it there; a template mode orders its fraction", () => {
    expect(modeLayerList("t", { t: ["tmpl", "kelly"] })).toEqual(["dd", "tmpl", "kelly"]);
    const cfg = configWith({ modes: { dd_first: ["dd", "kelly", "tmpl"] }, mode: "dd_first" });
    const d = createSizer(cfg).size(makeInput());
    expect(d.factors.map((f) => f.name)).toEqual(["risk", "dd", "kelly", "tmpl"]);
    // normal template (fail-safe regime): 0.5 of a full size of 2000 sh.
    expect(d.fullSize?.qtyShares).toBe(2000);
    expect(d.qtyShares).toBe(1000);
  });

  it("sizing.mode may name a user mode; unknown modes, unknown layers, duplicates and built-in names are refused", () => {
    expect(isSizingMode("mine", { mine: ["kelly"] })).toBe(true);
    expect(isSizingMode("mine")).toBe(false);
    expect(isSizingMode("full")).toBe(true);
    expect(() => parseConfig({ sizing: { mode: "mine" } })).toThrow(/sizing\.mode: unknown sizing mode/);
    expect(() => parseConfig({ sizing: { modes: { mine: ["kely"] } } })).toThrow(/sizing\.modes\.mine\.0: a built-in layer \(kelly, conf, vol, rl, tmpl, dd, allocator\) or the path of a layer file/);
    expect(() => parseConfig({ sizing: { modes: { mine: ["kelly", "kelly"] } } })).toThrow(/layer "kelly" is listed twice/);
    expect(() => parseConfig({ sizing: { modes: { full: ["kelly"] } } })).toThrow(/"full" is a built-in mode/);
    expect(parseConfig({ sizing: { modes: { mine: ["allocator", "./layers/x.ts"] }, mode: "mine" } }).sizing.mode).toBe("mine");
  });
});

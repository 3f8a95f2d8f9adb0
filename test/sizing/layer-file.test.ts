import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadSizingLayers } from "../../src/sizing/layers/index.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import { configWith, makeInput } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CALM = "./test/fixtures/layers/calm.ts";

describe("a sizing layer added by one file and one config list", () => {
  const cfg = configWith({ modes: { calm_kelly: ["kelly", CALM] }, mode: "calm_kelly" });

  it("is found from the config alone and multiplies the base like a built-in", async () => {
    const layers = await loadSizingLayers(cfg.sizing, ROOT);
    const sizer = createSizer(cfg, { layers });
    expect(sizer.layers).toEqual(["kelly", "calm", "dd"]);
    const hot = sizer.size(makeInput({ volatilityRatio: 1.4 }));
    // 1% of 100k over R 0.50 = 2000 sh; Kelly neutral (no trades), calm x0.5 -> 1000 sh.
    expect(hot.factors.map((f) => [f.name, f.factor])).toEqual([
      ["risk", 0.01],
      ["kelly", 1],
      ["calm", 0.5],
      ["dd", 1],
    ]);
    expect(hot.qtyShares).toBe(1000);
    expect(hot.summary).toBe("risk 1% x kelly 1.0 x calm 0.5 x dd 1.0 -> 0.50% -> 1000 sh (cap: none)");
    expect(sizer.size(makeInput({ volatilityRatio: 0.9 })).qtyShares).toBe(2000);
  });

  it("is refused with the way to load it when the sizer is made without loading the file", () => {
    const unloaded = configWith({ modes: { never: ["kelly", "./test/fixtures/layers/never-loaded.ts"] }, mode: "never" });
    expect(() => createSizer(unloaded)).toThrow(/never-loaded\.ts .*not loaded.*loadSizingLayers/);
  });

  it("once loaded, is found by every sizer the process makes later (compare's modes, walk-forward folds, a daemon's mode switch)", async () => {
    await loadSizingLayers(cfg.sizing, ROOT);
    expect(createSizer(cfg).mode).toBe(cfg.sizing.mode);
  });

  it("refuses a file that does not export a layer, naming it", async () => {
    const bad = configWith({ modes: { x: ["./test/sizing/helpers.ts"] }, mode: "x" });
    await expect(loadSizingLayers(bad.sizing, ROOT)).rejects.toThrow(/helpers\.ts.*must export default a layer definition/);
  });
});

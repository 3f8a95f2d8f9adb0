import { describe, expect, it } from "vitest";
import { createSizer, defaultConfig, parseConfig, type Signal } from "../../src/index.ts";

const signal: Signal = {
  strategyId: "my-bot", symbol: "ABC", symId: 0, barTimeMs: Date.UTC(2024, 4, 1, 15), etDay: 19844, refPriceUsd: 10, stopPriceUsd: 9.6,
  atrUsd: 0.1, dayChangePct: -12, detail: { supportUsd: 9.65, reclaimedLevelUsd: 9.7, sessionHighUsd: 11, lowerWickRatio: 0.4, bodyRatio: 0.3, volumeRatio: 2 },
};

describe("library face", () => {
  it("sizes another bot's signal, as the README shows", () => {
    const sizer = createSizer(defaultConfig());
    const d = sizer.size({ signal, entryPriceUsd: 10.01, stopUsd: 9.6, equityUsd: 100_000, buyingPowerUsd: 100_000, openPositions: 0 });
    expect(d.qtyShares).toBe(Math.floor(1000 / 0.41));
    expect(d.summary).toBe("risk 1% x dd 1.0 -> 1.00% -> 2439 sh (cap: none)");
  });

  it("switches mode by config only", () => {
    const sizer = createSizer(parseConfig({ sizing: { mode: "full" } }));
    const d = sizer.size({ signal, entryPriceUsd: 10.01, stopUsd: 9.6, equityUsd: 100_000, buyingPowerUsd: 100_000, openPositions: 0 });
    expect(d.factors.map((f) => f.name)).toEqual(["risk", "kelly", "conf", "vol", "rl", "dd", "tmpl"]);
    expect(d.template?.name).toBe("normal");
  });
});

import { describe, expect, it } from "vitest";
import { KellyStatsStore } from "../../src/sizing/kelly-stats.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import { configWith, makeInput } from "./helpers.ts";

/** A no-stop entry of a strategy with 1/6 of equity per symbol and at most 15% in one name, at $100. */
const noStop = (over: Parameters<typeof makeInput>[0] = {}) =>
  makeInput({ stopUsd: null, entryPriceUsd: 100, allocation: { weight: 1 / 6, maxPositionPct: 15 }, ...over });

function richKelly() {
  const store = new KellyStatsStore(50);
  for (let i = 0; i < 50; i++) store.add({ strategyId: "bear_trap", symbol: "ABC", rMultiple: i % 2 ? 3 : -1, closeTimeMs: i });
  return store.snapshot("bear_trap", "*", 100);
}

describe("sizing by allocation (no stop)", () => {
  it("the base is equity x weight in notional, capped at maxPositionPct of equity, and the decision says so", () => {
    const d = createSizer(configWith({ mode: "fixed" })).size(noStop());
    expect(d.factors[0]).toMatchObject({ name: "alloc", factor: 1 / 6 });
    expect(d.factors[0].reason).toMatch(/^base 16\.7% of equity in notional \(no stop: sized by allocation; at most 15% of equity per position; the risk caps do not apply\)$/);
    // 16.67% of 100k = $16,667 -> capped at 15% = $15,000 -> 150 sh at $100.
    expect(d.qtyShares).toBe(150);
    expect(d.cap).toBe("max position 15% of equity");
    expect(d.summary).toBe("alloc 16.7% of equity x dd 1.0 -> 16.67% -> 150 sh (cap: max position 15% of equity)");
    // riskPct of a no-stop decision is the position's notional % of equity; there is no R.
    expect(d.riskPct).toBeCloseTo(15, 10);
    expect(d.rPerShareUsd).toBeNaN();
    expect(d.positionAfter).toEqual({ qtyShares: 150, riskPct: 15, notionalUsd: 15_000 });
  });

  it("under the position limit the layers multiply the notional; the minimum-risk floor does not lift it", () => {
    const d = createSizer(configWith({ mode: "fixed" })).size(noStop({ allocation: { weight: 0.1, maxPositionPct: 15 }, highWaterMarkUsd: 115_000 }));
    // drawdown 13% -> x0.5: 10% x 0.5 = 5% of 100k = $5,000 = 50 sh; with a stop the floor would apply, here it is notional.
    expect(d.factors.map((f) => [f.name, f.factor])).toEqual([
      ["alloc", 0.1],
      ["dd", 0.5],
    ]);
    expect(d.qtyShares).toBe(50);
    expect(d.cap).toBeNull();
    expect(d.riskPct).toBeCloseTo(5, 10);
  });

  it("layers that need a stop (kelly, tmpl) say they did not apply; the others do", () => {
    const d = createSizer(configWith({ mode: "full" })).size(noStop({ volatilityRatio: 1.6, context: { kelly: richKelly() } }));
    const by = new Map(d.factors.map((f) => [f.name, f]));
    expect(by.get("kelly")).toEqual({ name: "kelly", factor: 1, reason: "kelly: needs a stop; sized by allocation: not applied" });
    expect(by.get("tmpl")).toEqual({ name: "tmpl", factor: 1, reason: "tmpl: needs a stop; sized by allocation: not applied" });
    expect(by.get("vol")?.factor).toBe(0.7);
    expect(d.template).toBeNull();
    expect(d.kelly).toBeNull();
    // 16.67% x 0.7 = 11.67% of 100k at $100 = 116 sh, one order (no template fraction).
    expect(d.qtyShares).toBe(116);
    expect(d.summary).toMatch(/^alloc 16\.7% of equity x kelly 1\.0 x conf 1\.0 x vol 0\.7 x rl 1\.0 x dd 1\.0 x tmpl 1\.0 -> 11\.67% -> 116 sh \(cap: none\)$/);
  });

  it("with a stop the same strategy is sized by risk, as before", () => {
    const d = createSizer(configWith({ mode: "fixed" })).size(makeInput({ allocation: { weight: 1 / 6, maxPositionPct: 15 } }));
    expect(d.factors[0].name).toBe("risk");
    expect(d.qtyShares).toBe(2000);
    expect(d.summary).toBe("risk 1% x dd 1.0 -> 1.00% -> 2000 sh (cap: none)");
  });

  it("notional and buying power bind; no allocation, a halt or max open positions give 0 with why", () => {
    const sizer = createSizer(configWith({ mode: "fixed" }, { maxNotionalUsd: 8_000 }));
    expect(sizer.size(noStop())).toMatchObject({ qtyShares: 80, cap: "max notional $8000" });
    expect(sizer.size(noStop({ buyingPowerUsd: 5_050 }))).toMatchObject({ qtyShares: 50, cap: "buying power $5050.00" });
    expect(sizer.size(noStop({ allocation: undefined }))).toMatchObject({ qtyShares: 0, cap: "no stop and no allocation: not sized" });
    expect(sizer.size(noStop({ halted: "daily loss limit" }))).toMatchObject({ qtyShares: 0, cap: "halted: daily loss limit" });
    expect(sizer.size(noStop({ openPositions: 99 })).qtyShares).toBe(0);
  });

  it("an add to a position without a stop is not sized", () => {
    const d = createSizer(configWith({ mode: "full" })).size(noStop({ stage: { kind: "add", index: 0 } }));
    expect(d.qtyShares).toBe(0);
    expect(d.cap).toMatch(/no stop/);
  });
});

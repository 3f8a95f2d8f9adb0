import { describe, expect, it } from "vitest";
import { applyCaps, capShares, type CapInput, type RiskCaps } from "../../src/sizing/caps.ts";

const caps: RiskCaps = { minRiskPct: 0.2, maxRiskPct: 5, maxNotionalUsd: 50_000, maxOpenPositions: 5 };
const input = (over: Partial<CapInput> = {}): CapInput => ({
  targetRiskPct: 1,
  equityUsd: 100_000,
  entryPriceUsd: 20,
  rPerShareUsd: 0.5,
  buyingPowerUsd: 100_000,
  openPositions: 0,
  isAdd: false,
  halted: null,
  ...over,
});

describe("caps", () => {
  it("sizes integer shares from the target risk", () => {
    expect(applyCaps(input(), caps)).toEqual({ qtyShares: 2000, riskPct: 1, cap: null });
    expect(applyCaps(input({ rPerShareUsd: 0.3, entryPriceUsd: 10 }), caps).qtyShares).toBe(3333);
  });

  it("bounds risk at maxRiskPct and names the cap", () => {
    expect(applyCaps(input({ targetRiskPct: 7.42, entryPriceUsd: 5, rPerShareUsd: 0.5 }), caps)).toEqual({ qtyShares: 10_000, riskPct: 5, cap: "max risk 5%" });
  });

  it("raises a positive target below minRiskPct to the floor (sizing never vetoes an entry)", () => {
    expect(applyCaps(input({ targetRiskPct: 0.05 }), caps)).toEqual({ qtyShares: 400, riskPct: 0.2, cap: "min risk 0.2%" });
    expect(applyCaps(input({ targetRiskPct: 0 }), caps).qtyShares).toBe(0);
    expect(applyCaps(input({ targetRiskPct: 0.2 }), caps).qtyShares).toBe(400);
  });

  it("applies notional and buying power", () => {
    expect(applyCaps(input({ targetRiskPct: 2 }), caps)).toMatchObject({ qtyShares: 2500, cap: "max notional $50000" });
    expect(applyCaps(input({ buyingPowerUsd: 10_000 }), caps)).toMatchObject({ qtyShares: 500, cap: "buying power $10000.00", riskPct: 0.25 });
    expect(applyCaps(input({ buyingPowerUsd: -5 }), caps)).toMatchObject({ qtyShares: 0 });
  });

  it("zero with a reason: halted, R <= 0, no equity, no price, max open positions", () => {
    expect(applyCaps(input({ halted: "daily loss limit 10% reached" }), caps)).toEqual({ qtyShares: 0, riskPct: 0, cap: "halted: daily loss limit 10% reached" });
    expect(applyCaps(input({ rPerShareUsd: 0 }), caps).cap).toBe("no risk: R <= 0");
    expect(applyCaps(input({ rPerShareUsd: NaN }), caps).cap).toBe("no risk: R <= 0");
    expect(applyCaps(input({ equityUsd: 0 }), caps).cap).toBe("no equity");
    expect(applyCaps(input({ entryPriceUsd: Infinity }), caps).cap).toBe("no entry price");
    expect(applyCaps(input({ openPositions: 5 }), caps)).toEqual({ qtyShares: 0, riskPct: 0, cap: "max open positions 5" });
    // An add scales a position that is already open: it is not a new position.
    expect(applyCaps(input({ openPositions: 5, isAdd: true }), caps).qtyShares).toBe(2000);
    expect(applyCaps(input({ targetRiskPct: 0 }), caps)).toEqual({ qtyShares: 0, riskPct: 0, cap: null });
    expect(applyCaps(input({ targetRiskPct: NaN }), caps)).toEqual({ qtyShares: 0, riskPct: 0, cap: null });
  });

  it("capShares never exceeds the limit even when the division rounds up", () => {
    // 0.3 / 0.1 = 2.9999999999999996 in binary, but e.g. 0.7 / 0.1 = 6.999999999999999;
    // the guard matters for limits like 4.35 / 0.0145 where floor() can land one share over.
    for (const [limit, px] of [[0.3, 0.1], [4.35, 0.0145], [1e6, 3.33], [50_000, 0.07]] as const) {
      const { qtyShares } = capShares(1e12, px, { maxNotionalUsd: limit, buyingPowerUsd: 1e12 });
      expect(qtyShares * px).toBeLessThanOrEqual(limit);
      expect((qtyShares + 1) * px).toBeGreaterThan(limit);
    }
  });
});

import { describe, expect, it } from "vitest";
import { boundedShares, capAddOrder, capFullSize, positionPlan, type AddOrderInput, type FullSizeInput, type RiskCaps } from "../../src/sizing/caps.ts";
import { templatesFromConfig } from "../../src/sizing/template.ts";
import { configWith } from "./helpers.ts";

const caps: RiskCaps = { minRiskPct: 0.2, maxRiskPct: 5, maxNotionalUsd: 50_000, maxOpenPositions: 5 };
const templates = templatesFromConfig(configWith().sizing);
const one = (over: Partial<FullSizeInput> = {}): FullSizeInput => ({
  targetRiskPct: 1,
  equityUsd: 100_000,
  rPerShareUsd: 0.5,
  buyingPowerUsd: 100_000,
  plan: positionPlan(null, 20, 0.5),
  ...over,
});

describe("full size of a one-order position (no template): the classic caps", () => {
  it("sizes integer shares from the target risk", () => {
    expect(capFullSize(one(), caps)).toEqual({ qtyShares: 2000, cap: null });
    expect(capFullSize(one({ rPerShareUsd: 0.3, plan: positionPlan(null, 10, 0.3) }), caps).qtyShares).toBe(3333);
  });

  it("bounds risk at maxRiskPct and names the cap", () => {
    expect(capFullSize(one({ targetRiskPct: 7.42, plan: positionPlan(null, 5, 0.5) }), caps)).toEqual({ qtyShares: 10_000, cap: "max risk 5%" });
  });

  it("raises a positive target below minRiskPct to the floor (sizing never vetoes an entry)", () => {
    expect(capFullSize(one({ targetRiskPct: 0.05 }), caps)).toEqual({ qtyShares: 400, cap: "min risk 0.2%" });
    expect(capFullSize(one({ targetRiskPct: 0.2 }), caps)).toEqual({ qtyShares: 400, cap: null });
  });

  it("applies notional and buying power", () => {
    expect(capFullSize(one({ targetRiskPct: 2 }), caps)).toEqual({ qtyShares: 2500, cap: "max notional $50000" });
    expect(capFullSize(one({ buyingPowerUsd: 10_000 }), caps)).toEqual({ qtyShares: 500, cap: "buying power $10000.00" });
    expect(capFullSize(one({ buyingPowerUsd: -5 }), caps).qtyShares).toBe(0);
  });

  it("boundedShares never exceeds the limit even when the division rounds up", () => {
    // 0.3 / 0.1 = 2.9999999999999996 in binary, but e.g. 0.7 / 0.1 = 6.999999999999999;
    // the guard matters for limits like 4.35 / 0.0145 where floor() can land one share over.
    for (const [limit, px] of [[0.3, 0.1], [4.35, 0.0145], [1e6, 3.33], [50_000, 0.07]] as const) {
      const q = boundedShares(limit, px);
      expect(q * px).toBeLessThanOrEqual(limit);
      expect((q + 1) * px).toBeGreaterThan(limit);
    }
    expect(boundedShares(-1, 2)).toBe(0);
    expect(boundedShares(NaN, 2)).toBe(0);
  });
});

describe("full size of a template position: the caps bind the planned position, adds included", () => {
  it("plans the aggressive template: risk 1.505 R and a peak value at the last add", () => {
    // Entry 10, stop 8 (R 2): adds at 11 (+0.5R) and 12 (+1R).
    const p = positionPlan(templates.get("aggressive")!, 10, 2);
    expect(p.riskPerShareUsd).toBeCloseTo(0.33 * 2 + 0.33 * 3 + 0.34 * 4, 12); // 3.01 = 1.505 R
    expect(p.peakValuePerShareUsd).toBeCloseTo(1 * 12, 12);
    expect(p.costPerShareUsd).toBeCloseTo(0.33 * 10 + 0.33 * 11 + 0.34 * 12, 12);
    expect(p.hasAdds).toBe(true);
  });

  it("cuts the full size so the whole position risks at most 5% (issue 17: 8.51% before)", () => {
    const plan = positionPlan(templates.get("aggressive")!, 10, 2);
    const f = capFullSize({ targetRiskPct: 8.5, equityUsd: 100_000, rPerShareUsd: 2, buyingPowerUsd: 1e6, plan }, caps);
    // $5,000 / $3.01 per full-size share = 1661.1 -> 1661 shares.
    expect(f).toEqual({ qtyShares: 1661, cap: "max risk 5% (position with its adds)" });
    expect(1661 * plan.riskPerShareUsd).toBeLessThanOrEqual(5000);
  });

  it("cuts the full size so the position's value after its last add stays within max notional", () => {
    const plan = positionPlan(templates.get("normal")!, 20, 0.5);
    // normal: 0.5 at 20, then 0.75 of the full size held at 20.25: $50,000 / (0.75 x 20.25) = 3292.2.
    const f = capFullSize({ targetRiskPct: 2, equityUsd: 100_000, rPerShareUsd: 0.5, buyingPowerUsd: 1e6, plan }, caps);
    expect(f).toEqual({ qtyShares: 3292, cap: "max notional $50000 (position with its adds)" });
  });

  it("a template that only ever holds half the full size lets the full size reach twice the cap", () => {
    const plan = positionPlan(templates.get("conservative")!, 5, 0.5);
    const f = capFullSize({ targetRiskPct: 20, equityUsd: 100_000, rPerShareUsd: 0.5, buyingPowerUsd: 1e6, plan }, caps);
    // The position is 0.5 of it: 10,000 sh x $0.50 = $5,000 = 5%.
    expect(f).toEqual({ qtyShares: 20_000, cap: "max risk 5%" });
  });
});

describe("an add within the caps of the whole position", () => {
  const add = (over: Partial<AddOrderInput> = {}): AddOrderInput => ({
    wantShares: 500,
    priceUsd: 11,
    stopUsd: 8,
    equityUsd: 100_000,
    buyingPowerUsd: 100_000,
    held: { heldQtyShares: 500, avgPriceUsd: 10, boughtQtyShares: 500 },
    maxBoughtShares: 1500,
    ...over,
  });

  it("passes an add that fits", () => {
    expect(capAddOrder(add(), caps)).toEqual({ qtyShares: 500, cap: null });
  });

  it("cuts it to the risk left: held shares from their price, the add from its own", () => {
    // Held 2000 sh at 10 over stop 8 = $4,000; $1,000 left / $3 per share = 333.
    expect(capAddOrder(add({ held: { heldQtyShares: 2000, avgPriceUsd: 10, boughtQtyShares: 2000 }, maxBoughtShares: 6000 }), caps)).toEqual({ qtyShares: 333, cap: "position risk 5%" });
    // Risk is measured against equity now: at $80,000 the same position has no room left.
    expect(capAddOrder(add({ equityUsd: 80_000, held: { heldQtyShares: 2000, avgPriceUsd: 10, boughtQtyShares: 2000 }, maxBoughtShares: 6000 }), caps).qtyShares).toBe(0);
  });

  it("cuts it to the notional left, valuing held shares at the add price", () => {
    // 4400 sh held, worth $48,400 at 11: $1,600 left = 145 shares.
    expect(capAddOrder(add({ stopUsd: 10.9, held: { heldQtyShares: 4400, avgPriceUsd: 10, boughtQtyShares: 4400 }, maxBoughtShares: 9000 }), caps)).toEqual({ qtyShares: 145, cap: "position notional $50000" });
  });

  it("never buys past the template's maximum of the full size, nor past buying power", () => {
    expect(capAddOrder(add({ maxBoughtShares: 800 }), caps)).toEqual({ qtyShares: 300, cap: "template maximum of the full size" });
    expect(capAddOrder(add({ buyingPowerUsd: 1100 }), caps)).toEqual({ qtyShares: 100, cap: "buying power $1100.00" });
    expect(capAddOrder(add({ buyingPowerUsd: -1 }), caps).qtyShares).toBe(0);
  });
});

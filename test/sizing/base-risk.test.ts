import { describe, expect, it } from "vitest";
import { baseQuantity, baseRiskPct, baseRiskUsd } from "../../src/sizing/base-risk.ts";

describe("base risk", () => {
  it("risks a fixed fraction of equity: qty = equity x riskPct / 100 / R", () => {
    expect(baseRiskUsd(100_000, 1)).toBe(1000);
    expect(baseQuantity(100_000, 1, 0.5)).toBe(2000);
    expect(baseQuantity(37_123.45, 1.5, 0.37)).toBeCloseTo((37_123.45 * 0.015) / 0.37, 9);
  });

  it("is 0 without risk, equity or a positive R", () => {
    expect(baseQuantity(100_000, 1, 0)).toBe(0);
    expect(baseQuantity(100_000, 1, -1)).toBe(0);
    expect(baseQuantity(100_000, 1, NaN)).toBe(0);
    expect(baseQuantity(0, 1, 1)).toBe(0);
    expect(baseQuantity(100_000, 0, 1)).toBe(0);
  });

  it("clamps the configured % into [min, max] like the baseline", () => {
    expect(baseRiskPct(1, 0.2, 5)).toBe(1);
    expect(baseRiskPct(0.1, 0.2, 5)).toBe(0.2);
    expect(baseRiskPct(8, 0.2, 5)).toBe(5);
  });
});

import { describe, expect, it } from "vitest";
import { ConfigError, defaultConfig, parseConfig } from "../../src/config/load.ts";

describe("sizing config", () => {
  it("has SPEC's defaults", () => {
    const s = defaultConfig().sizing;
    expect(s).toMatchObject({ mode: "fixed", riskPct: 1, minRiskPct: 0.2, maxRiskPct: 5 });
    expect(s.kelly).toEqual({ window: 50, minSample: 20, scope: "strategy", priorWinRate: 0.5, priorPayoff: 1.5, priorStrength: 20, fraction: 0.25, floorFactor: 0.25 });
    expect(s.confidence.ladder).toEqual([
      { minProbability: 0.85, factor: 2 },
      { minProbability: 0.75, factor: 1.5 },
      { minProbability: 0.65, factor: 1 },
    ]);
    expect(s.confidence).toMatchObject({ minSamples: 30, belowFactor: 0.5 });
    expect(s.volatility).toEqual({ elevatedRatio: 1.2, elevatedFactor: 0.85, highRatio: 1.5, highFactor: 0.7 });
    expect(s.drawdown).toEqual({ ladder: [{ atPct: 10, factor: 0.5 }], haltAtPct: 20 });
    expect(s.regimeTemplates).toEqual({ ADD_ALLOWED: "aggressive", ADD_NEUTRAL: "normal", NO_ADD: "conservative" });
    expect(Object.keys(s.templates).sort()).toEqual(["aggressive", "conservative", "conservative_early_exit", "normal"]);
  });

  it("the defaults survive a round trip through the validator (zod does not validate defaults)", () => {
    const c = defaultConfig();
    expect(parseConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it.each([
    [{ kelly: { fraction: 0 } }, /sizing\.kelly\.fraction/],
    [{ kelly: { window: 10 } }, /sizing\.kelly\.minSample: minSample must not exceed window/],
    [{ minRiskPct: 6 }, /sizing\.minRiskPct: minRiskPct must not exceed maxRiskPct/],
    [{ kelly: { windw: 5 } }, /windw/],
    [{ confidence: { belowFactor: 3 } }, /sizing\.confidence\.belowFactor: .*monotone/],
    [{ confidence: { ladder: [{ minProbability: 0.6, factor: 1 }, { minProbability: 0.8, factor: 2 }] } }, /sizing\.confidence\.ladder/],
    [{ volatility: { highRatio: 1.1 } }, /sizing\.volatility\.highRatio/],
    [{ drawdown: { ladder: [{ atPct: 10, factor: 0.5 }, { atPct: 5, factor: 0.8 }] } }, /sizing\.drawdown\.ladder/],
    [{ regimeTemplates: { NO_ADD: "nope" } }, /sizing\.regimeTemplates\.NO_ADD: no template named "nope"/],
    [{ templates: { x: { initialFraction: 0.8, adds: [{ atR: 1, fraction: 0.5 }], maxFraction: 1, targets: [{ atR: 1, fraction: 1 }] } } }, /sizing\.templates\.x\.maxFraction/],
    [{ templates: { x: { initialFraction: 0.5, adds: [], maxFraction: 1, targets: [{ atR: 2, fraction: 0.5 }, { atR: 1, fraction: 0.5 }] } } }, /sizing\.templates\.x\.targets/],
    [{ templates: { x: { initialFraction: 0.5, adds: [], maxFraction: 1, targets: [{ atR: 1, fraction: 0.7 }, { atR: 2, fraction: 0.7 }] } } }, /sum to at most 1/],
  ])("names the bad key: %j", (sizing, re) => {
    expect(() => parseConfig({ sizing })).toThrow(ConfigError);
    expect(() => parseConfig({ sizing })).toThrow(re);
  });
});

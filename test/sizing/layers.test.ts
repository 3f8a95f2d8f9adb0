import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { confidenceFactor, ladderFactor } from "../../src/sizing/confidence.ts";
import { drawdownFactor, drawdownPct } from "../../src/sizing/drawdown.ts";
import { ENTRY_FEATURES, entryFeatureVector, entryFeatures } from "../../src/sizing/entry-features.ts";
import { fixed1, fixed2, fmtFactor } from "../../src/sizing/layer.ts";
import { volatilityFactor, volatilityRatio } from "../../src/sizing/volatility.ts";
import { configWith, identityModel, logit, makeSignal } from "./helpers.ts";

const sizing = configWith().sizing;

describe("confidence layer", () => {
  it("follows SPEC's ladder: >= 0.85 -> 2.0, >= 0.75 -> 1.5, >= 0.65 -> 1.0, else 0.5", () => {
    const f = (p: number) => ladderFactor(p, sizing.confidence).factor;
    expect([f(0.99), f(0.85), f(0.8499), f(0.75), f(0.7), f(0.65), f(0.6499), f(0)]).toEqual([2, 2, 1.5, 1.5, 1, 1, 0.5, 0.5]);
    expect(ladderFactor(0.88, sizing.confidence).reason).toBe("p 0.88 >= 0.85: x2.0");
    expect(ladderFactor(0.6, sizing.confidence).reason).toBe("p 0.60 < 0.65: x0.5");
  });

  it("is neutral 1.0 until the model is trained on enough trades", () => {
    expect(confidenceFactor(null, [1], sizing.confidence)).toMatchObject({ factor: 1, reason: "confidence model not trained (n < 30)" });
    expect(confidenceFactor(identityModel(29), [1], sizing.confidence)).toMatchObject({ factor: 1, reason: "confidence model not trained (n 29 < 30)" });
    expect(confidenceFactor(identityModel(29), [1], sizing.confidence).p).toBeNaN();
  });

  it("is neutral on missing or malformed features (never a guess)", () => {
    const m = identityModel();
    expect(confidenceFactor(m, null, sizing.confidence)).toMatchObject({ factor: 1, reason: "confidence: no entry features" });
    expect(confidenceFactor(m, [1, 2], sizing.confidence)).toMatchObject({ factor: 1, reason: "confidence: model expects 1 features, got 2" });
    expect(confidenceFactor(m, [NaN], sizing.confidence)).toMatchObject({ factor: 1, reason: "confidence: feature x is NaN" });
  });

  it("uses the model's p", () => {
    const r = confidenceFactor(identityModel(), [logit(0.8)], sizing.confidence);
    expect(r.p).toBeCloseTo(0.8, 12);
    expect(r).toMatchObject({ factor: 1.5, reason: "p 0.80 >= 0.75: x1.5" });
  });

  it("is monotone (non-decreasing) in p for any valid ladder", () => {
    const cfgArb = fc
      .array(fc.record({ minProbability: fc.double({ min: 0, max: 1, noNaN: true }), factor: fc.double({ min: 0, max: 5, noNaN: true }) }), { minLength: 1, maxLength: 5 })
      .map((rs) => {
        const byP = [...new Map(rs.map((r) => [r.minProbability, r])).values()].sort((a, b) => b.minProbability - a.minProbability);
        const factors = byP.map((r) => r.factor).sort((a, b) => b - a);
        return { ...sizing.confidence, ladder: byP.map((r, i) => ({ minProbability: r.minProbability, factor: factors[i] })), belowFactor: factors[factors.length - 1] / 2 };
      });
    fc.assert(
      fc.property(cfgArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (cfg, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(ladderFactor(lo, cfg).factor).toBeLessThanOrEqual(ladderFactor(hi, cfg).factor);
      }),
    );
  });
});

describe("volatility layer", () => {
  it("cuts size when ATR runs above its average (strict thresholds)", () => {
    const v = (r: number) => volatilityFactor(r, sizing.volatility);
    expect(v(1.6)).toEqual({ factor: 0.7, reason: "ATR/avg 1.60 > 1.5: x0.7" });
    expect(v(1.5)).toEqual({ factor: 0.85, reason: "ATR/avg 1.50 > 1.2: x0.85" });
    expect(v(1.21).factor).toBe(0.85);
    expect(v(1.2)).toEqual({ factor: 1, reason: "ATR/avg 1.20 <= 1.2: x1.0" });
    expect(v(NaN)).toEqual({ factor: 1, reason: "volatility ratio unknown: x1.0" });
    expect(volatilityRatio(1.3, 1)).toBeCloseTo(1.3, 12);
    expect(volatilityRatio(1, 0)).toBeNaN();
  });
});

describe("drawdown layer", () => {
  it("measures from the high-water mark", () => {
    expect(drawdownPct(90_000, 100_000)).toBeCloseTo(10, 12);
    expect(drawdownPct(110_000, 100_000)).toBe(0);
    expect(drawdownPct(100_000, undefined)).toBe(0);
    expect(drawdownPct(NaN, 100_000)).toBe(0);
    expect(drawdownPct(-10_000, 100_000)).toBeCloseTo(110, 12);
  });

  it("applies the ladder from the moment a threshold is reached and halts at 20%", () => {
    const d = (pct: number) => drawdownFactor(pct, sizing.drawdown);
    expect(d(9.99)).toEqual({ factor: 1, reason: "drawdown 10.0% < 10%: x1.0" });
    expect(d(10)).toEqual({ factor: 0.5, reason: "drawdown 10.0% >= 10%: x0.5" });
    expect(d(19.9)).toEqual({ factor: 0.5, reason: "drawdown 19.9% >= 10%: x0.5" });
    expect(d(21.3)).toEqual({ factor: 0, reason: "drawdown 21.3% >= 20%: new entries halted" });
    expect(d(20).factor).toBe(0);
  });

  it("takes the deepest rung reached", () => {
    const cfg = { ladder: [{ atPct: 5, factor: 0.75 }, { atPct: 10, factor: 0.5 }, { atPct: 15, factor: 0.25 }], haltAtPct: 20 };
    expect([2, 5, 12, 15, 19].map((x) => drawdownFactor(x, cfg).factor)).toEqual([1, 0.75, 0.5, 0.25, 0.25]);
  });
});

describe("entry features", () => {
  it("derives the vector from the signal at the decision bar", () => {
    const s = makeSignal();
    const f = entryFeatures(s);
    expect(f).toHaveLength(ENTRY_FEATURES.length);
    const byName = Object.fromEntries(ENTRY_FEATURES.map((n, i) => [n, f[i]]));
    expect(byName).toMatchObject({ dayChangePct: -16, lowerWickRatio: 0.3, bodyRatio: 0.4, volumeRatio: 1.8, minutesSinceOpen: 45 });
    expect(byName.atrPct).toBeCloseTo(1, 12);
    expect(byName.rPct).toBeCloseTo(2.5, 12);
    // Summer (EDT): 09:30 ET bar = 13:30 UTC; its close is one minute after the open.
    expect(entryFeatures(makeSignal({ barTimeMs: Date.UTC(2024, 6, 1, 13, 30) }))[6]).toBe(1);
    expect(entryFeatureVector(s).names).toBe(ENTRY_FEATURES);
  });
});

describe("formatting", () => {
  it("matches toFixed on ordinary values", () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), (i) => {
        // Values exactly representable at the printed precision + a little noise avoid halfway ties.
        // toFixed prints "-0.00" for tiny negatives; fixed2 prints "0.00" (deliberately), so skip them.
        const x = i / 1000 + 1e-7;
        fc.pre(Math.abs(x) >= 0.05);
        expect(fixed2(x)).toBe(x.toFixed(2));
        expect(fixed1(x)).toBe(x.toFixed(1));
      }),
    );
    expect([fmtFactor(1), fmtFactor(0.5), fmtFactor(0.85), fmtFactor(1.25), fmtFactor(2), fmtFactor(0.756)]).toEqual(["1.0", "0.5", "0.85", "1.25", "2.0", "0.76"]);
    expect(fixed2(1e20)).toBe((1e20).toFixed(2));
    expect(fixed2(-0.001)).toBe("0.00");
  });
});

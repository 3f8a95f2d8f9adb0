import { describe, expect, it } from "vitest";
import { defaultRlConfig } from "../../../src/sizing/rl/config.ts";
import type { RlStateInput } from "../../../src/sizing/rl/policy.ts";
import { bucketIndex, bucketLabels, bucketState, stateKey } from "../../../src/sizing/rl/state.ts";

const edges = defaultRlConfig().buckets;
const base: RlStateInput = { volatilityRatio: 1, trendStrength: 0.7, regime: "ADD_NEUTRAL", confidence: 0.7, drawdownPct: 1 };

describe("rl state bucketing", () => {
  it("builds the compact key", () => {
    expect(stateKey(base, edges)).toBe("vol:mid|trend:high|regime:ADD_NEUTRAL|conf:0.65-0.75|dd:<2%");
  });

  it("uses half-open [lo, hi) buckets at every edge", () => {
    const vol = (v: number) => bucketState({ ...base, volatilityRatio: v }, edges).vol;
    expect([0, 0.79, 0.8, 1.19, 1.2, 1.49, 1.5, 9].map(vol)).toEqual(["low", "low", "mid", "mid", "high", "high", "extreme", "extreme"]);
    const trend = (v: number) => bucketState({ ...base, trendStrength: v }, edges).trend;
    expect([0, 0.39, 0.4, 0.59, 0.6, 1].map(trend)).toEqual(["low", "low", "mid", "mid", "high", "high"]);
    const conf = (v: number) => bucketState({ ...base, confidence: v }, edges).conf;
    expect([0.5, 0.65, 0.749, 0.75, 0.85, 1].map(conf)).toEqual(["<0.65", "0.65-0.75", "0.65-0.75", "0.75-0.85", ">=0.85", ">=0.85"]);
    const dd = (v: number) => bucketState({ ...base, drawdownPct: v }, edges).dd;
    expect([0, 1.99, 2, 4.99, 5, 9.99, 10, 50].map(dd)).toEqual(["<2%", "<2%", "2-5%", "2-5%", "5-10%", "5-10%", ">=10%", ">=10%"]);
  });

  it("reads a signed drawdown by its magnitude", () => {
    expect(bucketState({ ...base, drawdownPct: -6 }, edges).dd).toBe("5-10%");
  });

  it("maps NaN and other non-finite inputs to unknown, never throwing", () => {
    const s = bucketState(
      { volatilityRatio: NaN, trendStrength: Infinity, regime: "SIDEWAYS" as RlStateInput["regime"], confidence: NaN, drawdownPct: NaN },
      edges,
    );
    expect(s).toEqual({ vol: "unknown", trend: "unknown", regime: "unknown", conf: "unknown", dd: "unknown" });
    expect(bucketIndex(NaN, [1])).toBe(-1);
    expect(bucketIndex(undefined as unknown as number, [1])).toBe(-1);
  });

  it("follows config edges", () => {
    const custom = { ...edges, trend: [20, 25] };
    expect(bucketState({ ...base, trendStrength: 22 }, custom).trend).toBe("mid");
    expect(bucketState({ ...base, trendStrength: 30 }, custom).trend).toBe("high");
  });

  it("lists every label a dimension can take", () => {
    const l = bucketLabels(edges);
    expect(l.vol).toEqual(["low", "mid", "high", "extreme", "unknown"]);
    expect(l.conf).toEqual(["<0.65", "0.65-0.75", "0.75-0.85", ">=0.85", "unknown"]);
    expect(l.dd).toEqual(["<2%", "2-5%", "5-10%", ">=10%", "unknown"]);
    expect(l.regime).toHaveLength(4);
  });
});

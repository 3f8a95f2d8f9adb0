import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SeededRng } from "../../../src/core/rng.ts";
import { defaultRlConfig } from "../../../src/sizing/rl/config.ts";
import { NeutralRlPolicy, QLearningPolicy, formatMultiplier } from "../../../src/sizing/rl/policy.ts";
import type { RlPolicy, RlStateInput } from "../../../src/sizing/rl/policy.ts";
import { QTable } from "../../../src/sizing/rl/q-table.ts";
import { RlSession } from "../../../src/sizing/rl/session.ts";

const cfg = defaultRlConfig();
const SIX = [0.5, 0.75, 1, 1.25, 1.5, 2];
const state: RlStateInput = { volatilityRatio: 1, trendStrength: 0.7, regime: "ADD_NEUTRAL", confidence: 0.7, drawdownPct: 1 };
const KEY = "vol:mid|trend:high|regime:ADD_NEUTRAL|conf:0.65-0.75|dd:<2%";

describe("QLearningPolicy", () => {
  it("is neutral 1.0 and greedy on an untrained table", () => {
    const p: RlPolicy = new QLearningPolicy(QTable.fromConfig(cfg), new SeededRng(1), { explore: false });
    const d = p.multiplier(state);
    expect(d).toEqual(expect.objectContaining({ factor: 1, action: 2, stateKey: KEY }));
    expect(d.reason).toBe(`rl 1.0 (state ${KEY}, q=+0.0, n=0, greedy)`);
  });

  it("explains the greedy choice with q and n", () => {
    const t = QTable.fromConfig(cfg);
    const p = new QLearningPolicy(t, new SeededRng(1), { explore: false });
    for (let i = 0; i < 14; i++) p.learn(KEY, 3, 5);
    const d = p.multiplier(state);
    expect(d.factor).toBe(1.25);
    expect(d.reason).toMatch(/^rl 1\.25 \(state vol:mid\|trend:high\|regime:ADD_NEUTRAL\|conf:0\.65-0\.75\|dd:<2%, q=\+3\.9, n=14, greedy\)$/);
  });

  it("says when it explores and with which epsilon", () => {
    const p = new QLearningPolicy(QTable.fromConfig(cfg), { next: () => 0.01 }, { explore: true });
    const d = p.multiplier(state);
    expect(d.factor).toBe(0.5); // second draw 0.01 -> action 0
    expect(d.reason).toMatch(/exploring \(eps 0\.20\)\)$/);
  });

  it("learn never throws and refuses what would poison the table", () => {
    const t = QTable.fromConfig(cfg);
    const p = new QLearningPolicy(t, new SeededRng(1), { explore: false });
    expect(p.learn(KEY, 2, NaN).learned).toBe(false);
    expect(p.learn(KEY, 9, 1).learned).toBe(false);
    expect(p.learn(KEY, -1, 1).learned).toBe(false);
    expect(t.totalUpdates).toBe(0);
    const ok = p.learn(KEY, 5, 10);
    expect(ok).toEqual({ learned: true, reason: `rl learned ${KEY} x2.0: r=+10.0, q +0.0 -> +1.0` });
    const frozen = new QLearningPolicy(t, new SeededRng(1), { explore: false, learn: false });
    expect(frozen.learn(KEY, 5, 10).learned).toBe(false);
    expect(t.totalUpdates).toBe(1);
  });

  it("always returns one of the six actions, whatever the state and table (fast-check)", () => {
    const num = fc.oneof(fc.double(), fc.constant(NaN), fc.constant(Infinity), fc.double({ min: -5, max: 5 }));
    const regime = fc.constantFrom("ADD_ALLOWED", "ADD_NEUTRAL", "NO_ADD", "bogus") as fc.Arbitrary<RlStateInput["regime"]>;
    const stateArb = fc.record({ volatilityRatio: num, trendStrength: num, regime, confidence: num, drawdownPct: num });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(stateArb, fc.integer({ min: 0, max: 5 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { maxLength: 30 }),
        stateArb,
        fc.integer(),
        fc.boolean(),
        (updates, s, seed, explore) => {
          const p = new QLearningPolicy(QTable.fromConfig(cfg), new SeededRng(seed), { explore });
          for (const [us, a, r] of updates) p.learn(p.multiplier(us).stateKey, a, r);
          const d = p.multiplier(s);
          expect(SIX).toContain(d.factor);
          expect(d.factor).toBe(SIX[d.action]);
          expect(d.reason.startsWith(`rl ${formatMultiplier(d.factor)} (state `)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("NeutralRlPolicy", () => {
  it("always says 1.0", () => {
    const d = new NeutralRlPolicy().multiplier(state);
    expect(d).toEqual({ factor: 1, reason: "rl not trained: neutral 1.0", action: 2, stateKey: "neutral" });
  });
});

describe("RlSession (learn on close)", () => {
  it("learns only when the trade closes, from the realised outcome", () => {
    const t = QTable.fromConfig(cfg);
    const s = new RlSession(new QLearningPolicy(t, new SeededRng(3), { explore: false }), cfg.reward);
    const a = s.decide("A", state);
    const b = s.decide("B", state); // A still open: B cannot know how A ends
    expect(b.factor).toBe(a.factor);
    expect(t.totalUpdates).toBe(0);
    expect(s.close("A", { pnlPct: 2, rMultiple: 2.5, drawdownPct: 0 }).learned).toBe(true); // r = 25
    expect(t.qValues(KEY)[a.action]).toBeCloseTo(2.5, 12);
    expect(s.close("A", { pnlPct: 2, rMultiple: 2.5, drawdownPct: 0 }).learned).toBe(false);
    expect(s.cancel("B")).toBe(true);
    expect(s.openDecisions).toBe(0);
    expect(t.totalUpdates).toBe(1);
  });
});

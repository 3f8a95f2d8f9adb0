import { describe, expect, it } from "vitest";
import { SeededRng } from "../../../src/core/rng.ts";
import { defaultRlConfig, rlConfigSchema } from "../../../src/sizing/rl/config.ts";
import { QTable, epsilonAt } from "../../../src/sizing/rl/q-table.ts";
import type { EpsilonSchedule } from "../../../src/sizing/rl/q-table.ts";
import { reward } from "../../../src/sizing/rl/reward.ts";

const S = "vol:mid|trend:mid|regime:ADD_NEUTRAL|conf:0.65-0.75|dd:<2%";

describe("config", () => {
  it("has SPEC's defaults", () => {
    const c = defaultRlConfig();
    expect(c.actions).toEqual([0.5, 0.75, 1, 1.25, 1.5, 2]);
    expect([c.alpha, c.epsilonStart, c.epsilonMin]).toEqual([0.1, 0.2, 0.05]);
    expect(c.reward).toMatchObject({ pnlScale: 10, bigWinR: 2, bigWinBonus: 5, drawdownLimitPct: 5, drawdownPenalty: 10 });
    expect(c.buckets.volatility).toEqual([0.8, 1.2, 1.5]);
  });

  it("rejects bad values and unknown keys", () => {
    expect(rlConfigSchema.safeParse({ actions: [0.5, 2] }).success).toBe(false); // no neutral 1.0
    expect(rlConfigSchema.safeParse({ actions: [1, 0.5] }).success).toBe(false);
    expect(rlConfigSchema.safeParse({ epsilonStart: 0.1, epsilonMin: 0.2 }).success).toBe(false);
    expect(rlConfigSchema.safeParse({ buckets: { trend: [0.6, 0.4] } }).success).toBe(false);
    expect(rlConfigSchema.safeParse({ alfa: 0.1 }).success).toBe(false);
  });
});

describe("reward", () => {
  const cfg = defaultRlConfig().reward;
  it("is pnl% x 10 + 5 if R >= 2 - 10 if drawdown beyond 5%", () => {
    expect(reward(1.5, 1, 0, cfg)).toBe(15);
    expect(reward(1.5, 2, 0, cfg)).toBe(20);
    expect(reward(-1, -1, 5, cfg)).toBe(-10); // exactly 5% is not beyond
    expect(reward(-1, -1, 5.01, cfg)).toBe(-20);
    expect(reward(-1, -1, -6, cfg)).toBe(-20); // signed drawdown counts by magnitude
    expect(reward(0, NaN, NaN, cfg)).toBe(0);
    expect(reward(NaN, 3, 0, cfg)).toBeNaN();
    expect(reward(1, 0, 0, { ...cfg, pnlScale: 2, drawdownPenalty: 1 })).toBe(2);
  });
});

describe("epsilon schedule", () => {
  const lin: EpsilonSchedule = { start: 0.2, min: 0.05, decay: "linear", decayUpdates: 100 };
  const exp: EpsilonSchedule = { ...lin, decay: "exponential" };
  it("starts at 0.2 and floors at 0.05 (both shapes)", () => {
    for (const s of [lin, exp]) {
      expect(epsilonAt(s, 0)).toBeCloseTo(0.2, 12);
      expect(epsilonAt(s, 100)).toBe(0.05);
      expect(epsilonAt(s, 10_000)).toBe(0.05);
      for (let u = 1; u <= 120; u++) expect(epsilonAt(s, u)).toBeLessThanOrEqual(epsilonAt(s, u - 1));
    }
    expect(epsilonAt(lin, 50)).toBeCloseTo(0.125, 12);
    expect(epsilonAt(exp, 50)).toBeCloseTo(0.1, 12); // geometric midpoint of 0.2 and 0.05
    expect(epsilonAt(exp, 99)).toBeGreaterThan(0.05);
  });

  it("tracks the table's update count", () => {
    const t = QTable.fromConfig({ ...defaultRlConfig(), epsilonDecayUpdates: 10 });
    expect(t.epsilon).toBeCloseTo(0.2, 12);
    for (let i = 0; i < 10; i++) t.update(S, 0, 1);
    expect(t.epsilon).toBe(0.05);
  });
});

describe("Q update", () => {
  it("is Q <- Q + alpha (r - Q), checked by hand", () => {
    const t = QTable.fromConfig(defaultRlConfig()); // alpha 0.1
    expect(t.update(S, 4, 10)).toEqual({ before: 0, after: 1 });
    expect(t.update(S, 4, 10).after).toBeCloseTo(1.9, 12);
    expect(t.update(S, 4, -5).after).toBeCloseTo(1.21, 12); // 1.9 + 0.1 x (-5 - 1.9)
    expect(t.visits(S)).toEqual([0, 0, 0, 0, 3, 0]);
    expect(t.qValues(S)[0]).toBe(0);
    expect(t.totalUpdates).toBe(3);
    expect(t.stats().meanReward).toBeCloseTo(5, 12);
  });

  it("refuses a non-finite reward or a bad action", () => {
    const t = QTable.fromConfig(defaultRlConfig());
    expect(() => t.update(S, 0, NaN)).toThrow(RangeError);
    expect(() => t.update(S, 6, 1)).toThrow(RangeError);
    expect(t.totalUpdates).toBe(0);
  });
});

describe("greedy choice", () => {
  it("is neutral 1.0x on an untrained table and on ties", () => {
    const t = QTable.fromConfig(defaultRlConfig());
    expect(t.actions[t.greedyAction(S)]).toBe(1);
    t.update(S, 0, 0); // Q stays 0 everywhere: still a tie
    expect(t.actions[t.greedyAction(S)]).toBe(1);
  });

  it("breaks ties toward 1.0x, then the smaller multiplier", () => {
    const t = QTable.fromConfig(defaultRlConfig());
    t.update(S, 2, -10); // 1.0x now worse; 0.75 and 1.25 tie at distance 0.25
    expect(t.actions[t.greedyAction(S)]).toBe(0.75);
    t.update(S, 5, 10);
    expect(t.actions[t.greedyAction(S)]).toBe(2);
  });

  it("draws no random numbers when not exploring", () => {
    const t = QTable.fromConfig(defaultRlConfig());
    const rng = { next: () => { throw new Error("drawn"); } };
    expect(t.selectAction(S, rng, false)).toEqual({ action: 2, explored: false, epsilon: 0 });
  });

  it("explores at rate epsilon with the injected rng", () => {
    const t = QTable.fromConfig(defaultRlConfig());
    const rng = new SeededRng(7);
    let explored = 0;
    for (let i = 0; i < 20_000; i++) if (t.selectAction(S, rng, true).explored) explored++;
    expect(explored / 20_000).toBeGreaterThan(0.18);
    expect(explored / 20_000).toBeLessThan(0.22);
  });

  it("reports stats per state", () => {
    const t = QTable.fromConfig(defaultRlConfig());
    t.update("b", 5, 3);
    t.update("a", 0, -1);
    const s = t.stats();
    expect(s.states).toBe(2);
    expect(s.pairsVisited).toBe(2);
    expect(s.greedy.map((g) => [g.state, g.multiplier])).toEqual([["a", 1], ["b", 2]]);
    expect(s.meanReward).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import { SeededRng } from "../../src/core/rng.ts";
import { KillPlan, planKills } from "../../src/chaos/kill-schedule.ts";

describe("planKills", () => {
  it("places every kill asked for when the replay has room (150 kills in 10 sessions)", () => {
    for (const seed of [1, 3, 7]) {
      const m = planKills(150, 3900, new SeededRng(seed));
      expect(m).toHaveLength(150);
      expect(new Set(m).size).toBe(150);
      expect(m.every((x, i) => x >= 1 && x < 3900 && (i === 0 || x > m[i - 1]))).toBe(true);
    }
  });

  it("spreads the kills over the whole run, one per slot", () => {
    const m = planKills(10, 1000, new SeededRng(3));
    m.forEach((x, i) => {
      expect(x).toBeGreaterThan(Math.floor((i * 999) / 10));
      expect(x).toBeLessThanOrEqual(Math.floor(((i + 1) * 999) / 10));
    });
  });

  it("caps at one kill a minute and makes none for zero or a one-minute replay", () => {
    expect(planKills(50, 11, new SeededRng(1))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(planKills(0, 1000, new SeededRng(1))).toEqual([]);
    expect(planKills(5, 1, new SeededRng(1))).toEqual([]);
  });
});

describe("KillPlan", () => {
  it("keeps a kill owed when its minute passed while the driver could not act", () => {
    const plan = new KillPlan([5, 6, 20]);
    expect(plan.take(4)).toBe(false);
    // The driver was busy until minute 12: both overdue kills happen, one per call.
    expect(plan.take(12)).toBe(true);
    expect(plan.take(13)).toBe(true);
    expect(plan.take(14)).toBe(false);
    expect(plan.minutesToNext(14)).toBe(6);
    expect(plan.take(20)).toBe(true);
    expect(plan.minutesToNext(21)).toBe(Infinity);
  });
});

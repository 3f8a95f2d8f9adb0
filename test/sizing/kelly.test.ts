import { describe, expect, it } from "vitest";
import { kellyFactor, kellyFraction, kellyFractions, shrinkKelly } from "../../src/sizing/kelly.ts";
import { KellyStatsStore, type KellySnapshot } from "../../src/sizing/kelly-stats.ts";
import { configWith } from "./helpers.ts";

const cfg = configWith().sizing.kelly;

/** A store holding `wins` trades at +winR and `losses` at -lossR, closed at t = 1..n. */
function snapshotOf(wins: number, winR: number, losses: number, lossR: number): KellySnapshot {
  const store = new KellyStatsStore(1000);
  let t = 1;
  for (let i = 0; i < wins; i++) store.add({ strategyId: "s", symbol: "X", rMultiple: winR, closeTimeMs: t++ });
  for (let i = 0; i < losses; i++) store.add({ strategyId: "s", symbol: "X", rMultiple: -lossR, closeTimeMs: t++ });
  return store.snapshot("s", "X", t);
}

describe("Kelly formula", () => {
  it("worked example: W 0.55, avg win 3.2%, avg loss 1.8% -> full 29.69%, half 14.84%, quarter 7.42%", () => {
    // K = W - (1 - W) / B with B = 3.2 / 1.8 = 1.7778: 0.55 - 0.45 / 1.7778 = 0.296875 exactly.
    // The research seed (and the brief quoting it) prints 30.3% and 7.6%; its own formula,
    // (0.55 x 0.032 - 0.45 x 0.018) / 0.032 = 0.0095 / 0.032, also gives 0.296875, so 30.3% is an
    // arithmetic slip in the seed, and the right figures are asserted here.
    const k = kellyFractions(0.55, 3.2, 1.8);
    expect(k.full).toBeCloseTo(0.296875, 12);
    expect((k.full * 100).toFixed(2)).toBe("29.69");
    expect((k.half * 100).toFixed(2)).toBe("14.84");
    expect((k.quarter * 100).toFixed(2)).toBe("7.42");
    expect((k.full * 100).toFixed(1)).not.toBe("30.3");
    // Units cancel in B: the same answer from R multiples or dollars.
    expect(kellyFractions(0.55, 1.6, 0.9).full).toBeCloseTo(k.full, 12);
  });

  it("maps the worked example to a factor: quarter Kelly 7.42% over base 1% = 7.42 (caps later bound it to 5%)", () => {
    const snap = snapshotOf(55, 3.2, 45, 1.8);
    const r = kellyFactor(snap, { ...cfg, priorStrength: 0 }, 1);
    expect(r.factor).toBeCloseTo(7.421875, 12);
    expect(r.reason).toBe("quarter Kelly 7.42% / base 1% (full 29.69%; W 0.55 B 1.78 n 100, data weight 100%)");
  });

  it("is clamped to [-1, 1] and never NaN", () => {
    expect(kellyFraction(0.5, 0)).toBe(-1);
    expect(kellyFraction(0, 2)).toBe(-0.5);
    expect(kellyFraction(0, 0.1)).toBe(-1);
    expect(kellyFraction(1, 0)).toBe(1);
    expect(kellyFraction(0.6, Infinity)).toBe(0.6);
    expect(kellyFraction(NaN, 1)).toBe(-1);
    expect(kellyFraction(0.5, NaN)).toBe(-1);
    expect(kellyFraction(0.5, 1)).toBe(0);
  });
});

describe("Kelly layer", () => {
  it("answers neutral below the minimum sample", () => {
    expect(kellyFactor(null, cfg, 1)).toEqual({ factor: 1, reason: "kelly: n 0 < 20 closed trades: base risk", estimate: null });
    const r = kellyFactor(snapshotOf(10, 2, 9, 1), cfg, 1);
    expect(r.factor).toBe(1);
    expect(r.reason).toBe("kelly: n 19 < 20 closed trades: base risk");
  });

  it("shrinks W and B toward the prior with weight n / (n + priorStrength)", () => {
    // 18 wins at +2R, 32 losses at -1R: W 0.36, B 2; weight 50/70 = 5/7.
    // W' = 5/7 x 0.36 + 2/7 x 0.5 = 0.4; B' = 5/7 x 2 + 2/7 x 1.5 = 13/7; K = 0.4 - 0.6 / (13/7) = 1/13.
    const e = shrinkKelly(snapshotOf(18, 2, 32, 1), cfg);
    expect(e.dataWeight).toBeCloseTo(5 / 7, 12);
    expect(e.winRate).toBeCloseTo(0.4, 12);
    expect(e.payoff).toBeCloseTo(13 / 7, 12);
    expect(e.fullKelly).toBeCloseTo(1 / 13, 12);
    expect(e.fractionalKelly).toBeCloseTo(1 / 52, 12);
    const r = kellyFactor(snapshotOf(18, 2, 32, 1), cfg, 1);
    expect(r.factor).toBeCloseTo(100 / 52, 12);
    expect(r.reason).toBe("quarter Kelly 1.92% / base 1% (full 7.69%; W 0.40 B 1.86 n 50, data weight 71%)");
  });

  it("factor = fractional Kelly % / base risk %: a 2% base halves the factor", () => {
    const snap = snapshotOf(18, 2, 32, 1);
    expect(kellyFactor(snap, cfg, 2).factor).toBeCloseTo(kellyFactor(snap, cfg, 1).factor / 2, 12);
  });

  it("takes the floor factor when K <= 0 (no edge), and never goes below it", () => {
    const r = kellyFactor(snapshotOf(10, 1, 40, 1), cfg, 1);
    expect(r.factor).toBe(0.25);
    expect(r.reason).toMatch(/^kelly: no edge \(K -\d+\.\d% <= 0; W 0\.\d\d B \d\.\d\d n 50, data weight 71%\): floor x0\.25$/);
    // Tiny positive edge: factor would be 0.05, the floor lifts it so it is monotone in K.
    const tiny = kellyFactor(snapshotOf(21, 1.4, 29, 1), { ...cfg, priorStrength: 0 }, 1);
    expect(tiny.estimate!.fullKelly).toBeGreaterThan(0);
    expect(tiny.factor).toBe(0.25);
    expect(tiny.reason).toMatch(/floor x0\.25$/);
  });

  it("uses the prior payoff when there is no losing trade (an infinite B says nothing about losses)", () => {
    const e = shrinkKelly(snapshotOf(25, 1, 0, 0), cfg);
    expect(Number.isFinite(e.payoff)).toBe(true);
    expect(e.payoff).toBeCloseTo(1.5, 12);
  });
});

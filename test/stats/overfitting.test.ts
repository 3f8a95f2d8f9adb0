import { describe, expect, it } from "vitest";
import { SeededRng } from "../../src/core/rng.ts";
import { deflatedSharpe, expectedMaxSharpe, probabilisticSharpe, returnMoments } from "../../src/stats/deflated-sharpe.ts";
import { combinations, probabilityOfOverfitting } from "../../src/stats/pbo.ts";

describe("deflated Sharpe ratio (Bailey and Lopez de Prado 2014)", () => {
  it("reproduces the paper's worked example: SR 2.5 a year, T = 1250 days, N = 100 trials, V[SR] = 1/2 a year, skew -3, kurtosis 10", () => {
    // The paper works in daily units with 250 days a year: SR = 2.5 / sqrt(250), V = 0.5 / 250.
    const sr0 = expectedMaxSharpe(100, 0.5 / 250);
    expect(sr0.toFixed(4)).toBe("0.1132");
    const d = deflatedSharpe({ sr: 2.5 / Math.sqrt(250), observations: 1250, skew: -3, kurtosis: 10, nTrials: 100, trialSharpeVariance: 0.5 / 250 });
    expect(d.dsr.toFixed(4)).toBe("0.9004");
  });

  it("with one trial the benchmark is 0 and the DSR is the probabilistic Sharpe against 0", () => {
    expect(expectedMaxSharpe(1, 1)).toBe(0);
    expect(deflatedSharpe({ sr: 0.1, observations: 250, skew: 0, kurtosis: 3, nTrials: 1, trialSharpeVariance: 0.01 }).dsr).toBeCloseTo(probabilisticSharpe(0.1, 0, 250, 0, 3), 12);
    // Normal returns: z = SR sqrt(T - 1) / sqrt(1 + SR^2 / 2).
    expect(probabilisticSharpe(0.1, 0, 250, 0, 3)).toBeCloseTo(0.9423, 4);
  });

  it("negative skew and fat tails lower it", () => {
    const base = { sr: 0.12, observations: 500, nTrials: 20, trialSharpeVariance: 0.002 };
    expect(deflatedSharpe({ ...base, skew: -2, kurtosis: 9 }).dsr).toBeLessThan(deflatedSharpe({ ...base, skew: 0, kurtosis: 3 }).dsr);
  });

  it("returnMoments: mean / sample std, skewness and plain kurtosis", () => {
    const m = returnMoments([1, 2, 3, 4, 10]);
    expect(m.sr).toBeCloseTo(4 / Math.sqrt(12.5), 12);
    expect(m.skew).toBeCloseTo(1.1384199, 6);
    expect(m.kurtosis).toBeCloseTo(2.788, 9);
  });
});

/** A grid of n variants of T periods of N(mu, 1%) returns; `edge` adds a mean to variant 0. */
function grid(n: number, T: number, seed: number, edge = 0): number[][] {
  const rng = new SeededRng(seed);
  return Array.from({ length: n }, (_, v) => Array.from({ length: T }, () => rng.normal() * 0.01 + (v === 0 ? edge : 0)));
}

function dsrRanking(returns: number[][]): { v: number; dsr: number }[] {
  const ms = returns.map(returnMoments);
  const srs = ms.map((m) => m.sr);
  const mean = srs.reduce((a, b) => a + b, 0) / srs.length;
  const variance = srs.reduce((a, s) => a + (s - mean) ** 2, 0) / (srs.length - 1);
  return ms.map((m, v) => ({ v, dsr: deflatedSharpe({ sr: m.sr, observations: m.n, skew: m.skew, kurtosis: m.kurtosis, nTrials: returns.length, trialSharpeVariance: variance }).dsr })).sort((a, b) => b.dsr - a.dsr);
}

describe("probability of backtest overfitting (CSCV, Bailey, Borwein, Lopez de Prado and Zhu 2015)", () => {
  it("enumerates C(S, S/2) splits", () => {
    expect([...combinations(4, 2)]).toEqual([[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]);
    expect(probabilityOfOverfitting(grid(3, 64, 1), 8).splits).toBe(70);
  });

  it("a worked 2-variant, 2-group case: the in-sample winner loses out of sample in both splits", () => {
    // Variant 0 wins the first half and loses the second; variant 1 the opposite. Each split picks the
    // half's winner, which is the other's loser out of sample: rank 1 of 2, w = 1/3, logit -ln 2.
    const a = [0.02, 0.01, 0.03, -0.01, -0.02, -0.01];
    const b = [-0.01, -0.02, -0.01, 0.02, 0.01, 0.03];
    const r = probabilityOfOverfitting([a, b], 2);
    expect(r.pbo).toBe(1);
    expect(r.medianLogit).toBeCloseTo(-Math.log(2), 12);
    expect(r.picks).toEqual([1, 1]);
  });

  it("skill-less random grids: PBO near 0.5 on average and no variant survives deflation", () => {
    // One grid's PBO swings widely (its splits share the same periods), so the claim is about the mean over grids.
    const seeds = Array.from({ length: 20 }, (_, i) => (i + 1) * 7919);
    const pbos = seeds.map((s) => probabilityOfOverfitting(grid(20, 480, s), 12).pbo);
    const mean = pbos.reduce((a, b) => a + b, 0) / pbos.length;
    expect(mean).toBeGreaterThan(0.4);
    expect(mean).toBeLessThan(0.6);
    const survivors = seeds.filter((s) => dsrRanking(grid(20, 480, s))[0].dsr >= 0.95);
    // At a 95% threshold about 1 grid in 20 may pass by chance; none or one is what deflation promises.
    expect(survivors.length).toBeLessThanOrEqual(1);
  });

  it("a grid with one planted edge: it is found, survives deflation, and PBO is near 0", () => {
    // Daily Sharpe 0.25 (about 4 a year) among 19 skill-less variants.
    const g = grid(20, 480, 5, 0.0025);
    const r = probabilityOfOverfitting(g, 12);
    expect(r.pbo).toBeLessThan(0.1);
    expect(r.picks[0] / r.splits).toBeGreaterThan(0.8);
    const ranking = dsrRanking(g);
    expect(ranking[0].v).toBe(0);
    expect(ranking[0].dsr).toBeGreaterThan(0.95);
    expect(ranking.slice(1).every((x) => x.dsr < 0.95)).toBe(true);
  });

  it("refuses what it cannot compute", () => {
    expect(() => probabilityOfOverfitting([[1, 2]], 2)).toThrow(/at least 2 variants/);
    expect(() => probabilityOfOverfitting([[1, 2, 3], [1, 2]], 2)).toThrow(/same periods/);
    expect(() => probabilityOfOverfitting(grid(2, 10, 1), 3)).toThrow(/even integer/);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { predict, sigmoid, trainConfidenceModel, trainConfidenceModelAsOf, type TrainingSample } from "../../src/sizing/logistic.ts";

/** Deterministic pseudo-random numbers for fixtures. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

function noisySet(n: number, seed: number): TrainingSample[] {
  const rnd = lcg(seed);
  return Array.from({ length: n }, () => {
    const a = rnd() * 4 - 2;
    const b = rnd() * 10 + 5;
    return { features: [a, b, 7], win: sigmoid(1.5 * a - 0.2 * (b - 10)) > rnd() };
  });
}

describe("logistic regression", () => {
  it("learns a linearly separable toy set and stays finite (L2)", () => {
    const samples: TrainingSample[] = [];
    for (let i = 0; i < 40; i++) {
      const x = (i - 19.5) / 4;
      samples.push({ features: [x, (i * 7) % 5], win: x > 0 });
    }
    const m = trainConfidenceModel(samples, { featureNames: ["x", "noise"], l2: 0.1 });
    expect(m.converged).toBe(true);
    expect(m.trainingCount).toBe(40);
    expect(m.weights.every(Number.isFinite)).toBe(true);
    expect(m.weights[0]).toBeGreaterThan(1);
    for (const s of samples) expect(predict(m, s.features) > 0.5).toBe(s.win);
    expect(predict(m, [3, 2])).toBeGreaterThan(0.95);
    expect(predict(m, [-3, 2])).toBeLessThan(0.05);
  });

  it("is deterministic: same samples, same model bit for bit", () => {
    const samples = noisySet(300, 7);
    const a = trainConfidenceModel(samples, { featureNames: ["a", "b", "c"] });
    const b = trainConfidenceModel(samples.map((s) => ({ features: [...Array.from(s.features)], win: s.win })), { featureNames: ["a", "b", "c"] });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it("reaches the penalised optimum: the gradient is ~0 (KKT) on noisy data", () => {
    const samples = noisySet(400, 11);
    const l2 = 2;
    const m = trainConfidenceModel(samples, { featureNames: ["a", "b", "c"], l2, interceptL2: 0.01 });
    expect(m.converged).toBe(true);
    const g = [-0.01 * m.intercept, ...m.weights.map((w) => -l2 * w)];
    for (const s of samples) {
      const p = predict(m, s.features);
      const r = (s.win ? 1 : 0) - p;
      g[0] += r;
      for (let j = 0; j < 3; j++) g[j + 1] += (r * (s.features[j] - m.means[j])) / m.stds[j];
    }
    for (const x of g) expect(Math.abs(x)).toBeLessThan(1e-6);
    // The constant feature has std set to 1 and weight 0; the true signs are recovered.
    expect(m.stds[2]).toBe(1);
    expect(m.weights[2]).toBe(0);
    expect(m.weights[0]).toBeGreaterThan(0);
    expect(m.weights[1]).toBeLessThan(0);
  });

  it("stores what it needs to be reloaded from JSON", () => {
    const m = trainConfidenceModel(noisySet(50, 3), { featureNames: ["a", "b", "c"] });
    const back = JSON.parse(JSON.stringify(m));
    expect(back).toEqual(m);
    expect(predict(back, [0.5, 8, 7])).toBe(predict(m, [0.5, 8, 7]));
    expect(Object.keys(m).sort()).toEqual(
      ["converged", "droppedSamples", "featureNames", "intercept", "iterations", "kind", "l2", "means", "stds", "trainingCount", "trainingWinRate", "version", "weights"].sort(),
    );
  });

  it("drops samples with missing features, handles one-class and empty sets", () => {
    const m = trainConfidenceModel(
      [{ features: [1, NaN], win: true }, { features: [1], win: true }, ...Array.from({ length: 30 }, (_, i) => ({ features: [i, 1], win: true }))],
      { featureNames: ["a", "b"] },
    );
    expect(m.droppedSamples).toBe(2);
    expect(m.trainingCount).toBe(30);
    expect(Number.isFinite(m.intercept)).toBe(true);
    expect(predict(m, [3, 1])).toBeGreaterThan(0.9);
    const empty = trainConfidenceModel([], { featureNames: ["a"] });
    expect(empty).toMatchObject({ trainingCount: 0, intercept: 0, weights: [0] });
    expect(predict(empty, [1])).toBe(0.5);
  });

  it("predicts NaN for a wrong-length or non-finite vector, and p in [0, 1] otherwise", () => {
    const m = trainConfidenceModel(noisySet(80, 5), { featureNames: ["a", "b", "c"] });
    expect(predict(m, [1, 2])).toBeNaN();
    expect(predict(m, [1, NaN, 7])).toBeNaN();
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 3, maxLength: 3 }), (x) => {
        const p = predict(m, x);
        expect(p >= 0 && p <= 1).toBe(true);
      }),
    );
  });

  it("walk-forward training uses only trades closed before the decision", () => {
    const samples = noisySet(60, 9).map((x, i) => ({ ...x, closeTimeMs: i }));
    const m = trainConfidenceModelAsOf(samples, 40, { featureNames: ["a", "b", "c"] });
    expect(m.trainingCount).toBe(40);
    expect(m).toEqual(trainConfidenceModel(samples.slice(0, 40), { featureNames: ["a", "b", "c"] }));
  });
});

/**
 * L2-regularised logistic regression on standardized features, fitted by Newton's method (IRLS)
 * with step halving. Written here rather than pulled from a package because it is ~100 lines,
 * must be bit-for-bit deterministic (walk-forward backtests are compared run against run), has to
 * serialize to a small JSON model, and the few npm options are unmaintained or carry a matrix
 * library for a problem of seven features. Newton over gradient descent: it converges in a
 * handful of iterations without a learning rate to tune, and the penalty makes the Hessian
 * positive definite, so a Cholesky solve always works and separable data stays finite.
 */

export interface TrainingSample {
  readonly features: ArrayLike<number>;
  readonly win: boolean;
}

export interface TrainOptions {
  readonly featureNames: readonly string[];
  /** Penalty on standardized weights; default 1. */
  readonly l2?: number;
  /**
   * Penalty on the intercept. Tiny, only to keep a one-class training set finite (its MLE
   * intercept is infinite); at 0.01 it moves a realistic base rate by far less than a percent.
   */
  readonly interceptL2?: number;
  readonly maxIterations?: number;
  readonly tolerance?: number;
}

export interface ConfidenceModel {
  readonly kind: "logistic-l2";
  readonly version: 1;
  readonly featureNames: readonly string[];
  readonly means: readonly number[];
  readonly stds: readonly number[];
  /** Weights on standardized features, in featureNames order. */
  readonly weights: readonly number[];
  readonly intercept: number;
  readonly l2: number;
  /** Samples the model was fitted on (after dropping any with a non-finite feature). */
  readonly trainingCount: number;
  readonly droppedSamples: number;
  readonly trainingWinRate: number;
  readonly iterations: number;
  readonly converged: boolean;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Solves A x = b in place for a symmetric positive definite A (row-major d x d); returns false if not SPD. */
function choleskySolve(a: Float64Array, b: Float64Array, d: number): boolean {
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j];
    for (let k = 0; k < j; k++) s -= a[j * d + k] * a[j * d + k];
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    a[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j];
      for (let k = 0; k < j; k++) t -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = t / ljj;
    }
  }
  for (let i = 0; i < d; i++) {
    let t = b[i];
    for (let k = 0; k < i; k++) t -= a[i * d + k] * b[k];
    b[i] = t / a[i * d + i];
  }
  for (let i = d - 1; i >= 0; i--) {
    let t = b[i];
    for (let k = i + 1; k < d; k++) t -= a[k * d + i] * b[k];
    b[i] = t / a[i * d + i];
  }
  return true;
}

/** Fits the model. Samples with a wrong length or a non-finite feature are dropped and counted. */
export function trainConfidenceModel(samples: readonly TrainingSample[], opts: TrainOptions): ConfidenceModel {
  const k = opts.featureNames.length;
  const l2 = opts.l2 ?? 1;
  const l2b = opts.interceptL2 ?? 0.01;
  const maxIter = opts.maxIterations ?? 100;
  const tol = opts.tolerance ?? 1e-10;
  const kept = samples.filter((s) => s.features.length === k && Array.prototype.every.call(s.features, (x: number) => Number.isFinite(x)));
  const n = kept.length;
  const means = new Array<number>(k).fill(0);
  const stds = new Array<number>(k).fill(1);
  const constant = new Array<boolean>(k).fill(true);
  for (const s of kept) for (let j = 0; j < k; j++) means[j] += s.features[j];
  for (let j = 0; j < k; j++) {
    means[j] = n > 0 ? means[j] / n : 0;
    let v = 0;
    for (const s of kept) v += (s.features[j] - means[j]) ** 2;
    const sd = n > 0 ? Math.sqrt(v / n) : 0;
    // A constant column carries no information: its standardized values are set to exactly 0 so
    // its weight stays exactly 0, and std 1 keeps predict finite for any later value.
    constant[j] = !(sd > 1e-12);
    stds[j] = constant[j] ? 1 : sd;
  }
  const d = k + 1;
  const z = new Float64Array(n * d);
  const y = new Float64Array(n);
  let wins = 0;
  kept.forEach((s, i) => {
    z[i * d] = 1;
    for (let j = 0; j < k; j++) z[i * d + 1 + j] = constant[j] ? 0 : (s.features[j] - means[j]) / stds[j];
    y[i] = s.win ? 1 : 0;
    wins += y[i];
  });
  const penalty = (j: number) => (j === 0 ? l2b : l2);
  const beta = new Float64Array(d);
  const eta = new Float64Array(n);
  const objective = (b: Float64Array): number => {
    let o = 0;
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let j = 0; j < d; j++) e += z[i * d + j] * b[j];
      o += y[i] * e - softplus(e);
    }
    for (let j = 0; j < d; j++) o -= 0.5 * penalty(j) * b[j] * b[j];
    return o;
  };
  let iterations = 0;
  let converged = n === 0;
  const h = new Float64Array(d * d);
  const g = new Float64Array(d);
  const trial = new Float64Array(d);
  let obj = objective(beta);
  while (!converged && iterations < maxIter) {
    iterations++;
    h.fill(0);
    for (let j = 0; j < d; j++) g[j] = -penalty(j) * beta[j];
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let j = 0; j < d; j++) e += z[i * d + j] * beta[j];
      eta[i] = e;
      const p = sigmoid(e);
      const w = p * (1 - p);
      const r = y[i] - p;
      for (let a = 0; a < d; a++) {
        const za = z[i * d + a];
        g[a] += r * za;
        for (let c = 0; c <= a; c++) h[a * d + c] += w * za * z[i * d + c];
      }
    }
    for (let a = 0; a < d; a++) {
      h[a * d + a] += penalty(a) + 1e-12;
      for (let c = 0; c < a; c++) h[c * d + a] = h[a * d + c];
    }
    if (!choleskySolve(h, g, d)) break;
    let t = 1;
    let accepted = false;
    for (let halvings = 0; halvings < 40; halvings++, t /= 2) {
      for (let j = 0; j < d; j++) trial[j] = beta[j] + t * g[j];
      const o = objective(trial);
      if (o >= obj - 1e-12 * Math.abs(obj)) {
        obj = o;
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    let step = 0;
    for (let j = 0; j < d; j++) {
      step = Math.max(step, Math.abs(trial[j] - beta[j]));
      beta[j] = trial[j];
    }
    if (step < tol) converged = true;
  }
  return {
    kind: "logistic-l2",
    version: 1,
    featureNames: [...opts.featureNames],
    means,
    stds,
    weights: Array.from(beta.subarray(1)),
    intercept: beta[0],
    l2,
    trainingCount: n,
    droppedSamples: samples.length - n,
    trainingWinRate: n > 0 ? wins / n : 0,
    iterations,
    converged,
  };
}

export interface ClosedTrainingSample extends TrainingSample {
  readonly closeTimeMs: number;
}

/**
 * The walk-forward form: fits only on trades that closed strictly before `asOfMs` (the decision
 * instant), so a model used for a signal never learned from that signal's own or later outcomes.
 */
export function trainConfidenceModelAsOf(samples: readonly ClosedTrainingSample[], asOfMs: number, opts: TrainOptions): ConfidenceModel {
  return trainConfidenceModel(
    samples.filter((s) => s.closeTimeMs < asOfMs),
    opts,
  );
}

/** Win probability for one feature vector (featureNames order); NaN when the vector is short or has a non-finite value. */
export function predict(model: ConfidenceModel, features: ArrayLike<number>): number {
  const k = model.weights.length;
  if (features.length !== k) return NaN;
  let e = model.intercept;
  for (let j = 0; j < k; j++) e += (model.weights[j] * (features[j] - model.means[j])) / model.stds[j];
  return Number.isFinite(e) ? sigmoid(e) : NaN;
}

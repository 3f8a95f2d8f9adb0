/**
 * Probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey,
 * Borwein, Lopez de Prado and Zhu, 2015, "The Probability of Backtest Overfitting", J. Comput.
 * Finance 20(4)).
 *
 * The T x N matrix of per-period returns (T periods, N variants) is cut into S equal groups of
 * consecutive periods. For every way of choosing S/2 groups as in-sample (the rest out of sample),
 * the variant with the best in-sample Sharpe is picked and its out-of-sample rank among all N is
 * noted as a relative rank w in (0, 1) and its logit l = ln(w / (1 - w)). PBO is the share of
 * splits where the pick lands in the bottom half out of sample (l < 0; l = 0 counts half). A grid
 * of skill-less variants gives about 0.5; a grid whose best is really best gives near 0.
 */

export interface PboResult {
  readonly pbo: number;
  readonly splits: number;
  readonly groups: number;
  /** Median logit of the in-sample best's out-of-sample rank (> 0: it tends to stay above the median). */
  readonly medianLogit: number;
  /** Share of splits where the in-sample best has an out-of-sample Sharpe below 0. */
  readonly probOosLoss: number;
  /** How often each variant was the in-sample pick, by index. */
  readonly picks: readonly number[];
}

/**
 * PBO of a grid. `returns[v][t]` is variant v's return in period t (all the same length).
 * `groups` must be even and at most T; rows that do not fill a group evenly are left out at the end.
 * @throws RangeError on fewer than 2 variants, ragged rows, or a bad group count.
 */
export function probabilityOfOverfitting(returns: readonly (readonly number[])[], groups = 16): PboResult {
  const N = returns.length;
  if (N < 2) throw new RangeError(`PBO needs at least 2 variants, got ${N}`);
  const T = returns[0].length;
  if (returns.some((r) => r.length !== T)) throw new RangeError("PBO needs every variant's returns over the same periods");
  if (!(Number.isInteger(groups) && groups >= 2 && groups % 2 === 0 && groups <= T)) throw new RangeError(`PBO groups must be an even integer from 2 to the number of periods (${T}), got ${groups}`);
  const size = Math.floor(T / groups);
  // Per variant and group: count, sum and sum of squares, so a split's Sharpe is a few additions.
  const stats = returns.map((r) =>
    Array.from({ length: groups }, (_, g) => {
      let s = 0;
      let q = 0;
      for (let t = g * size; t < (g + 1) * size; t++) {
        s += r[t];
        q += r[t] * r[t];
      }
      return { s, q };
    }),
  );
  const sharpe = (v: number, chosen: readonly boolean[], inSample: boolean): number => {
    let s = 0;
    let q = 0;
    let n = 0;
    for (let g = 0; g < groups; g++) {
      if (chosen[g] !== inSample) continue;
      s += stats[v][g].s;
      q += stats[v][g].q;
      n += size;
    }
    const mean = s / n;
    const variance = n > 1 ? Math.max(0, (q - n * mean * mean) / (n - 1)) : 0;
    return variance > 1e-30 ? mean / Math.sqrt(variance) : 0;
  };
  const logits: number[] = [];
  let below = 0;
  let losses = 0;
  const picks = new Array<number>(N).fill(0);
  for (const combo of combinations(groups, groups / 2)) {
    const chosen = new Array<boolean>(groups).fill(false);
    for (const g of combo) chosen[g] = true;
    let best = 0;
    let bestIs = -Infinity;
    const oos: number[] = [];
    for (let v = 0; v < N; v++) {
      const is = sharpe(v, chosen, true);
      // Ties in-sample go to the first variant: the same rule every run.
      if (is > bestIs) {
        bestIs = is;
        best = v;
      }
      oos.push(sharpe(v, chosen, false));
    }
    picks[best]++;
    // Rank 1 = worst out of sample; ties share the mean rank.
    let lower = 0;
    let equal = 0;
    for (let v = 0; v < N; v++) {
      if (oos[v] < oos[best]) lower++;
      else if (oos[v] === oos[best]) equal++;
    }
    const rank = lower + (equal + 1) / 2;
    const w = rank / (N + 1);
    const l = Math.log(w / (1 - w));
    logits.push(l);
    if (l < 0) below += 1;
    else if (l === 0) below += 0.5;
    if (oos[best] < 0) losses++;
  }
  const sorted = [...logits].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const medianLogit = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { pbo: below / logits.length, splits: logits.length, groups, medianLogit, probOosLoss: losses / logits.length, picks };
}

/** Every k-subset of 0..n-1 in lexicographic order. */
export function* combinations(n: number, k: number): Generator<number[]> {
  const c = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield [...c];
    let i = k - 1;
    while (i >= 0 && c[i] === n - k + i) i--;
    if (i < 0) return;
    c[i]++;
    for (let j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
  }
}

/** The largest even group count <= `wanted` that leaves each group at least `minPerGroup` periods (2: a half of a short out-of-sample window still has several days per group). */
export function pboGroupsFor(periods: number, wanted = 16, minPerGroup = 2): number {
  let g = Math.min(wanted, Math.floor(periods / minPerGroup));
  if (g % 2) g--;
  return g;
}

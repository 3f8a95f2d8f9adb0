import type { Rng } from "../../core/rng.ts";
import type { RlBucketEdges, RlConfig } from "./config.ts";

/**
 * Tabular Q-values per (state key, action index).
 *
 * Each trade is a one-step episode: the agent picks a multiplier at entry, the trade closes, and
 * the episode ends in a terminal state. The Q-learning target r + gamma x max Q(s', .) therefore
 * has Q(terminal) = 0 and reduces to r for every gamma, which is why there is no gamma key:
 *
 *   Q(s, a) <- Q(s, a) + alpha x (r - Q(s, a))
 *
 * i.e. Q is an exponentially weighted mean of the rewards a multiplier earned in that state.
 */

export type EpsilonDecay = "linear" | "exponential";

export interface EpsilonSchedule {
  readonly start: number;
  readonly min: number;
  readonly decay: EpsilonDecay;
  /** Updates after which epsilon sits at its floor. */
  readonly decayUpdates: number;
}

/**
 * Epsilon after `updates` Q updates. Linear falls in a straight line; exponential multiplies by a
 * constant factor per update chosen so that both reach `min` exactly at `decayUpdates` and then
 * stay there (SPEC: 0.2 -> 0.05 in production).
 */
export function epsilonAt(s: EpsilonSchedule, updates: number): number {
  if (updates >= s.decayUpdates || s.start <= s.min) return s.min;
  const t = Math.max(0, updates) / s.decayUpdates;
  if (s.decay === "linear") return s.start - (s.start - s.min) * t;
  // A zero floor has no finite geometric path to it, so decay toward a tiny positive floor instead.
  const floor = Math.max(s.min, 1e-6);
  return Math.max(s.min, s.start * Math.pow(floor / s.start, t));
}

export interface QEntry {
  readonly q: number[];
  readonly n: number[];
}

export interface QTableOptions {
  readonly actions: readonly number[];
  readonly alpha: number;
  readonly initialQ: number;
  readonly schedule: EpsilonSchedule;
  /** Kept with the table: its state keys mean nothing under other edges. */
  readonly bucketEdges: RlBucketEdges;
  readonly createdAt?: string;
}

export interface ActionChoice {
  readonly action: number;
  /** True when the epsilon branch picked a random action (it may coincide with the greedy one). */
  readonly explored: boolean;
  readonly epsilon: number;
}

export interface GreedyRow {
  readonly state: string;
  readonly multiplier: number;
  readonly q: number;
  readonly n: number;
}

export interface QTableStats {
  /** States with at least one update. */
  readonly states: number;
  /** (state, action) pairs tried at least once. */
  readonly pairsVisited: number;
  readonly totalUpdates: number;
  readonly epsilon: number;
  /** Mean reward over every update the table has learned from; NaN before the first. */
  readonly meanReward: number;
  /** Greedy multiplier per state, sorted by state key for stable reports. */
  readonly greedy: readonly GreedyRow[];
}

/** Ties within this distance count as equal, so float noise cannot flip a greedy choice. */
const TIE_EPS = 1e-12;

export class QTable {
  readonly actions: readonly number[];
  readonly bucketEdges: RlBucketEdges;
  readonly initialQ: number;
  readonly createdAt: string | undefined;
  private alphaValue: number;
  private scheduleValue: EpsilonSchedule;
  private readonly entries = new Map<string, QEntry>();
  private updateCount = 0;
  private rewardSum = 0;
  /** Action indices in tie-break order: closest to 1.0x first, then the smaller multiplier. */
  private readonly preference: readonly number[];
  readonly neutralIndex: number;

  constructor(opts: QTableOptions) {
    if (opts.actions.length === 0) throw new RangeError("a Q-table needs at least one action");
    this.actions = Object.freeze([...opts.actions]);
    this.bucketEdges = opts.bucketEdges;
    this.initialQ = opts.initialQ;
    this.createdAt = opts.createdAt;
    this.alphaValue = opts.alpha;
    this.scheduleValue = opts.schedule;
    this.preference = this.actions
      .map((m, i) => ({ i, d: Math.abs(m - 1), m }))
      .sort((a, b) => a.d - b.d || a.m - b.m)
      .map((x) => x.i);
    this.neutralIndex = this.preference[0];
  }

  static fromConfig(cfg: RlConfig, createdAt?: string): QTable {
    return new QTable({
      actions: cfg.actions,
      alpha: cfg.alpha,
      initialQ: cfg.initialQ,
      schedule: { start: cfg.epsilonStart, min: cfg.epsilonMin, decay: cfg.epsilonDecay, decayUpdates: cfg.epsilonDecayUpdates },
      bucketEdges: cfg.buckets,
      createdAt,
    });
  }

  get alpha(): number {
    return this.alphaValue;
  }
  get schedule(): EpsilonSchedule {
    return this.scheduleValue;
  }
  /** States with at least one update. */
  get size(): number {
    return this.entries.size;
  }
  get totalUpdates(): number {
    return this.updateCount;
  }
  get totalReward(): number {
    return this.rewardSum;
  }
  get epsilon(): number {
    return epsilonAt(this.scheduleValue, this.updateCount);
  }

  /** A loaded table follows the current config's learning rate and decay; its values stay. */
  setLearning(alpha: number, schedule: EpsilonSchedule): void {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1] (got ${alpha})`);
    this.alphaValue = alpha;
    this.scheduleValue = schedule;
  }

  /** Q-values of a state (a copy; initialQ everywhere for an unseen state). */
  qValues(state: string): number[] {
    const e = this.entries.get(state);
    return e ? [...e.q] : this.actions.map(() => this.initialQ);
  }

  visits(state: string): number[] {
    const e = this.entries.get(state);
    return e ? [...e.n] : this.actions.map(() => 0);
  }

  /** Argmax of Q with deterministic ties (see `preference`), so an unseen state picks 1.0x. */
  greedyAction(state: string): number {
    const e = this.entries.get(state);
    if (!e) return this.neutralIndex;
    let best = this.preference[0];
    for (const i of this.preference) if (e.q[i] > e.q[best] + TIE_EPS) best = i;
    return best;
  }

  /**
   * Epsilon-greedy. Draws exactly one number from `rng` (plus one more when exploring) whatever
   * the Q-values are, so learning never shifts the random stream of later decisions.
   * With `explore` false no number is drawn and the choice is greedy.
   */
  selectAction(state: string, rng: Rng, explore: boolean): ActionChoice {
    const epsilon = explore ? this.epsilon : 0;
    if (explore && rng.next() < epsilon) {
      const k = this.actions.length;
      const action = Math.min(k - 1, Math.floor(rng.next() * k));
      return { action, explored: true, epsilon };
    }
    return { action: this.greedyAction(state), explored: false, epsilon };
  }

  /** One-step update; returns Q before and after. Throws RangeError on a bad action or reward. */
  update(state: string, action: number, reward: number): { before: number; after: number } {
    if (!Number.isInteger(action) || action < 0 || action >= this.actions.length) {
      throw new RangeError(`action index ${action} out of range 0..${this.actions.length - 1}`);
    }
    if (!Number.isFinite(reward)) throw new RangeError(`reward must be finite (got ${reward})`);
    let e = this.entries.get(state);
    if (!e) {
      e = { q: this.actions.map(() => this.initialQ), n: this.actions.map(() => 0) };
      this.entries.set(state, e);
    }
    const before = e.q[action];
    const after = before + this.alphaValue * (reward - before);
    e.q[action] = after;
    e.n[action] += 1;
    this.updateCount += 1;
    this.rewardSum += reward;
    return { before, after };
  }

  /** Entries sorted by state key, so saved files are byte-stable for the same training run. */
  entryList(): Array<{ state: string; q: readonly number[]; n: readonly number[] }> {
    return [...this.entries.keys()].sort().map((state) => {
      const e = this.entries.get(state) as QEntry;
      return { state, q: [...e.q], n: [...e.n] };
    });
  }

  /** Used by the loader only: puts back persisted values and counters. */
  restore(entries: ReadonlyArray<{ state: string; q: readonly number[]; n: readonly number[] }>, updates: number, rewardSum: number): void {
    this.entries.clear();
    for (const e of entries) this.entries.set(e.state, { q: [...e.q], n: [...e.n] });
    this.updateCount = updates;
    this.rewardSum = rewardSum;
  }

  stats(): QTableStats {
    let pairs = 0;
    const greedy: GreedyRow[] = [];
    for (const { state, q, n } of this.entryList()) {
      for (const c of n) if (c > 0) pairs++;
      const a = this.greedyAction(state);
      greedy.push({ state, multiplier: this.actions[a], q: q[a], n: n[a] });
    }
    return {
      states: this.entries.size,
      pairsVisited: pairs,
      totalUpdates: this.updateCount,
      epsilon: this.epsilon,
      meanReward: this.updateCount > 0 ? this.rewardSum / this.updateCount : NaN,
      greedy,
    };
  }
}

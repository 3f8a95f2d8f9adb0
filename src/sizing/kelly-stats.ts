import { kellyFraction } from "./kelly.ts";

/**
 * Rolling closed-trade statistics for Kelly, per strategy and symbol, per strategy ("*" symbol)
 * and overall ("*" strategy and symbol). Outcomes are R multiples (pnl / initial risk), not pnl %:
 * R is what the sizing pipeline scales (risk $ per trade), and it is independent of the size the
 * trade happened to have, so a history sized by one mode is valid evidence for another.
 *
 * No look-ahead: the caller adds a trade when it closes, and every snapshot takes the decision
 * instant `asOfMs`; only trades with closeTimeMs < asOfMs count. A trade added "early" (a backtest
 * bug) is therefore ignored rather than leaked, and `excludedAfterAsOf` reports it.
 *
 * Memory is bounded: each key keeps a ring of the last `window` trades; adding is O(1); a snapshot
 * is O(window) once and then cached until the key changes.
 */

export const ALL = "*";

export interface ClosedTrade {
  readonly strategyId: string;
  readonly symbol: string;
  readonly rMultiple: number;
  readonly closeTimeMs: number;
}

export interface KellySnapshot {
  readonly strategyId: string;
  readonly symbol: string;
  /** Trades used (closed before asOf, within the window). */
  readonly n: number;
  readonly wins: number;
  readonly losses: number;
  /** wins / n; 0 when n = 0. */
  readonly winRate: number;
  /** Mean R of winners (R > 0); 0 when none. */
  readonly avgWinR: number;
  /** Mean |R| of the rest (R <= 0: a breakeven is not a win); 0 when none. */
  readonly avgLossR: number;
  /** avgWinR / avgLossR; Infinity when there are wins and no losses, 0 when there are no wins. */
  readonly payoff: number;
  readonly expectancyR: number;
  /** Raw (unshrunk) Kelly fractions for display; the layer shrinks toward the prior. */
  readonly fullKelly: number;
  readonly halfKelly: number;
  readonly quarterKelly: number;
  /** Trades in the window left out because they closed at or after asOf. */
  readonly excludedAfterAsOf: number;
}

export interface KellyStatsJson {
  readonly version: 1;
  readonly window: number;
  readonly series: readonly { readonly strategyId: string; readonly symbol: string; readonly closeTimeMs: number[]; readonly rMultiple: number[] }[];
}

class Ring {
  readonly r: Float64Array;
  readonly t: Float64Array;
  /** Next write slot. */
  head = 0;
  count = 0;
  maxT = -Infinity;
  cached: KellySnapshot | null = null;

  constructor(
    readonly strategyId: string,
    readonly symbol: string,
    window: number,
  ) {
    this.r = new Float64Array(window);
    this.t = new Float64Array(window);
  }

  push(r: number, t: number): void {
    const w = this.r.length;
    this.r[this.head] = r;
    this.t[this.head] = t;
    this.head = (this.head + 1) % w;
    if (this.count < w) this.count++;
    // maxT only grows: an evicted newest-time entry leaves a stale (too high) bound, which just
    // sends snapshots down the exact filtering path; it never lets a late trade through.
    if (t > this.maxT) this.maxT = t;
    this.cached = null;
  }

  /** Entries oldest first. */
  *entries(): Generator<[number, number]> {
    const w = this.r.length;
    const start = (this.head - this.count + w) % w;
    for (let i = 0; i < this.count; i++) {
      const j = (start + i) % w;
      yield [this.t[j], this.r[j]];
    }
  }
}

function emptySnapshot(strategyId: string, symbol: string): KellySnapshot {
  return summarize(strategyId, symbol, 0, 0, 0, 0, 0);
}

function summarize(
  strategyId: string,
  symbol: string,
  n: number,
  wins: number,
  sumWinR: number,
  sumLossR: number,
  excluded: number,
): KellySnapshot {
  const losses = n - wins;
  const winRate = n > 0 ? wins / n : 0;
  const avgWinR = wins > 0 ? sumWinR / wins : 0;
  const avgLossR = losses > 0 ? sumLossR / losses : 0;
  const payoff = avgLossR > 0 ? avgWinR / avgLossR : avgWinR > 0 ? Infinity : 0;
  const full = n > 0 ? kellyFraction(winRate, payoff) : 0;
  return {
    strategyId,
    symbol,
    n,
    wins,
    losses,
    winRate,
    avgWinR,
    avgLossR,
    payoff,
    expectancyR: n > 0 ? (sumWinR - sumLossR) / n : 0,
    fullKelly: full,
    halfKelly: full / 2,
    quarterKelly: full / 4,
    excludedAfterAsOf: excluded,
  };
}

export class KellyStatsStore {
  private readonly rings = new Map<string, Ring>();

  constructor(readonly window = 50) {
    if (!Number.isInteger(window) || window < 1) throw new Error(`kelly window must be a positive integer (got ${window})`);
  }

  private ring(strategyId: string, symbol: string, create: boolean): Ring | undefined {
    const key = `${strategyId}\u001f${symbol}`;
    let r = this.rings.get(key);
    if (!r && create) {
      r = new Ring(strategyId, symbol, this.window);
      this.rings.set(key, r);
    }
    return r;
  }

  /** Records a closed trade under (strategy, symbol), (strategy, *) and (*, *). Throws on a non-finite R or time. */
  add(trade: ClosedTrade): void {
    const { strategyId, symbol, rMultiple, closeTimeMs } = trade;
    if (!Number.isFinite(rMultiple)) throw new Error(`kelly stats: R multiple of a ${strategyId} ${symbol} trade is ${rMultiple}`);
    if (!Number.isFinite(closeTimeMs)) throw new Error(`kelly stats: close time of a ${strategyId} ${symbol} trade is ${closeTimeMs}`);
    if (strategyId === ALL || symbol === ALL) throw new Error(`kelly stats: "${ALL}" is reserved for aggregates`);
    this.ring(strategyId, symbol, true)!.push(rMultiple, closeTimeMs);
    this.ring(strategyId, ALL, true)!.push(rMultiple, closeTimeMs);
    this.ring(ALL, ALL, true)!.push(rMultiple, closeTimeMs);
  }

  /**
   * Statistics of the last `window` trades of (strategyId, symbol) that closed strictly before
   * `asOfMs` (the decision instant). Use symbol "*" for a strategy across symbols, and "*" for both
   * for every trade.
   */
  snapshot(strategyId: string, symbol: string, asOfMs: number): KellySnapshot {
    const ring = this.ring(strategyId, symbol, false);
    if (!ring) return emptySnapshot(strategyId, symbol);
    const allBefore = ring.maxT < asOfMs;
    if (allBefore && ring.cached) return ring.cached;
    let n = 0;
    let wins = 0;
    let sumWinR = 0;
    let sumLossR = 0;
    let excluded = 0;
    for (const [t, r] of ring.entries()) {
      if (!(t < asOfMs)) {
        excluded++;
        continue;
      }
      n++;
      if (r > 0) {
        wins++;
        sumWinR += r;
      } else {
        sumLossR -= r;
      }
    }
    const snap = summarize(strategyId, symbol, n, wins, sumWinR, sumLossR, excluded);
    if (allBefore) ring.cached = snap;
    return snap;
  }

  /** Every key's snapshot (for the full/half/quarter Kelly table per strategy and symbol). */
  snapshots(asOfMs: number): KellySnapshot[] {
    return [...this.rings.values()].map((r) => this.snapshot(r.strategyId, r.symbol, asOfMs));
  }

  toJSON(): KellyStatsJson {
    const series = [...this.rings.values()].map((ring) => {
      const closeTimeMs: number[] = [];
      const rMultiple: number[] = [];
      for (const [t, r] of ring.entries()) {
        closeTimeMs.push(t);
        rMultiple.push(r);
      }
      return { strategyId: ring.strategyId, symbol: ring.symbol, closeTimeMs, rMultiple };
    });
    return { version: 1, window: this.window, series };
  }

  /**
   * Restores a store; `window` may differ from the saved one (a config change): a smaller window
   * keeps the newest trades of each key. Aggregates are restored as saved, not rebuilt, because
   * their last-N trades are a different selection from any per-symbol ring.
   */
  static fromJSON(json: KellyStatsJson, window = json.window): KellyStatsStore {
    if (json.version !== 1) throw new Error(`kelly stats: unsupported version ${String(json.version)}`);
    const store = new KellyStatsStore(window);
    for (const s of json.series) {
      if (s.closeTimeMs.length !== s.rMultiple.length) throw new Error(`kelly stats: ${s.strategyId}/${s.symbol} has mismatched arrays`);
      const ring = store.ring(s.strategyId, s.symbol, true)!;
      for (let i = 0; i < s.rMultiple.length; i++) {
        if (!Number.isFinite(s.rMultiple[i]) || !Number.isFinite(s.closeTimeMs[i])) throw new Error(`kelly stats: ${s.strategyId}/${s.symbol} entry ${i} is not finite`);
        ring.push(s.rMultiple[i], s.closeTimeMs[i]);
      }
    }
    return store;
  }
}

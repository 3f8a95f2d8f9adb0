import type { KellyConfig } from "../config/schema.ts";
import type { KellySnapshot, KellyStatsStore } from "./kelly-stats.ts";
import { ALL } from "./kelly-stats.ts";
import { fmt2, fmtPct, type LayerResult } from "./layer.ts";

/**
 * Kelly layer. K = W - (1 - W) / B is the fraction of equity to stake, where the stake is what a
 * losing bet costs. Statistics are in R multiples, and a stopped trade costs about 1R, so the
 * rule here is: target risk % = fractional Kelly x 100, and the factor on base risk is
 * target / base risk % (SPEC's "kelly 0.76" at 1% base is a 0.76% Kelly target). When the average
 * loss is below 1R (time stops) the true stake is smaller than the risk, so this errs small.
 */

/**
 * Full Kelly, clamped to [-1, 1]: a payoff of 0 (no winner ever) sends the formula to -infinity,
 * and any K <= 0 means the same thing (no edge, stake nothing), so the clamp loses no information.
 */
export function kellyFraction(winRate: number, payoff: number): number {
  if (Number.isNaN(winRate) || Number.isNaN(payoff)) return -1;
  if (winRate >= 1) return 1;
  if (!(payoff > 0)) return -1;
  const k = winRate - (1 - winRate) / payoff;
  return k < -1 ? -1 : k > 1 ? 1 : k;
}

export interface KellyFractions {
  readonly full: number;
  readonly half: number;
  readonly quarter: number;
}

/** Full/half/quarter Kelly from a win rate and average win and loss in any one unit (%, $ or R: B is their ratio). */
export function kellyFractions(winRate: number, avgWin: number, avgLoss: number): KellyFractions {
  const payoff = avgLoss > 0 ? avgWin / avgLoss : avgWin > 0 ? Infinity : 0;
  const full = kellyFraction(winRate, payoff);
  return { full, half: full / 2, quarter: full / 4 };
}

export interface KellyEstimate {
  readonly n: number;
  /** Weight of the observed statistics: n / (n + priorStrength). */
  readonly dataWeight: number;
  readonly winRate: number;
  readonly payoff: number;
  readonly fullKelly: number;
  readonly fractionalKelly: number;
}

/**
 * W and B blended linearly with the prior. With no losing trade the observed payoff is infinite,
 * which says nothing about the size of a typical loss, so the prior payoff stands in for it.
 */
export function shrinkKelly(s: KellySnapshot, cfg: KellyConfig): KellyEstimate {
  const w = s.n + cfg.priorStrength > 0 ? s.n / (s.n + cfg.priorStrength) : 0;
  const observedPayoff = s.losses > 0 ? s.payoff : cfg.priorPayoff;
  const winRate = w * s.winRate + (1 - w) * cfg.priorWinRate;
  const payoff = w * observedPayoff + (1 - w) * cfg.priorPayoff;
  const fullKelly = kellyFraction(winRate, payoff);
  return { n: s.n, dataWeight: w, winRate, payoff, fullKelly, fractionalKelly: fullKelly * cfg.fraction };
}

function fractionName(f: number): string {
  return f === 1 ? "full" : f === 0.5 ? "half" : f === 0.25 ? "quarter" : `${fmtPct(f)}x`;
}

export interface KellyLayerResult extends LayerResult {
  /** null when the layer answered neutral for lack of a sample. */
  readonly estimate: KellyEstimate | null;
}

/** The Kelly factor on base risk (see the module comment for the mapping). */
export function kellyFactor(s: KellySnapshot | null, cfg: KellyConfig, baseRiskPct: number): KellyLayerResult {
  if (s === null || s.n < cfg.minSample) {
    return { factor: 1, reason: `kelly: n ${s?.n ?? 0} < ${cfg.minSample} closed trades: base risk`, estimate: null };
  }
  const e = shrinkKelly(s, cfg);
  const stats = `W ${fmt2(e.winRate)} B ${fmt2(e.payoff)} n ${e.n}, data weight ${Math.round(e.dataWeight * 100)}%`;
  if (!(e.fullKelly > 0)) {
    return { factor: cfg.floorFactor, reason: `kelly: no edge (K ${(e.fullKelly * 100).toFixed(1)}% <= 0; ${stats}): floor x${fmtPct(cfg.floorFactor)}`, estimate: e };
  }
  if (!(baseRiskPct > 0)) return { factor: 1, reason: "kelly: base risk is 0", estimate: e };
  const targetPct = e.fractionalKelly * 100;
  const raw = targetPct / baseRiskPct;
  const factor = raw > cfg.floorFactor ? raw : cfg.floorFactor;
  const floored = raw > cfg.floorFactor ? "" : `, floor x${fmtPct(cfg.floorFactor)}`;
  return {
    factor,
    reason: `${fractionName(cfg.fraction)} Kelly ${targetPct.toFixed(2)}% / base ${fmtPct(baseRiskPct)}% (full ${(e.fullKelly * 100).toFixed(2)}%; ${stats})${floored}`,
    estimate: e,
  };
}

/** The snapshot the configured scope asks for: this strategy on all symbols, on this symbol, or everything. */
export function kellySnapshotFor(store: KellyStatsStore, cfg: KellyConfig, strategyId: string, symbol: string, asOfMs: number): KellySnapshot {
  if (cfg.scope === "symbol") return store.snapshot(strategyId, symbol, asOfMs);
  if (cfg.scope === "all") return store.snapshot(ALL, ALL, asOfMs);
  return store.snapshot(strategyId, ALL, asOfMs);
}

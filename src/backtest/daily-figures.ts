import { SeededRng } from "../core/rng.ts";
import { bootstrapDays, checkBootstrapOptions, percentileInterval, stationaryIndices, type BootstrapOptions } from "../stats/bootstrap.ts";
import { TRADING_DAYS_PER_YEAR } from "./metrics.ts";
import type { ReferenceRun } from "./daily-reference.ts";

/**
 * Figures of a reference run (daily-reference.ts) with their bootstrap intervals: the return
 * figures from the project's stationary day-block bootstrap (src/stats/bootstrap.ts: serial
 * dependence of a position held for weeks survives the resampling), the win rate from resampled
 * trades. Sharpe is of daily returns, risk-free 0, annualised by sqrt(252).
 */

/** A value and its percentile interval (NaN bounds when there is too little to resample). */
export interface Figure {
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
}

export interface RunFigures {
  readonly days: number;
  readonly totalReturnPct: Figure;
  readonly cagrPct: Figure;
  /** Peak-to-trough fall of the close-to-close equity, % (positive). */
  readonly maxDrawdownPct: Figure;
  readonly sharpe: Figure;
  /** Closed trades (open ones are counted apart). */
  readonly trades: number;
  readonly openTrades: number;
  readonly winRatePct: Figure;
  readonly avgHoldingDays: number;
  /** Sessions with a position / all sessions, %. */
  readonly timeInMarketPct: number;
  /** Mean of market value / equity over the sessions, %. */
  readonly avgExposurePct: number;
  readonly endEquityUsd: number;
}

/** Daily returns of the equity curve, the first from the initial equity. */
export function dailyReturns(run: Pick<ReferenceRun, "equity" | "initialEquityUsd">): number[] {
  const out: number[] = [];
  let prev = run.initialEquityUsd;
  for (const e of run.equity) {
    out.push(prev > 0 ? e / prev - 1 : 0);
    prev = e;
  }
  return out;
}

interface ReturnStats {
  total: number;
  cagr: number;
  maxDd: number;
  sharpe: number;
}

/** Total return, CAGR, max drawdown and Sharpe of a sequence of daily returns (in the order given). */
export function returnStats(rs: readonly number[], idx?: readonly number[]): ReturnStats {
  const n = idx ? idx.length : rs.length;
  let eq = 1;
  let peak = 1;
  let maxDd = 0;
  let sum = 0;
  let sumSq = 0;
  for (let k = 0; k < n; k++) {
    const r = idx ? rs[idx[k]] : rs[k];
    eq *= 1 + r;
    if (eq > peak) peak = eq;
    const dd = 1 - eq / peak;
    if (dd > maxDd) maxDd = dd;
    sum += r;
    sumSq += r * r;
  }
  const mean = n > 0 ? sum / n : 0;
  const varr = n > 1 ? (sumSq - n * mean * mean) / (n - 1) : 0;
  const sd = Math.sqrt(Math.max(0, varr));
  const years = n / TRADING_DAYS_PER_YEAR;
  return {
    total: (eq - 1) * 100,
    cagr: years > 0 && eq > 0 ? (eq ** (1 / years) - 1) * 100 : NaN,
    maxDd: maxDd * 100,
    sharpe: sd > 0 ? (mean / sd) * Math.sqrt(TRADING_DAYS_PER_YEAR) : NaN,
  };
}

function interval(value: number, draws: readonly number[], level: number): Figure {
  const finite = draws.filter(Number.isFinite);
  if (finite.length < 10) return { value, lo: NaN, hi: NaN };
  const { lo, hi } = percentileInterval(finite, level);
  return { value, lo, hi };
}

/** Figures of a run with bootstrap intervals (same options give the same intervals). */
export function runFigures(run: ReferenceRun, o: BootstrapOptions): RunFigures {
  checkBootstrapOptions(o);
  const rs = dailyReturns(run);
  const base = returnStats(rs);
  const draws = bootstrapDays(rs.length, o, (idx) => {
    const s = returnStats(rs, idx);
    return [s.total, s.cagr, s.maxDd, s.sharpe];
  });
  const col = (j: number): number[] => draws.map((d) => d[j]);
  const closed = run.trades.filter((t) => !t.open);
  const wins = closed.map((t) => (t.pnlUsd > 0 ? 1 : 0));
  const winRate = closed.length > 0 ? (100 * wins.reduce((a: number, b) => a + b, 0)) / closed.length : NaN;
  const winDraws: number[] = [];
  if (closed.length > 1) {
    const rng = new SeededRng(o.seed);
    for (let b = 0; b < o.resamples; b++) {
      const idx = stationaryIndices(closed.length, 1, rng);
      winDraws.push((100 * idx.reduce((a, i) => a + wins[i], 0)) / idx.length);
    }
  }
  const inMarket = run.exposure.filter((x) => x > 0).length;
  return {
    days: rs.length,
    totalReturnPct: interval(base.total, col(0), o.level),
    cagrPct: interval(base.cagr, col(1), o.level),
    maxDrawdownPct: interval(base.maxDd, col(2), o.level),
    sharpe: interval(base.sharpe, col(3), o.level),
    trades: closed.length,
    openTrades: run.trades.length - closed.length,
    winRatePct: interval(winRate, winDraws, o.level),
    avgHoldingDays: closed.length > 0 ? closed.reduce((a, t) => a + t.holdingDays, 0) / closed.length : NaN,
    timeInMarketPct: rs.length > 0 ? (100 * inMarket) / rs.length : NaN,
    avgExposurePct: rs.length > 0 ? (100 * run.exposure.reduce((a, b) => a + b, 0)) / rs.length : NaN,
    endEquityUsd: run.equity.length > 0 ? run.equity[run.equity.length - 1] : run.initialEquityUsd,
  };
}

import { SeededRng } from "../core/rng.ts";
import { NyTime } from "../core/ny-time.ts";
import { meanBlockFor, quantileSorted, stationaryIndices } from "../stats/bootstrap.ts";
import { diffInterval, type DiffInterval } from "../stats/intervals.ts";
import { replayRule, type SizingRule, type UnitTrade } from "./replay.ts";

/**
 * Monte Carlo of sizing rules over a closed-trade list (issue 16; ../shared/seeds/003 asks for it):
 * the trade sequence is resampled many times, every rule is replayed on the SAME resampled
 * sequences (so rules are compared pairwise on equal luck), and each rule gets the distribution of
 * its ending equity and maximum drawdown, their percentiles and the probability of reaching a
 * drawdown the user names.
 *
 * Three ways to resample, all seeded:
 * - `shuffle`: the same trades in a random order (without replacement): what order alone does to
 *   the drawdown; a fixed-fraction rule's ending equity does not change.
 * - `bootstrap`: as many trades drawn with replacement: other luck from the same outcomes.
 * - `days`: a stationary block bootstrap over the days trades closed on (trades of a day, and
 *   nearby days, stay together): the intervals `replay` reports.
 * A resampled sequence is replayed one trade at a time (each opens after the previous closed), so a
 * rule sizes every trade from the equity and history before it.
 */

export type McMethod = "shuffle" | "bootstrap" | "days";

export interface McOptions {
  readonly method: McMethod;
  readonly runs: number;
  readonly seed: number;
  /** The named drawdown, in % of the peak: the probability of reaching it is reported. */
  readonly drawdownPct: number;
  /** Two-sided level of the intervals of the differences between rules (default 0.95). */
  readonly level?: number;
  /** Mean block length in days for `days` (default: cube root of the days). */
  readonly meanBlockDays?: number;
}

export interface Percentiles {
  readonly p5: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p95: number;
}

export interface McRuleResult {
  readonly rule: string;
  readonly endingEquityUsd: Percentiles;
  readonly maxDrawdownPct: Percentiles;
  /** Share of runs whose max drawdown reached the named drawdown. */
  readonly probDrawdown: number;
  /** Share of runs that lost everything. */
  readonly probRuin: number;
  /** Against the first rule on the same sequences: return (pp, + = more) and max drawdown (pp, + = smaller). Null for the first rule. */
  readonly vsFirst: { readonly returnPct: DiffInterval; readonly maxDrawdownPct: DiffInterval } | null;
  /** Every run's ending equity and max drawdown, for the report's histograms. */
  readonly endings: readonly number[];
  readonly drawdowns: readonly number[];
}

export interface McResult {
  readonly method: McMethod;
  readonly runs: number;
  readonly seed: number;
  readonly trades: number;
  readonly drawdownPct: number;
  readonly level: number;
  readonly meanBlockDays: number | null;
  readonly rules: readonly McRuleResult[];
}

/** Refuses options a Monte Carlo cannot run with. */
export function checkMcOptions(o: McOptions): void {
  if (!["shuffle", "bootstrap", "days"].includes(o.method)) throw new RangeError(`Monte Carlo method must be shuffle, bootstrap or days, got ${JSON.stringify(o.method)}`);
  if (!(Number.isInteger(o.runs) && o.runs >= 10 && o.runs <= 100_000)) throw new RangeError(`Monte Carlo runs must be an integer in [10, 100000], got ${o.runs}`);
  if (!(o.drawdownPct > 0 && o.drawdownPct <= 100)) throw new RangeError(`the named drawdown must be in (0, 100] %, got ${o.drawdownPct}`);
}

/** Runs every rule on the same `o.runs` resampled sequences of `trades`. */
export function monteCarlo(trades: readonly UnitTrade[], rules: readonly SizingRule[], initialEquityUsd: number, o: McOptions): McResult {
  checkMcOptions(o);
  const level = o.level ?? 0.95;
  const rng = new SeededRng(o.seed);
  const days = dayGroups(trades);
  const block = o.method === "days" ? meanBlockFor(days.length, o) : null;
  const ends = rules.map(() => [] as number[]);
  const dds = rules.map(() => [] as number[]);
  const ruined = rules.map(() => 0);
  for (let k = 0; k < o.runs; k++) {
    const seq = sequence(trades, days, o.method, block ?? 1, rng);
    rules.forEach((rule, i) => {
      const r = replayRule(seq, rule, initialEquityUsd);
      ends[i].push(r.endingEquityUsd);
      dds[i].push(r.maxDrawdownPct);
      if (r.ruined) ruined[i]++;
    });
  }
  const retOf = (e: number): number => (e / initialEquityUsd - 1) * 100;
  const pointOf = (xs: readonly number[]): number => quantileSorted([...xs].sort((a, b) => a - b), 0.5);
  const out = rules.map((rule, i): McRuleResult => {
    const dRet = ends[i].map((e, k) => retOf(e) - retOf(ends[0][k]));
    const dDd = dds[i].map((d, k) => dds[0][k] - d);
    return {
      rule: rule.name,
      endingEquityUsd: percentiles(ends[i]),
      maxDrawdownPct: percentiles(dds[i]),
      probDrawdown: dds[i].filter((d) => d >= o.drawdownPct).length / o.runs,
      probRuin: ruined[i] / o.runs,
      // The point difference of a resampled comparison is its median: the list as it was is one of the draws.
      vsFirst: i === 0 ? null : { returnPct: diffInterval(pointOf(dRet), dRet, level, trades.length), maxDrawdownPct: diffInterval(pointOf(dDd), dDd, level, trades.length) },
      endings: ends[i],
      drawdowns: dds[i],
    };
  });
  return { method: o.method, runs: o.runs, seed: o.seed, trades: trades.length, drawdownPct: o.drawdownPct, level, meanBlockDays: block, rules: out };
}

function percentiles(xs: readonly number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  return { p5: quantileSorted(s, 0.05), p25: quantileSorted(s, 0.25), p50: quantileSorted(s, 0.5), p75: quantileSorted(s, 0.75), p95: quantileSorted(s, 0.95) };
}

/** Trades grouped by the New York day they closed on, days in order, trades in close order. */
function dayGroups(trades: readonly UnitTrade[]): UnitTrade[][] {
  const ny = new NyTime();
  const byDay = new Map<number, UnitTrade[]>();
  for (const t of [...trades].sort((a, b) => a.closedMs - b.closedMs)) {
    const d = ny.etDay(t.closedMs);
    const list = byDay.get(d) ?? [];
    list.push(t);
    byDay.set(d, list);
  }
  return [...byDay.keys()].sort((a, b) => a - b).map((d) => byDay.get(d)!);
}

/** One resampled sequence, re-timed so that each trade opens after the previous one closed. */
function sequence(trades: readonly UnitTrade[], days: readonly UnitTrade[][], method: McMethod, block: number, rng: SeededRng): UnitTrade[] {
  let picked: UnitTrade[];
  if (method === "shuffle") {
    picked = [...trades];
    for (let i = picked.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [picked[i], picked[j]] = [picked[j], picked[i]];
    }
  } else if (method === "bootstrap") {
    picked = trades.map(() => trades[rng.int(0, trades.length - 1)]);
  } else {
    picked = stationaryIndices(days.length, block, rng).flatMap((d) => days[d]);
  }
  const t0 = picked.length ? Math.min(...trades.map((t) => t.openedMs)) : 0;
  // A minute per trade keeps the span (and so nothing else) meaningful; CAGR is not reported from these.
  return picked.map((t, i) => ({ ...t, openedMs: t0 + i * 120_000, closedMs: t0 + i * 120_000 + 60_000 }));
}



/** The rule that replays each trade at its own dollar P/L (see {@link tradesAsTraded}). */
export const AS_TRADED: SizingRule = { name: "as traded", describe: "each trade's own dollar P/L", fixedDollar: true, fraction: () => ({ f: 1, why: "" }) };

/**
 * A backtest's closed trades as units that {@link AS_TRADED} replays at their own dollar P/L
 * (f = 1 of the starting equity x units = P/L), so a run's trade sequence can be resampled.
 */
export function tradesAsTraded(trades: readonly { readonly entryTimeMs: number; readonly exitTimeMs: number; readonly symbol: string; readonly pnlUsd: number; readonly rMultiple: number }[], initialEquityUsd: number): UnitTrade[] {
  return trades.map((t, i) => ({
    line: i + 1,
    openedMs: t.entryTimeMs,
    closedMs: t.exitTimeMs,
    symbol: t.symbol,
    strategy: "all",
    pnlUsd: t.pnlUsd,
    r: t.rMultiple,
    marginUsd: null,
    contracts: null,
    units: t.pnlUsd / initialEquityUsd,
    unitUsdPerContract: initialEquityUsd,
    marginPerContract: null,
  }));
}

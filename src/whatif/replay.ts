import { kellyFraction } from "../sizing/kelly.ts";
import type { WhatIfTrade } from "./trade-csv.ts";

/**
 * What-if replay of a closed-trade list under other sizing rules (../shared/seeds/003: "re-run
 * trades using different fractions of Kelly or fixed fractional to compare ending equity").
 *
 * Every trade's outcome is put in units of "one average loss": its R when the file has R (a
 * stopped trade loses about 1R), else its P/L per contract divided by its strategy's average loss
 * per contract. A rule then decides, when the trade opens, the fraction f of equity an average
 * loss of that trade may cost; the trade's P/L is f x equity at its open x its outcome in units.
 * So f = 2% means "risk 2% per trade", and Kelly's K = W - (1 - W) / B is used as f directly (the
 * growth-optimal stake of a bet that wins B or loses 1).
 *
 * No look-ahead by default: a rule sizes a trade only from trades that closed before it opened
 * (equal times: opens first). The unit of a P/L-only file (its average loss) is the one number
 * taken from the whole list; it fixes the scale of "one unit", not which trades win.
 */

export interface UnitTrade extends WhatIfTrade {
  /** Outcome in units of one average loss (R, or P/L per contract / the strategy's average loss per contract). */
  readonly units: number;
  /** USD that one unit costs per contract (null with R only and no P/L). */
  readonly unitUsdPerContract: number | null;
  readonly marginPerContract: number | null;
}

export type UnitBasis = "R" | "average loss";

/** Puts each trade's outcome in units (see the module comment). */
export function toUnits(trades: readonly WhatIfTrade[]): { trades: UnitTrade[]; basis: UnitBasis; avgLossByStrategy: Map<string, number> } {
  const basis: UnitBasis = trades.length > 0 && trades.every((t) => t.r !== null) ? "R" : "average loss";
  const perContract = (t: WhatIfTrade): number | null => (t.pnlUsd === null ? null : t.pnlUsd / (t.contracts ?? 1));
  const avgLoss = new Map<string, number>();
  for (const s of new Set(trades.map((t) => t.strategy))) {
    const pcs = trades.filter((t) => t.strategy === s).map(perContract).filter((x): x is number => x !== null);
    const losses = pcs.filter((x) => x <= 0).map((x) => -x);
    // No losing trade: the mean absolute outcome stands in (a scale, nothing more).
    const scale = losses.length > 0 ? mean(losses) : mean(pcs.map(Math.abs));
    avgLoss.set(s, scale > 0 ? scale : 1);
  }
  const out = trades.map((t) => {
    const pc = perContract(t);
    const unitUsd = basis === "R" ? (pc !== null && t.r !== null && t.r !== 0 ? Math.abs(pc / t.r) : null) : avgLoss.get(t.strategy)!;
    const units = basis === "R" ? t.r! : pc! / unitUsd!;
    return { ...t, units, unitUsdPerContract: unitUsd, marginPerContract: t.marginUsd === null ? null : t.marginUsd / (t.contracts ?? 1) };
  });
  return { trades: out, basis, avgLossByStrategy: avgLoss };
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

function std(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Win rate, payoff and full Kelly of outcomes in units. */
export interface KellyStats {
  readonly n: number;
  readonly winRate: number;
  readonly avgWin: number;
  readonly avgLoss: number;
  readonly payoff: number;
  readonly fullKelly: number;
}

export function kellyStats(units: readonly number[]): KellyStats {
  const wins = units.filter((u) => u > 0);
  const losses = units.filter((u) => u <= 0).map((u) => -u);
  const winRate = units.length ? wins.length / units.length : 0;
  const avgWin = mean(wins);
  const avgLoss = mean(losses);
  const payoff = avgLoss > 0 ? avgWin / avgLoss : wins.length > 0 ? Infinity : 0;
  return { n: units.length, winRate, avgWin, avgLoss, payoff, fullKelly: kellyFraction(winRate, payoff) };
}

export interface RuleContext {
  readonly trade: UnitTrade;
  /** Earlier trades of the same strategy that closed before this one opened, oldest first. */
  readonly history: readonly UnitTrade[];
  readonly equityUsd: number;
  readonly initialEquityUsd: number;
}

/** A sizing rule: the fraction of equity one average loss of the trade may cost, with why. */
export interface SizingRule {
  readonly name: string;
  readonly describe: string;
  /** Fixed dollar: a stake in USD, not a fraction of current equity. */
  readonly fixedDollar?: boolean;
  fraction(c: RuleContext): { f: number; why: string };
}

export interface RuleOptions {
  /** Risk per trade of the fixed rules, as a fraction (0.02 = 2%). */
  readonly fraction: number;
  /** Prior closed trades of a strategy before its rolling Kelly is used (fixed fraction until then). */
  readonly minSample: number;
  /** Rolling window of the Kelly estimate, in closed trades. */
  readonly window: number;
  /** Kelly from the whole list (hindsight) instead of the trades closed before each one. */
  readonly inSample: boolean;
  /** Per-strategy Kelly of the whole list (used when inSample). */
  readonly strategyKelly: ReadonlyMap<string, KellyStats>;
}

export function standardRules(o: RuleOptions): SizingRule[] {
  const kelly = (name: string, mult: number): SizingRule => ({
    name,
    describe: `${mult === 1 ? "full" : mult === 0.5 ? "half" : "quarter"} Kelly of the strategy ${o.inSample ? "over the whole list (hindsight)" : `from its last ${o.window} trades closed before each one (fixed ${pct(o.fraction)} until ${o.minSample})`}; K <= 0: skip`,
    fraction: (c) => {
      let k: number;
      if (o.inSample) k = o.strategyKelly.get(c.trade.strategy)?.fullKelly ?? 0;
      else {
        if (c.history.length < o.minSample) return { f: o.fraction, why: "too few trades for Kelly" };
        k = kellyStats(c.history.slice(-o.window).map((t) => t.units)).fullKelly;
      }
      return { f: Math.max(0, k) * mult, why: k > 0 ? "" : "no edge" };
    },
  });
  return [
    { name: "fixed dollar", describe: `${pct(o.fraction)} of the starting equity per trade, in dollars`, fixedDollar: true, fraction: () => ({ f: o.fraction, why: "" }) },
    { name: "fixed fraction", describe: `${pct(o.fraction)} of equity at each open`, fraction: () => ({ f: o.fraction, why: "" }) },
    kelly("full Kelly", 1),
    kelly("half Kelly", 0.5),
    kelly("quarter Kelly", 0.25),
    {
      name: "volatility-adjusted",
      describe: `${pct(o.fraction)} x (long-run std / std of the last 10 outcomes of the strategy), clamped to 0.25..2x; fixed until 10 trades`,
      fraction: (c) => {
        if (c.history.length < 10) return { f: o.fraction, why: "too few trades" };
        const recent = std(c.history.slice(-10).map((t) => t.units));
        const long = std(c.history.map((t) => t.units));
        const scale = recent > 0 && long > 0 ? Math.min(2, Math.max(0.25, long / recent)) : 1;
        return { f: o.fraction * scale, why: "" };
      },
    },
  ];
}

const pct = (f: number): string => `${+(f * 100).toFixed(2)}%`;

export interface RuleResult {
  readonly rule: string;
  readonly describe: string;
  readonly trades: number;
  readonly skipped: number;
  readonly endingEquityUsd: number;
  readonly totalReturnPct: number;
  readonly cagrPct: number;
  readonly maxDrawdownPct: number;
  /** CAGR / max drawdown; 0 without a drawdown. */
  readonly mar: number;
  /** Margin the rule's positions would hold / equity, at the opens (null without margin data). */
  readonly maxMarginPct: number | null;
  readonly avgMarginPct: number | null;
  readonly ruined: boolean;
  /** Equity after each close, for a chart or a check. */
  readonly path: readonly { readonly tMs: number; readonly equityUsd: number }[];
}

const YEAR_MS = 365.25 * 86_400_000;

/** Runs one rule over the trades, in time order (opens before closes at equal times). */
export function replayRule(trades: readonly UnitTrade[], rule: SizingRule, initialEquityUsd: number): RuleResult {
  type Ev = { tMs: number; open: boolean; t: UnitTrade; k: number };
  const events: Ev[] = [];
  trades.forEach((t, k) => {
    events.push({ tMs: t.openedMs, open: true, t, k }, { tMs: t.closedMs, open: false, t, k });
  });
  events.sort((a, b) => a.tMs - b.tMs || (a.open === b.open ? a.k - b.k : a.open ? -1 : 1));
  let equity = initialEquityUsd;
  let peak = equity;
  let maxDd = 0;
  let taken = 0;
  let skipped = 0;
  let ruined = false;
  const stake = new Map<number, { pnl: number; margin: number | null }>();
  const closedByStrategy = new Map<string, UnitTrade[]>();
  let openMargin = 0;
  let marginSeen = false;
  let maxMargin = 0;
  let sumMargin = 0;
  let marginSamples = 0;
  const path: { tMs: number; equityUsd: number }[] = [];
  for (const e of events) {
    if (e.open) {
      const history = closedByStrategy.get(e.t.strategy) ?? [];
      const { f } = ruined ? { f: 0 } : rule.fraction({ trade: e.t, history, equityUsd: equity, initialEquityUsd });
      const riskUsd = f * (rule.fixedDollar ? initialEquityUsd : equity);
      if (!(riskUsd > 0)) {
        skipped++;
        stake.set(e.k, { pnl: 0, margin: null });
        continue;
      }
      taken++;
      const contracts = e.t.unitUsdPerContract ? riskUsd / e.t.unitUsdPerContract : null;
      const margin = contracts !== null && e.t.marginPerContract !== null ? contracts * e.t.marginPerContract : null;
      stake.set(e.k, { pnl: riskUsd * e.t.units, margin });
      if (margin !== null) {
        marginSeen = true;
        openMargin += margin;
        const u = equity > 0 ? (openMargin / equity) * 100 : 0;
        maxMargin = Math.max(maxMargin, u);
        sumMargin += u;
        marginSamples++;
      }
      continue;
    }
    const s = stake.get(e.k)!;
    if (s.margin !== null) openMargin -= s.margin;
    equity += s.pnl;
    if (equity <= 0) {
      equity = 0;
      ruined = true;
    }
    const list = closedByStrategy.get(e.t.strategy) ?? [];
    list.push(e.t);
    closedByStrategy.set(e.t.strategy, list);
    peak = Math.max(peak, equity);
    if (peak > 0) maxDd = Math.max(maxDd, ((peak - equity) / peak) * 100);
    path.push({ tMs: e.tMs, equityUsd: equity });
  }
  const spanMs = events.length ? events[events.length - 1].tMs - events[0].tMs : 0;
  const growth = equity / initialEquityUsd;
  const cagr = equity <= 0 ? -100 : spanMs >= 86_400_000 ? (Math.exp(Math.log(growth) / (spanMs / YEAR_MS)) - 1) * 100 : 0;
  return {
    rule: rule.name,
    describe: rule.describe,
    trades: taken,
    skipped,
    endingEquityUsd: equity,
    totalReturnPct: (growth - 1) * 100,
    cagrPct: cagr,
    maxDrawdownPct: maxDd,
    mar: maxDd > 0 ? cagr / maxDd : 0,
    maxMarginPct: marginSeen ? maxMargin : null,
    avgMarginPct: marginSeen ? sumMargin / marginSamples : null,
    ruined,
    path,
  };
}

/** The trades as they were taken: their own P/L (needs a P/L column). */
export function asTraded(trades: readonly UnitTrade[], initialEquityUsd: number): RuleResult | null {
  if (trades.some((t) => t.pnlUsd === null)) return null;
  const pnlRule: SizingRule = { name: "as traded", describe: "the P/L in the file, as it was traded", fixedDollar: true, fraction: () => ({ f: 1, why: "" }) };
  // f x starting equity x units = the trade's own P/L, with units set to P/L / starting equity.
  const own = trades.map((t) => ({ ...t, units: t.pnlUsd! / initialEquityUsd, unitUsdPerContract: t.contracts ? initialEquityUsd / t.contracts : initialEquityUsd }));
  return replayRule(own, pnlRule, initialEquityUsd);
}

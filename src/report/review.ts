import { isoToEtDay, etDayToIso } from "../core/ny-time.ts";
import type { ReviewEvent, ReviewInput, ReviewTrade } from "./trades.ts";

/**
 * The daily trade-journal review: per day, the trades with their sizing decisions, the day's
 * numbers (P/L, win rate, max drawdown), what held sizes back (halts, drawdown and volatility
 * cutbacks, caps), and the week and month to date.
 */

export interface DaySummary {
  readonly trades: number;
  readonly wins: number;
  /** null with no trades. */
  readonly winRatePct: number | null;
  readonly pnlUsd: number;
  readonly startEquityUsd: number | null;
  readonly endEquityUsd: number | null;
  /** Deepest fall of realised equity from its running peak during the day (exits in order). */
  readonly maxDrawdownUsd: number;
  readonly maxDrawdownPct: number | null;
}

export interface PeriodSummary {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly trades: number;
  readonly wins: number;
  readonly winRatePct: number | null;
  readonly pnlUsd: number;
}

/** A sizing layer that cut a size below what the other layers asked for. */
export interface Cutback {
  readonly time: string;
  readonly symbol: string;
  readonly layer: string;
  readonly factor: number;
  readonly reason: string;
}

export interface DayReview {
  readonly date: string;
  readonly trades: readonly ReviewTrade[];
  readonly summary: DaySummary;
  readonly halts: readonly ReviewEvent[];
  readonly cutbacks: readonly Cutback[];
  /** Caps that bound a size, with how often. */
  readonly caps: readonly { readonly cap: string; readonly n: number }[];
  /** Signals not taken, by reason. */
  readonly rejections: readonly { readonly reason: string; readonly n: number }[];
  readonly configChanges: readonly ReviewEvent[];
  readonly weekToDate: PeriodSummary;
  readonly monthToDate: PeriodSummary;
}

/** Layers whose factor below 1 is a cutback (SPEC: drawdown cutbacks; the volatility layer too). */
const CUTBACK_LAYERS = new Set(["dd", "vol"]);

export function reviewDays(input: ReviewInput, dates: readonly string[]): DayReview[] {
  return dates.map((date) => reviewDay(input, date));
}

export function reviewDay(input: ReviewInput, date: string): DayReview {
  const trades = input.trades.filter((t) => t.day === date);
  const decisions = input.decisions.filter((d) => d.day === date);
  const cutbacks: Cutback[] = [];
  const caps = new Map<string, number>();
  for (const d of decisions) {
    for (const f of d.sizing.factors) {
      if (CUTBACK_LAYERS.has(f.name) && f.factor < 1) cutbacks.push({ time: d.time, symbol: d.symbol, layer: f.name, factor: f.factor, reason: f.reason });
    }
    if (d.sizing.cap) caps.set(d.sizing.cap, (caps.get(d.sizing.cap) ?? 0) + 1);
  }
  const rejections = new Map<string, number>();
  for (const r of input.rejections) {
    if (r.day !== date) continue;
    const reason = r.text.replace(/^[^:]+: /, "").replace(/[\d.]+/g, "N");
    rejections.set(reason, (rejections.get(reason) ?? 0) + 1);
  }
  return {
    date,
    trades,
    summary: daySummary(input, date, trades),
    halts: input.halts.filter((h) => h.day === date),
    cutbacks,
    caps: [...caps].map(([cap, n]) => ({ cap, n })),
    rejections: [...rejections].map(([reason, n]) => ({ reason, n })),
    configChanges: input.configChanges.filter((c) => c.day === date),
    weekToDate: period(input, weekStart(date), date),
    monthToDate: period(input, `${date.slice(0, 8)}01`, date),
  };
}

function daySummary(input: ReviewInput, date: string, trades: readonly ReviewTrade[]): DaySummary {
  const wins = trades.filter((t) => t.pnl > 0).length;
  const pnl = trades.reduce((a, t) => a + t.pnl, 0);
  const end = input.dayEnds.get(date);
  const start = startEquity(input, date);
  let peak = start ?? 0;
  let equity = start ?? 0;
  let ddUsd = 0;
  let ddPct: number | null = start === null ? null : 0;
  for (const t of [...trades].sort((a, b) => a.exitTime.localeCompare(b.exitTime))) {
    equity += t.pnl;
    peak = Math.max(peak, equity);
    if (peak - equity > ddUsd) {
      ddUsd = peak - equity;
      if (start !== null && peak > 0) ddPct = (ddUsd / peak) * 100;
    }
  }
  return {
    trades: trades.length,
    wins,
    winRatePct: trades.length ? (wins / trades.length) * 100 : null,
    pnlUsd: pnl,
    startEquityUsd: start,
    endEquityUsd: end?.equityUsd ?? (start === null ? null : start + pnl),
    maxDrawdownUsd: ddUsd,
    maxDrawdownPct: ddPct,
  };
}

/** Equity at the start of a day: the last close before it, else the run's start plus earlier trades. */
export function startEquity(input: ReviewInput, date: string): number | null {
  const own = input.dayEnds.get(date);
  if (own) return own.equityUsd - own.pnlUsd;
  let best: string | null = null;
  for (const d of input.dayEnds.keys()) if (d < date && (best === null || d > best)) best = d;
  if (best !== null) return input.dayEnds.get(best)!.equityUsd;
  if (input.initialEquityUsd === null) return null;
  return input.initialEquityUsd + input.trades.filter((t) => t.day < date).reduce((a, t) => a + t.pnl, 0);
}

function period(input: ReviewInput, from: string, to: string): PeriodSummary {
  const trades = input.trades.filter((t) => t.day >= from && t.day <= to);
  const wins = trades.filter((t) => t.pnl > 0).length;
  return {
    from,
    to,
    days: input.days.filter((d) => d >= from && d <= to).length,
    trades: trades.length,
    wins,
    winRatePct: trades.length ? (wins / trades.length) * 100 : null,
    pnlUsd: trades.reduce((a, t) => a + t.pnl, 0),
  };
}

/** Monday of the date's week (ISO weeks start on Monday). */
export function weekStart(date: string): string {
  const day = isoToEtDay(date);
  // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
  return etDayToIso(day - ((((day + 3) % 7) + 7) % 7));
}

/** The dates a review covers: one date, a range, or (neither) the latest day with anything in it. */
export function pickDates(available: readonly string[], o: { date?: string; from?: string; to?: string }): string[] {
  for (const [name, v] of [["--date", o.date], ["--from", o.from], ["--to", o.to]] as const) {
    if (v !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new Error(`${name} must be YYYY-MM-DD (got ${JSON.stringify(v)})`);
  }
  if (o.date !== undefined && (o.from !== undefined || o.to !== undefined)) throw new Error("give --date, or --from/--to, not both");
  if (o.date !== undefined) return [o.date];
  if (o.from !== undefined || o.to !== undefined) {
    const from = o.from ?? "0000-00-00";
    const to = o.to ?? "9999-99-99";
    if (from > to) throw new Error(`--from ${from} is after --to ${to}`);
    return available.filter((d) => d >= from && d <= to);
  }
  const last = available[available.length - 1];
  return last === undefined ? [] : [last];
}

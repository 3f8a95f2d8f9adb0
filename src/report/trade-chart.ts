import type { BarSeries } from "../core/bars.ts";
import { ET_MINUTE, etToUtcMs, isoToEtDay, NyTime } from "../core/ny-time.ts";

/**
 * The chart of one trade's session: its regular-hours 1-minute bars and the marks a Bear Trap
 * review reads (session low, the break, the reclaim candle, entry, adds, stop, targets, exits).
 * Pure: bars and the trade in, plain JSON out; the page draws it with TradingView's
 * lightweight-charts. Times are New York wall-clock seconds, because lightweight-charts shows
 * every timestamp as UTC (its docs: "time zones" - shift the data to show local time).
 */

/** One fill of a trade (entry, add, exit leg). */
export interface TradeLeg {
  readonly time: string;
  readonly priceUsd: number;
  readonly shares: number;
  readonly reason: string;
}

/** What a trade's source knows beyond the closed-trade row: legs, stop and the signal's levels. */
export interface TradeLegs {
  readonly entries: readonly TradeLeg[];
  readonly exits: readonly TradeLeg[];
  /** Initial stop, USD per share (null when the source did not record it). */
  readonly stopUsd: number | null;
  /** The broken level the reclaim closed back above (the session low before the break). */
  readonly reclaimedLevelUsd: number | null;
}

/** A session's bars in columns; `t` are New York wall-clock seconds (see above). */
export interface SessionBars {
  readonly symbol: string;
  readonly day: string;
  readonly t: readonly number[];
  readonly o: readonly number[];
  readonly h: readonly number[];
  readonly l: readonly number[];
  readonly c: readonly number[];
  readonly v: readonly number[];
}

export type MarkerKind = "session-low" | "break" | "reclaim" | "entry" | "add" | "exit";

export interface TradeMarker {
  /** A bar's time in the session (New York wall-clock seconds). */
  readonly t: number;
  readonly kind: MarkerKind;
  readonly priceUsd: number;
  readonly text: string;
}

export interface TradePriceLine {
  readonly kind: "stop" | "target" | "support";
  readonly priceUsd: number;
  readonly text: string;
}

export interface TradeChart {
  /** Key of the session's bars in the report's `sessions`. */
  readonly session: string;
  readonly markers: readonly TradeMarker[];
  readonly lines: readonly TradePriceLine[];
  /** What could not be marked and why (e.g. "stop derived from R"). */
  readonly notes: readonly string[];
}

/** The trade as the chart needs it. */
export interface ChartTrade {
  readonly symbol: string;
  readonly entryTime: string;
  readonly exitTime: string;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly shares: number;
  readonly r: number;
  readonly exitReason: string;
  readonly template: string | null;
  readonly legs?: TradeLegs | null;
}

/** Targets in R of a scaling template (config sizing.templates), by name. */
export type TemplateTargets = ReadonlyMap<string, readonly { readonly atR: number; readonly fraction: number }[]>;

const ny = new NyTime();
const wallSec = (tMs: number): number => Math.round(ny.localMs(tMs) / 1000);
const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const usd = (x: number): string => `$${x.toFixed(x < 1 ? 4 : 2)}`;

export const sessionKey = (symbol: string, day: string): string => `${symbol}|${day}`;

/** First index with tMs >= t (binary search; series are sorted). */
function lowerBound(s: BarSeries, t: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.tMs[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The regular-hours (09:30-16:00 New York) bars of `day`, or null when the series has none. */
export function sessionBars(s: BarSeries, day: string): SessionBars | null {
  const etDay = isoToEtDay(day);
  const from = lowerBound(s, etToUtcMs(etDay, ET_MINUTE.open));
  const to = lowerBound(s, etToUtcMs(etDay, ET_MINUTE.close));
  if (to <= from) return null;
  const pick = (a: Float64Array): number[] => Array.from(a.subarray(from, to), r4);
  return { symbol: s.symbol, day, t: Array.from(s.tMs.subarray(from, to), wallSec), o: pick(s.open), h: pick(s.high), l: pick(s.low), c: pick(s.close), v: Array.from(s.volume.subarray(from, to)) };
}

/** Index of the last bar starting at or before wall time `t` (0 when none). */
function barAt(b: SessionBars, t: number): number {
  let i = 0;
  while (i + 1 < b.t.length && b.t[i + 1] <= t) i++;
  return i;
}

/**
 * The marks of one trade on its session. The reclaim candle is the bar before the entry fill (the
 * entry fills at the reclaim bar's close, or the next bar's open: either way the bar that started
 * before the fill's minute); the break is the first bar whose low went under the reclaimed level.
 */
export function tradeChart(trade: ChartTrade, bars: SessionBars, templates: TemplateTargets): TradeChart {
  const notes: string[] = [];
  const markers: TradeMarker[] = [];
  const lines: TradePriceLine[] = [];
  const legs = trade.legs ?? null;
  const entries = legs?.entries.length ? legs.entries : [{ time: trade.entryTime, priceUsd: trade.entryPrice, shares: trade.shares, reason: "entry" }];
  const exits = legs?.exits.length ? legs.exits : [{ time: trade.exitTime, priceUsd: trade.exitPrice, shares: trade.shares, reason: trade.exitReason }];
  const first = entries[0];
  const entryWall = wallSec(Date.parse(first.time));
  // The bar that started strictly before the fill's minute is the decision (reclaim) bar.
  const reclaim = Math.max(0, barAt(bars, entryWall - 1));
  let lowIx = 0;
  for (let i = 1; i <= reclaim; i++) if (bars.l[i] < bars.l[lowIx]) lowIx = i;
  let priorLow = Infinity;
  for (let i = 0; i < lowIx; i++) priorLow = Math.min(priorLow, bars.l[i]);
  const level = legs?.reclaimedLevelUsd ?? (Number.isFinite(priorLow) ? priorLow : null);
  if (level !== null) {
    lines.push({ kind: "support", priceUsd: r4(level), text: `support ${usd(level)}` });
    const br = bars.l.findIndex((l, i) => i <= reclaim && l < level);
    if (br >= 0) markers.push({ t: bars.t[br], kind: "break", priceUsd: bars.l[br], text: "break" });
  } else notes.push("no break: the session low was set on its first bar");
  markers.push({ t: bars.t[lowIx], kind: "session-low", priceUsd: bars.l[lowIx], text: `low ${usd(bars.l[lowIx])}` });
  markers.push({ t: bars.t[reclaim], kind: "reclaim", priceUsd: bars.h[reclaim], text: "reclaim" });
  entries.forEach((e, i) => {
    const at = barAt(bars, wallSec(Date.parse(e.time)));
    markers.push({ t: bars.t[at], kind: i === 0 ? "entry" : "add", priceUsd: e.priceUsd, text: `${i === 0 ? "entry" : e.reason} ${e.shares} @ ${usd(e.priceUsd)}` });
  });
  for (const x of exits) {
    const at = barAt(bars, wallSec(Date.parse(x.time)));
    markers.push({ t: bars.t[at], kind: "exit", priceUsd: x.priceUsd, text: `${x.reason} ${x.shares} @ ${usd(x.priceUsd)}` });
  }
  let stop = legs?.stopUsd ?? null;
  if (stop === null && Number.isFinite(trade.r) && Math.abs(trade.r) >= 0.05) {
    // R = (exit - entry) / (entry - stop) per share: the stop follows from the trade's own R.
    stop = trade.entryPrice - (trade.exitPrice - trade.entryPrice) / trade.r;
    notes.push("stop derived from the trade's R (the source did not record it)");
  }
  if (stop !== null && Number.isFinite(stop)) {
    lines.push({ kind: "stop", priceUsd: r4(stop), text: `stop ${usd(stop)}` });
    const rUsd = first.priceUsd - stop;
    const plan = trade.template ? templates.get(trade.template) : undefined;
    if (plan && rUsd > 0) {
      plan.forEach((p, i) => lines.push({ kind: "target", priceUsd: r4(first.priceUsd + p.atR * rUsd), text: `TP${i + 1} ${p.atR}R` }));
    }
  }
  if (!trade.template) {
    // The strategy's own plan (SPEC 1): TP1 halfway to the session high, TP2 at the session high.
    let high = -Infinity;
    for (let i = 0; i <= reclaim; i++) high = Math.max(high, bars.h[i]);
    if (high > first.priceUsd) {
      lines.push({ kind: "target", priceUsd: r4(first.priceUsd + 0.5 * (high - first.priceUsd)), text: "TP1" });
      lines.push({ kind: "target", priceUsd: r4(high), text: "TP2 session high" });
    }
  }
  markers.sort((a, b) => a.t - b.t);
  return { session: sessionKey(trade.symbol, bars.day), markers, lines, notes };
}

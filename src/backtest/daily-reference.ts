import type { BarSeries } from "../core/bars.ts";
import { isTradingDay } from "../core/market-calendar.ts";
import { Rsi } from "../indicators/rsi.ts";

/**
 * Reference backtest of the daily RSI hysteresis trend follower (strategies/daily-trend.ts), written
 * independently of the engine with plain loops, to serve as the oracle of a parity test on the
 * engine's result. Rules (issue 14 item 3):
 * - decisions at a daily bar's close: enter when RSI crosses above upper while flat, exit when it
 *   crosses below lower while in (the hysteresis of the strategy's TSDoc);
 * - the order fills at the symbol's next session OPEN (the next bar of that symbol), at
 *   open x (1 + side cost) for a buy and open x (1 - side cost) for a sell;
 * - size at the decision: floor(min(weight, maxPositionPct / 100) x equity at that close / close)
 *   shares; at the fill, a cash account buys no more than its cash pays for (no leverage); exits
 *   fill before entries at the same open, so freed cash is there to use;
 * - a position still open at the end stays open (marked at the last close; listed as open).
 * A bar is the session of its UTC calendar date (the files' 00:00Z stamps and Alpaca's 00:00 New
 * York stamps both fall on that date); bars on days the market is closed (stray weekend and holiday
 * rows in the files) are skipped and counted.
 */

/** One symbol's bars and RSI band. */
export interface ReferenceSymbol {
  readonly series: BarSeries;
  readonly period: number;
  readonly upper: number;
  readonly lower: number;
}

export interface ReferenceOptions {
  readonly initialEquityUsd: number;
  /** Cost of one side in basis points (5 = 10 bps round trip). */
  readonly sideCostBps: number;
  /** Share of equity per symbol at entry (1 / N for equal allocation). */
  readonly weight: number;
  /** Cap on one position, % of equity at the decision. */
  readonly maxPositionPct: number;
}

/** A decision at a bar's close. `day` is the session (days since 1970-01-01). */
export interface ReferenceDecision {
  readonly symbol: string;
  readonly day: number;
  readonly action: "enter" | "exit";
  readonly rsi: number;
  /** Shares the entry asked for (0 for an exit). */
  readonly qty: number;
}

export interface ReferenceTrade {
  readonly symbol: string;
  readonly signalDay: number;
  readonly entryDay: number;
  /** Fill price including the side cost. */
  readonly entryPx: number;
  readonly qty: number;
  readonly exitSignalDay: number | null;
  readonly exitDay: number | null;
  readonly exitPx: number | null;
  /** Realised P/L, or marked at the last close for an open trade. */
  readonly pnlUsd: number;
  readonly returnPct: number;
  /** Sessions of the symbol from the entry open to the exit open (or to the last bar). */
  readonly holdingDays: number;
  readonly open: boolean;
}

export interface ReferenceRun {
  /** Sessions in order (union of the symbols' sessions). */
  readonly days: readonly number[];
  /** Equity at each session's close. */
  readonly equity: readonly number[];
  /** Market value of the positions / equity at each close. */
  readonly exposure: readonly number[];
  readonly decisions: readonly ReferenceDecision[];
  readonly trades: readonly ReferenceTrade[];
  /** Entries whose fill found no cash for a single share. */
  readonly refusedEntries: number;
  /** Entries filled with fewer shares than decided, for want of cash (positions that grew use it). */
  readonly cutEntries: number;
  /** Bars skipped because the market was closed on their date. */
  readonly skippedBars: number;
  readonly initialEquityUsd: number;
}

const DAY_MS = 86_400_000;

/** The session a daily bar belongs to: its UTC calendar date. */
export function sessionDayOf(tMs: number): number {
  return Math.floor(tMs / DAY_MS);
}

/**
 * The series without its bars on days the market is closed (a copy when any are dropped) and how
 * many were dropped. The raw daily files carry such rows (e.g. SPY 2023-11-11, a Saturday; 2026-01-01),
 * thin after-hours prints; the reference skips them, so a parity run must feed the engine this too.
 */
export function dropClosedDays(s: BarSeries): { series: BarSeries; dropped: number } {
  const keep: number[] = [];
  let last = -1;
  for (let i = 0; i < s.length; i++) {
    const d = sessionDayOf(s.tMs[i]);
    if (isTradingDay(d) && d !== last) keep.push(i);
    last = d;
  }
  if (keep.length === s.length) return { series: s, dropped: 0 };
  const pick = (a: Float64Array): Float64Array => Float64Array.from(keep, (i) => a[i]);
  return {
    series: { symbol: s.symbol, length: keep.length, tMs: pick(s.tMs), open: pick(s.open), high: pick(s.high), low: pick(s.low), close: pick(s.close), volume: pick(s.volume) },
    dropped: s.length - keep.length,
  };
}

interface Book {
  readonly symbol: string;
  readonly s: BarSeries;
  /** Bar index of each session day the symbol has a bar on. */
  readonly barOf: Map<number, number>;
  readonly rsi: Rsi;
  readonly upper: number;
  readonly lower: number;
  prevRsi: number;
  lastClose: number;
  qty: number;
  entry: { signalDay: number; day: number; bar: number; px: number } | null;
  pendingEnter: { qty: number; day: number } | null;
  pendingExit: number | null;
}

/** Runs the reference backtest over the symbols together (one cash account). */
export function runDailyReference(symbols: readonly ReferenceSymbol[], o: ReferenceOptions): ReferenceRun {
  const side = o.sideCostBps / 10_000;
  const cap = Math.min(o.weight, o.maxPositionPct / 100);
  let skippedBars = 0;
  const allDays = new Set<number>();
  const books: Book[] = symbols.map((x) => {
    const barOf = new Map<number, number>();
    for (let i = 0; i < x.series.length; i++) {
      const d = sessionDayOf(x.series.tMs[i]);
      if (!isTradingDay(d) || barOf.has(d)) {
        skippedBars++;
        continue;
      }
      barOf.set(d, i);
      allDays.add(d);
    }
    return {
      symbol: x.series.symbol, s: x.series, barOf, rsi: new Rsi(x.period), upper: x.upper, lower: x.lower,
      prevRsi: NaN, lastClose: NaN, qty: 0, entry: null, pendingEnter: null, pendingExit: null,
    };
  });
  const days = [...allDays].sort((a, b) => a - b);
  const equity: number[] = [];
  const exposure: number[] = [];
  const decisions: ReferenceDecision[] = [];
  const trades: ReferenceTrade[] = [];
  const held = new Map<string, number>(); // bars held per symbol, counted per session of the symbol
  let cash = o.initialEquityUsd;
  let refusedEntries = 0;
  let cutEntries = 0;

  for (const day of days) {
    // The open: exits first, then entries.
    for (const b of books) {
      const i = b.barOf.get(day);
      if (i === undefined || b.pendingExit === null || b.entry === null) continue;
      const px = b.s.open[i] * (1 - side);
      cash += b.qty * px;
      trades.push(closedTrade(b, b.pendingExit, day, px, held.get(b.symbol) ?? 0));
      b.qty = 0;
      b.entry = null;
      b.pendingExit = null;
    }
    for (const b of books) {
      const i = b.barOf.get(day);
      if (i === undefined || b.pendingEnter === null) continue;
      const px = b.s.open[i] * (1 + side);
      const qty = Math.min(b.pendingEnter.qty, Math.floor(cash / px));
      if (qty > 0) {
        if (qty < b.pendingEnter.qty) cutEntries++;
        cash -= qty * px;
        b.qty = qty;
        b.entry = { signalDay: b.pendingEnter.day, day, bar: i, px };
        held.set(b.symbol, 0);
      } else refusedEntries++;
      b.pendingEnter = null;
    }
    // The close: mark, then decide.
    let value = 0;
    for (const b of books) {
      const i = b.barOf.get(day);
      if (i !== undefined) {
        b.lastClose = b.s.close[i];
        if (b.qty > 0) held.set(b.symbol, (held.get(b.symbol) ?? 0) + 1);
      }
      if (b.qty > 0) value += b.qty * b.lastClose;
    }
    const eq = cash + value;
    equity.push(eq);
    exposure.push(eq > 0 ? value / eq : 0);
    for (const b of books) {
      const i = b.barOf.get(day);
      if (i === undefined) continue;
      b.prevRsi = b.rsi.current;
      b.rsi.stepClose(b.s.close[i]);
      const cur = b.rsi.current;
      if (b.qty > 0) {
        if (b.prevRsi >= b.lower && cur < b.lower) {
          b.pendingExit = day;
          decisions.push({ symbol: b.symbol, day, action: "exit", rsi: cur, qty: 0 });
        }
      } else if (b.prevRsi <= b.upper && cur > b.upper) {
        const qty = Math.floor((cap * eq) / b.s.close[i]);
        b.pendingEnter = { qty, day };
        decisions.push({ symbol: b.symbol, day, action: "enter", rsi: cur, qty });
      }
    }
  }
  for (const b of books) {
    if (b.entry === null) continue;
    const pnl = b.qty * (b.lastClose - b.entry.px);
    trades.push({
      symbol: b.symbol, signalDay: b.entry.signalDay, entryDay: b.entry.day, entryPx: b.entry.px, qty: b.qty,
      exitSignalDay: null, exitDay: null, exitPx: null, pnlUsd: pnl, returnPct: (b.lastClose / b.entry.px - 1) * 100,
      holdingDays: held.get(b.symbol) ?? 0, open: true,
    });
  }
  trades.sort((a, b) => a.entryDay - b.entryDay || a.symbol.localeCompare(b.symbol));
  return { days, equity, exposure, decisions, trades, refusedEntries, cutEntries, skippedBars, initialEquityUsd: o.initialEquityUsd };
}

function closedTrade(b: Book, exitSignalDay: number, day: number, px: number, heldBars: number): ReferenceTrade {
  const e = b.entry!;
  return {
    symbol: b.symbol, signalDay: e.signalDay, entryDay: e.day, entryPx: e.px, qty: b.qty, exitSignalDay, exitDay: day,
    exitPx: px, pnlUsd: b.qty * (px - e.px), returnPct: (px / e.px - 1) * 100,
    // Sessions closed while held (entry day .. the day before the exit open) = sessions held.
    holdingDays: heldBars, open: false,
  };
}

/**
 * Buy and hold of the same symbols in one cash account: each symbol gets `weight` of the initial
 * equity, bought at its first session's open (side cost included) and held to the end.
 */
export function runBuyAndHold(series: readonly BarSeries[], o: Pick<ReferenceOptions, "initialEquityUsd" | "sideCostBps" | "weight">): ReferenceRun {
  const side = o.sideCostBps / 10_000;
  const bars = series.map((s) => {
    const m = new Map<number, number>();
    for (let i = 0; i < s.length; i++) {
      const d = sessionDayOf(s.tMs[i]);
      if (isTradingDay(d) && !m.has(d)) m.set(d, i);
    }
    return m;
  });
  const days = [...new Set(bars.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  let cash = o.initialEquityUsd;
  const qty = series.map(() => 0);
  const last = series.map(() => NaN);
  const budget = o.initialEquityUsd * o.weight;
  const equity: number[] = [];
  const exposure: number[] = [];
  const trades: ReferenceTrade[] = [];
  const entries: { day: number; px: number; held: number }[] = series.map(() => ({ day: -1, px: NaN, held: 0 }));
  for (const day of days) {
    let value = 0;
    series.forEach((s, k) => {
      const i = bars[k].get(day);
      if (i !== undefined) {
        if (entries[k].day < 0) {
          const px = s.open[i] * (1 + side);
          qty[k] = Math.min(Math.floor(budget / px), Math.floor(cash / px));
          cash -= qty[k] * px;
          entries[k] = { day, px, held: 0 };
        }
        last[k] = s.close[i];
        entries[k].held++;
      }
      if (qty[k] > 0) value += qty[k] * last[k];
    });
    const eq = cash + value;
    equity.push(eq);
    exposure.push(eq > 0 ? value / eq : 0);
  }
  series.forEach((s, k) => {
    const e = entries[k];
    if (e.day < 0) return;
    trades.push({
      symbol: s.symbol, signalDay: e.day, entryDay: e.day, entryPx: e.px, qty: qty[k], exitSignalDay: null, exitDay: null,
      exitPx: null, pnlUsd: qty[k] * (last[k] - e.px), returnPct: (last[k] / e.px - 1) * 100, holdingDays: e.held, open: true,
    });
  });
  return { days, equity, exposure, decisions: [], trades, refusedEntries: 0, cutEntries: 0, skippedBars: 0, initialEquityUsd: o.initialEquityUsd };
}

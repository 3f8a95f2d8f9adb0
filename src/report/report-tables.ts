import type { BarSeries } from "../core/bars.ts";
import { NyTime, etDayToIso } from "../core/ny-time.ts";
import { formatPct, formatUsd } from "./format.ts";

/**
 * The report's breakdown tables, computed once in Node so the page only lays them out: per
 * symbol, per exit reason, P/L by New York hour of entry, the worst drawdown periods, monthly
 * returns, and a buy-and-hold benchmark of the traded universe. Pure functions of plain rows.
 */

/** A table as the page shows it: a title, the column heads, rows of already formatted cells. */
export interface ReportTable {
  readonly id: string;
  readonly title: string;
  /** One line shown instead of the table when it has no rows, and under it otherwise. */
  readonly note: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** The fields of a trade the tables read. */
export interface TableTrade {
  readonly symbol: string;
  readonly entryTime: string;
  readonly pnl: number;
  readonly r: number;
  readonly exitReason: string;
}

const ny = new NyTime();

function groupStats(id: string, title: string, key: string, note: string, trades: readonly TableTrade[], keyOf: (t: TableTrade) => string): ReportTable {
  const by = new Map<string, TableTrade[]>();
  for (const t of trades) by.set(keyOf(t), [...(by.get(keyOf(t)) ?? []), t]);
  const rows = [...by.entries()]
    .map(([k, ts]) => {
      const pnl = ts.reduce((a, t) => a + t.pnl, 0);
      const rs = ts.filter((t) => Number.isFinite(t.r));
      return { k, n: ts.length, pnl, win: ts.filter((t) => t.pnl > 0).length / ts.length, meanR: rs.length ? rs.reduce((a, t) => a + t.r, 0) / rs.length : NaN };
    })
    .sort((a, b) => (key === "hour (New York)" ? a.k.localeCompare(b.k) : a.pnl - b.pnl));
  return {
    id,
    title,
    note: trades.length === 0 ? "no trades in this run" : note,
    columns: [key, "trades", "win rate", "mean R", "P/L"],
    rows: rows.map((x) => [x.k, String(x.n), formatPct(x.win * 100, 0), Number.isFinite(x.meanR) ? x.meanR.toFixed(2) : "-", formatUsd(x.pnl)]),
  };
}

/** P/L, win rate and mean R per symbol, worst first. */
export const symbolTable = (trades: readonly TableTrade[]): ReportTable => groupStats("by-symbol", "By symbol", "symbol", "worst P/L first", trades, (t) => t.symbol);

/** The same per exit reason (stop, targets, time stop, end of day...). */
export const exitReasonTable = (trades: readonly TableTrade[]): ReportTable => groupStats("by-exit", "By exit reason", "exit reason", "worst P/L first", trades, (t) => t.exitReason);

/** By the New York hour the trade was entered. */
export const hourTable = (trades: readonly TableTrade[]): ReportTable =>
  groupStats("by-hour", "P/L by time of day", "hour (New York)", "by the New York hour of the entry", trades, (t) => {
    const m = ny.etMinute(Date.parse(t.entryTime));
    return `${String(Math.floor(m / 60)).padStart(2, "0")}:00`;
  });

/** A day's closing equity. */
export interface EquityDay {
  readonly day: string;
  readonly equityUsd: number;
}

/** The deepest peak-to-trough falls of the equity curve (non-overlapping), deepest first. */
export function drawdownTable(start: number, daily: readonly EquityDay[], top = 5): ReportTable {
  const periods: { peak: string; trough: string; recovered: string | null; depthPct: number }[] = [];
  let peak = start;
  let peakDay = daily.length ? `before ${daily[0].day}` : "";
  let cur: (typeof periods)[number] | null = null;
  for (const d of daily) {
    if (d.equityUsd >= peak) {
      if (cur) {
        cur.recovered = d.day;
        periods.push(cur);
        cur = null;
      }
      peak = d.equityUsd;
      peakDay = d.day;
      continue;
    }
    const depth = peak > 0 ? ((peak - d.equityUsd) / peak) * 100 : 0;
    if (!cur) cur = { peak: peakDay, trough: d.day, recovered: null, depthPct: depth };
    else if (depth > cur.depthPct) {
      cur.depthPct = depth;
      cur.trough = d.day;
    }
  }
  if (cur) periods.push(cur);
  const rows = periods.sort((a, b) => b.depthPct - a.depthPct).slice(0, top);
  return {
    id: "drawdowns",
    title: "Worst drawdown periods",
    note: rows.length === 0 ? "no drawdown: equity never closed a day below its peak" : "from the day-end equity; deepest first",
    columns: ["peak", "trough", "recovered", "depth"],
    rows: rows.map((p) => [p.peak, p.trough, p.recovered ?? "not yet", formatPct(-p.depthPct)]),
  };
}

/** Return of each calendar month (New York dates) from day-end equity. */
export function monthlyTable(start: number, daily: readonly EquityDay[]): ReportTable {
  const months = new Map<string, { first: number; last: number }>();
  let prev = start;
  for (const d of daily) {
    const m = d.day.slice(0, 7);
    const cur = months.get(m);
    months.set(m, { first: cur?.first ?? prev, last: d.equityUsd });
    prev = d.equityUsd;
  }
  return {
    id: "monthly",
    title: "Monthly returns",
    note: months.size === 0 ? "no trading day finished yet" : "month-end equity against the previous month's end",
    columns: ["month", "return", "P/L"],
    rows: [...months.entries()].map(([m, v]) => [m, formatPct(v.first > 0 ? ((v.last - v.first) / v.first) * 100 : 0), formatUsd(v.last - v.first)]),
  };
}

/**
 * Equal-weight buy and hold of the traded symbols over the report's days: `start` dollars split
 * evenly at each symbol's first close in the range, marked at each day's last close. A benchmark,
 * not a strategy: no friction, no rebalancing.
 */
export function buyAndHold(series: readonly BarSeries[], symbols: readonly string[], days: readonly string[], start: number): EquityDay[] | null {
  const want = new Set(symbols);
  const used = series.filter((s) => want.has(s.symbol) && s.length > 0);
  if (used.length === 0 || days.length === 0) return null;
  const first = days[0];
  const last = days[days.length - 1];
  // Last close per New York day, per symbol.
  const closes = used.map((s) => {
    const m = new Map<string, number>();
    for (let i = 0; i < s.length; i++) {
      const d = etDayToIso(ny.etDay(s.tMs[i]));
      if (d >= first && d <= last) m.set(d, s.close[i]);
    }
    return m;
  });
  const base = closes.map((m) => (m.size ? [...m.values()][0] : NaN));
  const held = base.map((b) => (Number.isFinite(b) && b > 0 ? start / used.length / b : 0));
  const lastSeen = base.slice();
  return days.map((day) => {
    let eq = 0;
    closes.forEach((m, i) => {
      const c = m.get(day);
      if (c !== undefined) lastSeen[i] = c;
      eq += held[i] > 0 ? held[i] * lastSeen[i] : start / used.length;
    });
    return { day, equityUsd: Math.round(eq * 100) / 100 };
  });
}

import type { Config } from "../config/schema.ts";
import type { DailyEquityPoint } from "../core/types.ts";
import { bracketRows, type BracketRow, type Comparison } from "../backtest/compare.ts";
import { computeMetrics, type Metrics } from "../backtest/metrics.ts";
import { tradeListJson } from "../backtest/run.ts";
import { calibrationTable, type CalibrationRow } from "../sizing/calibration.ts";
import { shrinkKelly } from "../sizing/kelly.ts";
import { ALL, KellyStatsStore } from "../sizing/kelly-stats.ts";
import { epsilonAt, type QTable } from "../sizing/rl/index.ts";
import { tradeListInput } from "./journal-source.ts";
import { nyDate } from "./trades.ts";
import type { BarSeries } from "../core/bars.ts";
import { formatPct, formatUsd } from "./format.ts";
import { buyAndHold, drawdownTable, exitReasonTable, hourTable, monthlyTable, symbolTable, type EquityDay, type ReportTable } from "./report-tables.ts";
import { reviewTradeFacts, strategyBreakdown, strategyReportTable } from "./by-strategy.ts";
import { sessionBars, sessionKey, tradeChart, type SessionBars, type TemplateTargets, type TradeChart } from "./trade-chart.ts";
import { nyClock, rlChoice, tradeRisk, type ReviewInput, type ReviewTrade } from "./trades.ts";

/**
 * What the HTML report draws, as plain JSON: one run per sizing mode (compare, walkforward) or one
 * run (the daemon's journal, a backtest). renderReport() turns it into one self-contained file.
 */

/** A trade as the report's table shows it. */
export type ReportTradeRow = Pick<ReviewTrade, "symbol" | "day" | "entryTime" | "exitTime" | "shares" | "entryPrice" | "exitPrice" | "r" | "pnl" | "exitReason" | "regime" | "template" | "mode"> & {
  readonly riskPct: number | null;
  /** The sizing summaries of the entry and each add, one per line. */
  readonly sizing: string;
  /** Entry and exit clock, New York time ("10:42"). */
  readonly entryNy: string;
  readonly exitNy: string;
  /** The trade's session chart, or null when the report has no bars for it. */
  readonly chart: TradeChart | null;
};

export interface KellyPoint {
  /** Trade number, in entry order. */
  readonly i: number;
  readonly time: string;
  /** Edge the Kelly layer saw before this trade (shrunk W x B - (1 - W), in units of the average loss); null before any trade closed. */
  readonly predictedEdge: number | null;
  readonly fullKelly: number | null;
  readonly realisedR: number;
  /** Mean R of the last `window` trades up to and including this one. */
  readonly rollingR: number;
}

export interface RlReport {
  /** Per closed RL trade: updates so far, exploration rate, states in the table. */
  readonly steps: readonly { readonly updates: number; readonly epsilon: number; readonly states: number }[];
  /** Greedy multiplier per state: learned (from the Q-table) or, without one, the last chosen. */
  readonly greedy: readonly { readonly state: string; readonly multiplier: number; readonly q: number | null; readonly n: number }[];
  readonly source: string;
}

export interface ReportRun {
  readonly name: string;
  readonly initialEquityUsd: number;
  readonly daily: readonly { readonly day: string; readonly equityUsd: number; readonly pnlUsd: number }[];
  readonly metrics: readonly { readonly label: string; readonly value: string }[];
  readonly sizes: readonly BracketRow[];
  /** Risk at entry per trade (% of equity), for the size histogram. */
  readonly riskPcts: readonly number[];
  readonly kelly: readonly KellyPoint[];
  readonly calibration: readonly CalibrationRow[];
  readonly rl: RlReport | null;
  readonly trades: readonly ReportTradeRow[];
  /** Per symbol, exit reason, hour of day, worst drawdowns, monthly returns. */
  readonly tables: readonly ReportTable[];
  /** Equal-weight buy and hold of the traded symbols on the same days (null without bars). */
  readonly benchmark: readonly EquityDay[] | null;
}

export interface ReportData {
  readonly title: string;
  readonly subtitle: string;
  readonly generatedAt: string;
  readonly runs: readonly ReportRun[];
  readonly notes: readonly string[];
  /** Session bars the trade charts draw, by `SYMBOL|YYYY-MM-DD` (shared by the runs). */
  readonly sessions: Readonly<Record<string, SessionBars>>;
  /** Page-level tables (a comparison's criteria, a walk-forward's folds). */
  readonly tables: readonly ReportTable[];
}

/**
 * Bars the trade charts and the benchmark read, and the sessions already cut from them (shared by
 * every run of one report so a session shows once in the page). Charts stop at `maxSessions`:
 * a session is ~20 kB of JSON, and a page of thousands of them would not open.
 */
export class ChartBars {
  readonly sessions = new Map<string, SessionBars | null>();
  private readonly bySymbol: Map<string, BarSeries>;
  skipped = 0;
  constructor(
    readonly series: readonly BarSeries[],
    readonly maxSessions = 400,
  ) {
    this.bySymbol = new Map(series.map((s) => [s.symbol, s]));
  }

  /** The session of `symbol` on `day`, cut once; null without bars or past the cap. */
  session(symbol: string, day: string): SessionBars | null {
    const key = sessionKey(symbol, day);
    if (this.sessions.has(key)) return this.sessions.get(key) ?? null;
    const s = this.bySymbol.get(symbol);
    if (s === undefined) return null;
    if (this.sessions.size >= this.maxSessions) {
      this.skipped++;
      return null;
    }
    const b = sessionBars(s, day);
    this.sessions.set(key, b);
    return b;
  }

  /** The sessions drawn, as the page's JSON. */
  json(): Record<string, SessionBars> {
    const out: Record<string, SessionBars> = {};
    for (const [k, v] of this.sessions) if (v !== null) out[k] = v;
    return out;
  }
}

export interface RunExtras {
  readonly config: Config;
  /** The run's final Q-table (learned multipliers per state). */
  readonly qTable?: QTable | null;
  readonly sizes?: readonly BracketRow[];
  readonly calibration?: readonly CalibrationRow[];
  readonly daily?: readonly DailyEquityPoint[];
  readonly metrics?: Metrics;
  /** Only trades closed on these dates (inclusive); the equity curve is cut the same way. */
  readonly from?: string;
  readonly to?: string;
  /** Bars for the trade charts and the benchmark. */
  readonly bars?: ChartBars;
  /** Configured shares of the account by strategy id (0..1), for the by-strategy table. */
  readonly allocations?: Readonly<Record<string, number>>;
}

/** One run of the report from reviewed trades (journal or trade list) and what else is known of it. */
export function reportRun(name: string, input: ReviewInput, x: RunExtras): ReportRun {
  const inRange = (d: string): boolean => (x.from === undefined || d >= x.from) && (x.to === undefined || d <= x.to);
  const trades = input.trades.filter((t) => inRange(t.day));
  const initial = input.initialEquityUsd ?? x.config.execution.initialEquityUsd;
  const daily = dailyOf(input, x.daily, initial).filter((d) => inRange(d.day));
  const withRisk = trades.flatMap((t) => {
    const r = tradeRisk(t);
    return r === null ? [] : [{ riskPct: r, win: t.pnl > 0 }];
  });
  const predictions = trades.flatMap((t) => (t.sizing?.probability != null ? [{ p: t.sizing.probability, win: t.pnl > 0 }] : []));
  const start = daily.length > 0 ? daily[0].equityUsd - daily[0].pnlUsd : initial;
  const templates: TemplateTargets = new Map(Object.entries(x.config.sizing.templates).map(([k, v]) => [k, v.targets]));
  // Newest trades first, so the cap on sessions keeps the ones a reviewer opens first.
  const charts = new Map<ReviewTrade, TradeChart | null>();
  for (const t of [...trades].reverse()) {
    const b = x.bars?.session(t.symbol, nyDate(t.entryTime));
    charts.set(t, b ? tradeChart(t, b, templates) : null);
  }
  const symbols = [...new Set(trades.map((t) => t.symbol))];
  const benchmark = x.bars ? buyAndHold(x.bars.series, symbols, daily.map((d) => d.day), start) : null;
  return {
    name,
    initialEquityUsd: start,
    daily,
    metrics: metricRows(x.metrics ?? metricsOf(start, daily, trades)),
    sizes: x.sizes ?? bracketRows(withRisk),
    riskPcts: withRisk.map((t) => round(t.riskPct, 4)),
    kelly: kellyPoints(trades, x.config),
    calibration: x.calibration ?? calibrationTable(predictions),
    rl: rlReport(trades, x.config, x.qTable ?? null),
    trades: trades.map((t) => rowOf(t, charts.get(t) ?? null)),
    tables: [strategyReportTable(strategyBreakdown(reviewTradeFacts(input, trades), x.allocations)), symbolTable(trades), exitReasonTable(trades), hourTable(trades), drawdownTable(start, daily), monthlyTable(start, daily)],
    benchmark,
  };
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

function dailyOf(input: ReviewInput, engineDaily: readonly DailyEquityPoint[] | undefined, initial: number): ReportRun["daily"] {
  if (engineDaily && engineDaily.length > 0) {
    return engineDaily.map((d, i) => ({ day: d.day, equityUsd: round(d.equityUsd, 2), pnlUsd: round(d.equityUsd - (i === 0 ? initial : engineDaily[i - 1].equityUsd), 2) }));
  }
  return [...input.dayEnds.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, e]) => ({ day, equityUsd: round(e.equityUsd, 2), pnlUsd: round(e.pnlUsd, 2) }));
}

function metricsOf(initial: number, daily: ReportRun["daily"], trades: readonly ReviewTrade[]): Metrics {
  const ms = (iso: string): number => Date.parse(iso);
  return computeMetrics({
    initialEquityUsd: initial,
    daily: daily.map((d) => ({ day: d.day, equityUsd: d.equityUsd })),
    trades: trades.map((t) => ({ pnlUsd: t.pnl, rMultiple: Number.isFinite(t.r) ? t.r : 0, entryTimeMs: ms(t.entryTime), exitTimeMs: ms(t.exitTime) })),
    exposedMs: NaN,
    marketMs: NaN,
    startMs: daily.length ? Date.parse(`${daily[0].day}T14:30:00Z`) : NaN,
    endMs: daily.length ? Date.parse(`${daily[daily.length - 1].day}T21:00:00Z`) : NaN,
  });
}

const usd0 = (x: number): string => formatUsd(x, 0);

function metricRows(m: Metrics): ReportRun["metrics"] {
  const p = (x: number): string => formatPct(x);
  return [
    { label: "trades", value: String(m.trades) },
    { label: "total return", value: p(m.totalReturnPct) },
    { label: "max drawdown", value: p(m.maxDrawdownPct) },
    { label: "Sharpe (daily)", value: m.sharpe.toFixed(2) },
    { label: "win rate", value: p(m.winRate * 100) },
    { label: "profit factor", value: m.profitFactor.toFixed(2) },
    { label: "expectancy", value: `${m.expectancyR.toFixed(3)} R` },
    { label: "worst trade", value: usd0(m.worstTrade) },
    { label: "worst 10 ($, scales with size)", value: usd0(m.worst10) },
    // Per unit of the mean risk per trade: these read the same at any position size (issue 17).
    { label: "P/L per trade (R of mean risk)", value: `${m.edgeR.toFixed(3)} R` },
    { label: "worst 10 (R of mean risk)", value: `${m.worst10R.toFixed(2)} R` },
  ];
}

/**
 * The Kelly layer's view before each trade (closed trades only, the configured window and
 * shrinkage) against what the trades then did. Every trade of the run is in one history here
 * (scope "all"), whatever sizing.kelly.scope says, so the line reads as the run's edge.
 */
export function kellyPoints(trades: readonly ReviewTrade[], config: Config): KellyPoint[] {
  const k = config.sizing.kelly;
  const store = new KellyStatsStore(k.window);
  const byExit = [...trades].sort((a, b) => a.exitTime.localeCompare(b.exitTime));
  const byEntry = [...trades].sort((a, b) => a.entryTime.localeCompare(b.entryTime));
  const recent: number[] = [];
  let closed = 0;
  return byEntry.map((t, i) => {
    const entryMs = Date.parse(t.entryTime);
    while (closed < byExit.length && Date.parse(byExit[closed].exitTime) < entryMs) {
      const c = byExit[closed++];
      if (Number.isFinite(c.r)) store.add({ strategyId: c.strategy || "run", symbol: c.symbol, rMultiple: c.r, closeTimeMs: Date.parse(c.exitTime) });
    }
    const snap = store.snapshot(ALL, ALL, entryMs);
    const est = snap.n > 0 ? shrinkKelly(snap, k) : null;
    recent.push(Number.isFinite(t.r) ? t.r : 0);
    if (recent.length > k.window) recent.shift();
    return {
      i: i + 1,
      time: t.entryTime,
      predictedEdge: est ? round(est.winRate * est.payoff - (1 - est.winRate), 4) : null,
      fullKelly: est ? round(est.fullKelly, 4) : null,
      realisedR: round(t.r, 4),
      rollingR: round(recent.reduce((a, b) => a + b, 0) / recent.length, 4),
    };
  });
}

/** RL convergence: exploration and table size as trades close, and the multiplier learned per state. */
export function rlReport(trades: readonly ReviewTrade[], config: Config, table: QTable | null): RlReport | null {
  const chosen = trades.map((t) => rlChoice(t.sizing)).filter((c): c is NonNullable<typeof c> => c !== null && c.state !== "neutral");
  if (chosen.length === 0 && (table === null || table.size === 0)) return null;
  const rl = config.sizing.rl;
  const schedule = table?.schedule ?? { start: rl.epsilonStart, min: rl.epsilonMin, decay: rl.epsilonDecay, decayUpdates: rl.epsilonDecayUpdates };
  // A table that started from an earlier run (train-rl, a restart) had updates before these trades.
  const before = table ? Math.max(0, table.totalUpdates - chosen.length) : 0;
  const seen = new Set<string>();
  const steps = chosen.map((c, i) => {
    seen.add(c.state);
    return { updates: before + i + 1, epsilon: round(epsilonAt(schedule, before + i + 1), 4), states: seen.size };
  });
  if (table !== null) {
    const greedy = table.stats().greedy.map((g) => ({ state: g.state, multiplier: g.multiplier, q: round(g.q, 3), n: g.n }));
    return { steps, greedy, source: `Q-table: ${table.size} states, ${table.totalUpdates} updates, epsilon ${table.epsilon.toFixed(3)}` };
  }
  const last = new Map<string, { multiplier: number; n: number }>();
  for (const c of chosen) last.set(c.state, { multiplier: c.multiplier, n: (last.get(c.state)?.n ?? 0) + 1 });
  return {
    steps,
    greedy: [...last].sort(([a], [b]) => a.localeCompare(b)).map(([state, v]) => ({ state, multiplier: v.multiplier, q: null, n: v.n })),
    source: "no Q-table saved: the multiplier last chosen per state (from the trades' sizing reasons)",
  };
}

function rowOf(t: ReviewTrade, chart: TradeChart | null): ReportTradeRow {
  const risk = tradeRisk(t);
  return {
    symbol: t.symbol,
    day: t.day,
    entryTime: t.entryTime,
    exitTime: t.exitTime,
    shares: t.shares,
    entryPrice: round(t.entryPrice, 4),
    exitPrice: round(t.exitPrice, 4),
    r: round(t.r, 3),
    pnl: round(t.pnl, 2),
    exitReason: t.exitReason,
    regime: t.regime,
    template: t.template,
    mode: t.mode,
    riskPct: risk === null ? null : round(risk, 3),
    sizing: [t.sizing?.summary ?? "", ...t.adds.map((a, i) => `add ${i + 1}: ${a.summary}`)].filter(Boolean).join("\n"),
    entryNy: nyClock(t.entryTime),
    exitNy: nyClock(t.exitTime),
    chart,
  };
}

/** The report of a `compare` (or a walk-forward's stitched out-of-sample comparison): one run per mode. */
export function comparisonReport(cmp: Comparison, config: Config, title: string, subtitle: string, notes: readonly string[] = [], series?: readonly BarSeries[], tables: readonly ReportTable[] = []): ReportData {
  const initial = config.execution.initialEquityUsd;
  const bars = series ? new ChartBars(series) : undefined;
  const runs = cmp.modes.map((m) =>
    reportRun(m.mode, tradeListInput(m.mode, { tradeList: tradeListJson(m.run.engine.trades) }, initial, m.mode), {
      config,
      qTable: m.run.learning.rl?.table ?? null,
      sizes: m.sizes,
      calibration: m.calibration,
      daily: m.run.engine.daily,
      metrics: m.run.metrics,
      bars,
    }),
  );
  return { title, subtitle, generatedAt: new Date().toISOString(), runs, notes: [...notes, ...chartNotes(bars)], sessions: bars?.json() ?? {}, tables: [criteriaTable(cmp), ...tables] };
}

/** What the page should say about its trade charts. */
export function chartNotes(bars: ChartBars | undefined): string[] {
  if (!bars) return ["Trade charts need the bars: pass --data (or the same --gen-* options) to draw them."];
  return bars.skipped > 0 ? [`Trade charts drawn for the ${bars.maxSessions} newest sessions; ${bars.skipped} older trades have none (page size).`] : [];
}

/**
 * The research criteria of each mode against the fixed baseline, as absolute differences in their
 * own units (a percentage of a Sharpe near zero reads as "-837%" and means nothing).
 */
export function criteriaTable(cmp: Comparison): ReportTable {
  const entries = Object.entries(cmp.criteria);
  const keys = entries.length ? Object.keys(entries[0][1].sizeNeutral) : [];
  return {
    id: "criteria",
    title: "Criteria against the baseline",
    note: entries.length === 0 ? "no criteria: a comparison needs the fixed baseline and one other mode" : "each mode minus the baseline, in the criterion's own unit (R, Sharpe); positive is better",
    columns: ["mode", ...keys.flatMap((k) => [`${k} mode`, `${k} baseline`, `${k} better by`])],
    rows: entries.map(([mode, c]) => [mode, ...keys.flatMap((k) => {
      const d = (c.sizeNeutral as Record<string, { mode: number; base: number; improvement: number }>)[k];
      return [d.mode.toFixed(3), d.base.toFixed(3), `${d.improvement >= 0 ? "+" : ""}${d.improvement.toFixed(3)}`];
    })]),
  };
}

import { formatUsd } from "./format.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { drawdownFactor, drawdownPct } from "../sizing/drawdown.ts";
import { processAlive } from "../io/process-alive.ts";
import { readPidFile } from "../store/pid-file.ts";
import { readHaltFlag } from "../store/halt-flag.ts";
import type { JournalEvent } from "../store/journal.ts";
import type { OpenPosition, StoreState } from "../store/state-schema.ts";
import { journalDates, readJournalDays, readStateFile, type JournalDay } from "./journal-source.ts";
import { pickRuns, runLabel, splitRuns, type RunChoice } from "./journal-runs.ts";

/**
 * `sizewise status`: what the daemon on a state dir is doing, from its files alone (state.json,
 * the journal, the pid file), so it works while the daemon runs, after it stopped, and on a copy.
 */

export interface PositionStatus {
  readonly symbol: string;
  readonly shares: number;
  readonly avgEntryUsd: number;
  readonly lastPriceUsd: number | null;
  readonly lastPriceTime: string | null;
  readonly unrealizedUsd: number | null;
  /** null: the strategy's plan has no stop (it exits on its own signal). */
  readonly stopUsd: number | null;
  readonly template: string | null;
  /** The next template step: an add or a target not yet done. */
  readonly next: string;
}

export interface StreamStatus {
  readonly stream: string;
  readonly state: "ok" | "down" | "unknown";
  readonly lastEvent: string | null;
  readonly lastTime: string | null;
  readonly disconnectsToday: number;
}

export interface StatusReport {
  readonly stateDir: string;
  readonly running: { readonly state: "running" | "stopped" | "stale"; readonly pid: number | null; readonly since: string | null; readonly detail: string };
  readonly broker: string | null;
  readonly run: { readonly id: string; readonly startedAt: string; readonly symbols: readonly string[] } | null;
  readonly sizingMode: string | null;
  readonly equity: { readonly estimateUsd: number | null; readonly how: string; readonly lastReportedUsd: number | null; readonly lastReportedAt: string | null };
  readonly highWaterUsd: number | null;
  readonly drawdownPct: number | null;
  readonly positions: readonly PositionStatus[];
  readonly today: { readonly date: string | null; readonly realizedPnlUsd: number; readonly entries: number; readonly tradesClosed: number; readonly wins: number };
  readonly halts: readonly string[];
  readonly cutbacks: readonly string[];
  readonly lastBars: readonly { readonly symbol: string; readonly time: string; readonly behindNewestMin: number }[];
  readonly streams: readonly StreamStatus[];
  readonly lastJournalEvent: { readonly type: string; readonly time: string } | null;
  /** The run the journal figures (today, equity, mode, streams) come from: "1a2b3c4d" or "unnamed". */
  readonly figuresRun: string | null;
  /** Each run the journal holds over the days read, with its own day figures: never summed. */
  readonly runs: readonly RunDayStatus[];
}

export interface RunDayStatus {
  readonly run: string;
  readonly current: boolean;
  readonly firstDate: string;
  readonly lastDate: string;
  /** On the status's `today` date. */
  readonly realizedPnlUsd: number;
  readonly tradesClosed: number;
  readonly wins: number;
}

/** How far back the status looks for the run's start-up event (the sizing mode in force). */
const MAX_DAYS_BACK = 60;

export function readStatus(stateDir: string, config: Config, choice: RunChoice = {}): StatusReport {
  const state = readStateFile(stateDir);
  const dates = journalDates(stateDir);
  if (state === null && dates.length === 0) throw new Error(`nothing in ${stateDir}: no state.json and no journal (start the bot with: npm start, or pass --state DIR)`);
  const wanted = choice.run ?? state?.run?.id ?? null;
  const allDays = recentDays(stateDir, dates, choice.allRuns ? ALL : wanted);
  const split = splitRuns(allDays);
  // The figures are one run's (the state's current run by default): a second run's exits on the same day are not added in.
  const [figures] = pickRuns(split, { run: choice.run }, state?.run?.id ?? null);
  const days = figures?.days ?? [];
  const latest = allDays[allDays.length - 1];
  const events = days.flatMap((d) => d.events.map((e) => ({ date: d.date, e })));
  const positions = Object.values(state?.positions ?? {}).map((p) => positionStatus(p, state!));
  // The state file's positions and starting cash are its current run's: another run's figures leave them out.
  const ownRun = figures === undefined || figures.id === null || figures.id === state?.run?.id;
  const unrealized = ownRun ? positions.reduce((a, p) => a + (p.unrealizedUsd ?? 0), 0) : 0;
  const today = state?.daily?.date ?? latest?.date ?? null;
  const exits = events.filter((x) => x.date === today && x.e.type === "exit");
  const realized = exits.reduce((a, x) => a + Number(x.e.pnl ?? 0), 0);
  const equity = equityOf(ownRun ? state : null, events, today, realized + unrealized);
  const hwm = state?.equityHighWaterUsd ?? null;
  const dd = equity.estimateUsd !== null && hwm !== null ? drawdownPct(equity.estimateUsd, hwm) : null;
  const cutbacks: string[] = [];
  if (dd !== null) {
    const f = drawdownFactor(dd, config.sizing.drawdown);
    if (f.factor < 1) cutbacks.push(`drawdown cutback x${f.factor.toFixed(2)}: ${f.reason}`);
  }
  const halts: string[] = [];
  const kill = readHaltFlag(stateDir);
  if (kill) halts.push(`KILL SWITCH (${kill.source}${kill.at ? `, ${kill.at}` : ""}): ${kill.reason}; no new entries until sizewise resume`);
  // The stop's own "shutdown" halt is not a halt anyone must act on.
  const halted = state?.daily?.haltedReason;
  if (halted && !halted.startsWith("shutdown")) halts.push(`${state!.daily!.date}: ${halted}`);
  const last = latest?.events[latest.events.length - 1];
  return {
    stateDir,
    running: runningOf(stateDir),
    broker: state?.run?.broker ?? null,
    run: state?.run ? { id: state.run.id, startedAt: state.run.startedAt, symbols: state.run.symbols } : null,
    sizingMode: modeOf(events),
    equity,
    highWaterUsd: hwm,
    drawdownPct: dd,
    positions,
    today: {
      date: today,
      realizedPnlUsd: realized,
      entries: ownRun ? (state?.daily?.date === today ? state.daily.entries : 0) : events.filter((x) => x.date === today && x.e.type === "fill" && x.e.purpose === "entry").length,
      tradesClosed: exits.length,
      wins: exits.filter((x) => Number(x.e.pnl) > 0).length,
    },
    halts,
    cutbacks,
    lastBars: lastBars(state),
    streams: streamsOf(events, today),
    lastJournalEvent: last ? { type: last.type, time: last.ts } : null,
    figuresRun: figures ? runLabel(figures.id) : null,
    runs: split.map((r) => {
      const ex = r.days.filter((d) => d.date === today).flatMap((d) => d.events.filter((e) => e.type === "exit"));
      return {
        run: runLabel(r.id),
        current: r.id !== null && r.id === state?.run?.id,
        firstDate: r.days[0]?.date ?? "",
        lastDate: r.days[r.days.length - 1]?.date ?? "",
        realizedPnlUsd: ex.reduce((a, e) => a + Number(e.pnl ?? 0), 0),
        tradesClosed: ex.length,
        wins: ex.filter((e) => Number(e.pnl) > 0).length,
      };
    }),
  };
}

/**
 * The latest journal days, back to the start-up event of run `run` (a prefix of its id; any
 * start-up when null or for an older journal's unstamped one; with ALL as far as the bound), bounded.
 */
const ALL = Symbol("all runs");
function recentDays(stateDir: string, dates: readonly string[], run: string | null | typeof ALL): JournalDay[] {
  const out: JournalDay[] = [];
  for (let i = dates.length - 1; i >= 0 && out.length < MAX_DAYS_BACK; i--) {
    const [day] = readJournalDays(stateDir, [dates[i]]);
    out.unshift(day);
    if (run !== ALL && day.events.some((e) => e.type === "startup" && (run === null || typeof e.run !== "string" || e.run.startsWith(run)))) break;
  }
  return out;
}

function runningOf(stateDir: string): StatusReport["running"] {
  const pid = readPidFile(stateDir);
  if (pid.state === "running") return { state: "running", pid: pid.record.pid, since: pid.record.startedAt, detail: `pid ${pid.record.pid}, started ${pid.record.startedAt}` };
  // A daemon started before pid files existed still holds the local exchange's lock.
  const lock = join(stateDir, "exchange", "book.json.lock");
  if (existsSync(lock)) {
    const holder = Number(readFileSync(lock, "utf8").trim());
    if (processAlive(holder)) return { state: "running", pid: holder, since: null, detail: `pid ${holder} (holds the local exchange's lock)` };
  }
  if (pid.state === "stale") return { state: "stale", pid: pid.record.pid, since: pid.record.startedAt, detail: `not running: pid ${pid.record.pid} (started ${pid.record.startedAt}) is gone without cleaning up (killed or crashed?); the next start resumes` };
  if (pid.state === "unreadable") return { state: "stopped", pid: null, since: null, detail: `not running (unreadable pid file: ${pid.problem})` };
  return { state: "stopped", pid: null, since: null, detail: "not running" };
}

function modeOf(events: readonly { e: JournalEvent }[]): string | null {
  let mode: string | null = null;
  for (const { e } of events) {
    if (e.type === "startup" && typeof e.sizingMode === "string") mode = e.sizingMode;
    if (e.type === "config_changed" && e.key === "sizing.mode" && e.applied !== false && typeof e.to === "string") mode = e.to;
  }
  return mode;
}

/**
 * Equity now: the last close before today (journal summary) or the run's starting cash, plus
 * today's realised P/L (the journal's exits), plus open positions marked at their last bar's close.
 */
function equityOf(state: StoreState | null, events: readonly { date: string; e: JournalEvent }[], today: string | null, todayUsd: number): StatusReport["equity"] {
  let base: number | null = null;
  let baseHow = "";
  let reported: { usd: number; at: string } | null = null;
  for (const { date, e } of events) {
    if (typeof e.equityUsd !== "number" || (e.type !== "summary" && e.type !== "shutdown")) continue;
    reported = { usd: e.equityUsd, at: e.ts };
    const day = e.type === "summary" && typeof e.date === "string" ? e.date : date;
    if (e.type === "summary" && (today === null || day < today)) {
      base = e.equityUsd;
      baseHow = `close of ${day}`;
    }
  }
  if (base === null && state?.run) {
    base = state.run.initialCashUsd;
    baseHow = "starting cash";
  }
  return {
    estimateUsd: base === null ? null : base + todayUsd,
    how: base === null ? "unknown (no state)" : `${baseHow} + today's realised P/L + open positions at their last price`,
    lastReportedUsd: reported?.usd ?? null,
    lastReportedAt: reported?.at ?? null,
  };
}

function positionStatus(p: OpenPosition, state: StoreState): PositionStatus {
  const bought = p.entries.reduce((a, e) => a + e.qtyShares, 0);
  const avg = bought > 0 ? p.entries.reduce((a, e) => a + e.qtyShares * e.priceUsd, 0) / bought : NaN;
  const last = state.lastPriceUsd?.[p.symbol] ?? null;
  const lastMs = state.lastBarTimeMs[p.symbol];
  const steps: string[] = [];
  if (p.nextAdd) steps.push(`add #${p.nextAdd.index + 1} at ${formatUsd(p.nextAdd.priceUsd)}`);
  const target = p.targets.find((t) => !t.done);
  if (target) steps.push(`${target.label} at ${formatUsd(target.priceUsd)}`);
  return {
    symbol: p.symbol,
    shares: p.qtyShares,
    avgEntryUsd: avg,
    lastPriceUsd: last,
    lastPriceTime: lastMs === undefined ? null : new Date(lastMs + 60_000).toISOString(),
    unrealizedUsd: last === null ? null : (last - avg) * p.qtyShares,
    stopUsd: p.stopUsd,
    template: p.template,
    next: p.closing ? "closing" : steps.length ? steps.join("; ") : p.stopUsd === null ? "the strategy's exit signal" : "trail the stop",
  };
}

function lastBars(state: StoreState | null): StatusReport["lastBars"] {
  const entries = Object.entries(state?.lastBarTimeMs ?? {});
  const newest = Math.max(...entries.map(([, t]) => t));
  return entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([symbol, t]) => ({ symbol, time: new Date(t).toISOString(), behindNewestMin: Math.round((newest - t) / 60_000) }));
}

/** Stream health from the journal's reconcile events (kind "stream": disconnected / reconnected). */
function streamsOf(events: readonly { date: string; e: JournalEvent }[], today: string | null): StreamStatus[] {
  const out: StreamStatus[] = [];
  for (const stream of ["stocks", "trading"]) {
    const mine = events.filter((x) => x.e.type === "reconcile" && x.e.kind === "stream" && x.e.stream === stream);
    const last = mine[mine.length - 1];
    out.push({
      stream,
      state: last === undefined ? "ok" : last.e.event === "disconnected" ? "down" : "ok",
      lastEvent: last ? String(last.e.event) : null,
      lastTime: last ? last.e.ts : null,
      disconnectsToday: mine.filter((x) => x.date === today && x.e.event === "disconnected").length,
    });
  }
  return out;
}

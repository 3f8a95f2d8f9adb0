import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readJournal, type JournalEvent } from "../store/journal.ts";
import { parseState, type StoreState } from "../store/state-schema.ts";
import type { TradeLeg, TradeLegs } from "./trade-chart.ts";
import { nyDate, sizingOf, type ReviewDayEnd, type ReviewDecision, type ReviewEvent, type ReviewInput, type ReviewSizing, type ReviewTrade } from "./trades.ts";

/**
 * Reads the daemon's journal (state/journal/YYYY-MM-DD.json) into the review's shape. A trade is
 * its `exit` event; its sizing decision is the `sizing` event that preceded the `order_submitted`
 * of its entry order (the exit's id is that order's client id), and each add's decision likewise.
 */

/** Journal dates present under a state dir, oldest first. */
export function journalDates(stateDir: string): string[] {
  const dir = join(stateDir, "journal");
  if (!existsSync(dir)) return [];
  const dates = new Set<string>();
  for (const n of readdirSync(dir)) {
    const m = /^(\d{4}-\d{2}-\d{2})\.jsonl?$/.exec(n);
    if (m) dates.add(m[1]);
  }
  return [...dates].sort();
}

export interface JournalDay {
  readonly date: string;
  readonly events: readonly JournalEvent[];
}

export function readJournalDays(stateDir: string, dates: readonly string[]): JournalDay[] {
  return dates.map((date) => ({ date, events: readJournal(stateDir, date) }));
}

/** The state file, or null when there is none (a journal copied alone still reviews). */
export function readStateFile(stateDir: string): StoreState | null {
  const file = join(stateDir, "state.json");
  if (!existsSync(file)) return null;
  return parseState(readFileSync(file, "utf8"), file);
}

const num = (x: unknown): number => (typeof x === "number" ? x : Number(x));
const text = (x: unknown): string => (typeof x === "string" ? x : JSON.stringify(x));

export function journalInput(stateDir: string, days: readonly JournalDay[], state: StoreState | null = readStateFile(stateDir)): ReviewInput {
  const lastSizing = new Map<string, ReviewSizing>();
  const entrySizing = new Map<string, ReviewSizing>();
  const addSizing = new Map<string, ReviewSizing[]>();
  const trades: ReviewTrade[] = [];
  const decisions: ReviewDecision[] = [];
  const dayEnds = new Map<string, ReviewDayEnd>();
  const halts: ReviewEvent[] = [];
  const rejections: ReviewEvent[] = [];
  const configChanges: ReviewEvent[] = [];
  let modeInForce: string | null = null;
  const lastStop = new Map<string, number>();
  const entryStop = new Map<string, number>();
  const fills = new Map<string, { entries: TradeLeg[]; exits: TradeLeg[] }>();
  for (const { date, events } of days) {
    for (const e of events) {
      switch (e.type) {
        case "startup":
          modeInForce = typeof e.sizingMode === "string" ? e.sizingMode : modeInForce;
          break;
        case "signal":
          if (Number.isFinite(num(e.stop))) lastStop.set(String(e.symbol), num(e.stop));
          break;
        case "fill": {
          // A fill's client order id is its trade's entry id, or that id plus ".<leg>" (adds, exits).
          const coid = String(e.clientOrderId);
          const trade = String(e.purpose) === "entry" ? coid : ([...fills.keys()].find((k) => coid.startsWith(`${k}.`)) ?? coid);
          const leg = { time: e.ts, priceUsd: num(e.price), shares: num(e.qty), reason: String(e.purpose ?? e.side) };
          const f = fills.get(trade) ?? { entries: [], exits: [] };
          (e.side === "buy" ? f.entries : f.exits).push(leg);
          fills.set(trade, f);
          break;
        }
        case "sizing": {
          const s = sizingOf(e);
          lastSizing.set(String(e.symbol), s);
          decisions.push({ day: date, time: e.ts, symbol: String(e.symbol), sizing: s });
          break;
        }
        case "order_submitted": {
          const s = lastSizing.get(String(e.symbol));
          if (String(e.purpose ?? "") === "entry" && s === undefined) {
            const stop = lastStop.get(String(e.symbol));
            if (stop !== undefined) entryStop.set(String(e.clientOrderId), stop);
          }
          const coid = String(e.clientOrderId);
          const purpose = String(e.purpose ?? "");
          if (s === undefined) break;
          if (purpose === "entry") {
            entrySizing.set(coid, s);
            const stop = lastStop.get(String(e.symbol));
            if (stop !== undefined) entryStop.set(coid, stop);
          }
          else if (purpose.startsWith("add")) {
            const parent = [...entrySizing.keys()].find((id) => coid.startsWith(`${id}.`));
            if (parent !== undefined) addSizing.set(parent, [...(addSizing.get(parent) ?? []), s]);
          }
          break;
        }
        case "exit": {
          const id = String(e.id);
          const s = entrySizing.get(id) ?? null;
          trades.push({
            ...tradeFields(e),
            strategy: id.split(".")[0] ?? "",
            day: date,
            regime: s?.regime ?? null,
            mode: s?.mode ?? modeInForce,
            sizing: s ?? (typeof e.sizing === "string" ? { ...EMPTY_SIZING, summary: e.sizing, mode: modeInForce } : null),
            adds: addSizing.get(id) ?? [],
            legs: { entries: fills.get(id)?.entries ?? [], exits: fills.get(id)?.exits ?? [], stopUsd: entryStop.get(id) ?? null, reclaimedLevelUsd: null },
          });
          break;
        }
        case "summary":
          if (typeof e.equityUsd === "number") dayEnds.set(typeof e.date === "string" ? e.date : date, { equityUsd: e.equityUsd, pnlUsd: num(e.pnlUsd) || 0 });
          break;
        case "halt":
          halts.push({ day: date, time: e.ts, text: String(e.reason) });
          break;
        case "resume":
          halts.push({ day: date, time: e.ts, text: `resumed: ${String(e.reason)}${typeof e.was === "string" ? ` (was: ${e.was})` : ""}` });
          break;
        case "unprotected":
          // Shown with the day's refusals: an exit the broker ended on its own, and what the bot did.
          rejections.push({ day: date, time: e.ts, text: `${String(e.symbol)}: ${String(e.purpose)} order ${String(e.status)} by the broker (${String(e.reason)}); position unprotected, repaired: ${String(e.repairedBy)}` });
          break;
        case "rejection":
          rejections.push({ day: date, time: e.ts, text: `${String(e.symbol)}: ${String(e.reason)}` });
          break;
        case "config_changed":
          configChanges.push({ day: date, time: e.ts, text: `${String(e.key)}: ${text(e.from)} -> ${text(e.to)}${e.applied === false ? " (at the next start)" : ""}` });
          if (e.key === "sizing.mode" && e.applied !== false && typeof e.to === "string") modeInForce = e.to;
          break;
        default:
      }
    }
  }
  return {
    source: join(stateDir, "journal"),
    initialEquityUsd: state?.run?.initialCashUsd ?? null,
    trades,
    decisions,
    dayEnds,
    halts,
    rejections,
    configChanges,
    days: days.map((d) => d.date),
  };
}

/** The fields the journal's exit event and a trade list's entries name alike. */
function tradeFields(o: Record<string, unknown>): Pick<ReviewTrade, "id" | "symbol" | "entryTime" | "exitTime" | "shares" | "entryPrice" | "exitPrice" | "r" | "pnl" | "exitReason" | "template"> {
  return {
    id: String(o.id),
    symbol: String(o.symbol),
    entryTime: String(o.entryTime),
    exitTime: String(o.exitTime),
    shares: num(o.shares),
    entryPrice: num(o.entryPrice),
    exitPrice: num(o.exitPrice),
    r: num(o.r),
    pnl: num(o.pnl),
    exitReason: String(o.exitReason),
    template: typeof o.template === "string" ? o.template : null,
  };
}

function legsOf(x: unknown): TradeLeg[] {
  if (!Array.isArray(x)) return [];
  return (x as Record<string, unknown>[]).map((l) => ({ time: String(l.time), priceUsd: num(l.price), shares: num(l.shares), reason: String(l.reason ?? "") })).filter((l) => Number.isFinite(l.priceUsd) && Number.isFinite(Date.parse(l.time)));
}

/** A trade list entry's fills, stop and the signal's reclaimed level (backtest/compare --json). */
function listLegs(o: Record<string, unknown>): TradeLegs {
  const signal = (o.signal ?? {}) as Record<string, unknown>;
  const stop = num(o.stop);
  const level = num(signal.reclaimedLevel);
  return { entries: legsOf(o.entries), exits: legsOf(o.exits), stopUsd: Number.isFinite(stop) ? stop : null, reclaimedLevelUsd: Number.isFinite(level) ? level : null };
}

const EMPTY_SIZING: ReviewSizing = { mode: null, summary: "", qtyShares: NaN, riskPct: null, cap: null, factors: [], template: null, regime: null, probability: null };

/** The trade list of `backtest --json`, `compare --json` (one mode) or `walkforward --json` (out of sample, one mode). */
export function tradeListInput(source: string, json: unknown, initialEquityUsd: number, mode?: string): ReviewInput {
  const list = pickTradeList(json, mode);
  const trades: ReviewTrade[] = list
    .map((o) => {
      const s = o.sizing && typeof o.sizing === "object" ? sizingOf(o.sizing as Record<string, unknown>) : null;
      return {
        ...tradeFields(o),
        strategy: String(o.strategy ?? ""),
        day: nyDate(String(o.exitTime)),
        regime: s?.regime ?? null,
        mode: s?.mode ?? mode ?? null,
        sizing: s,
        adds: Array.isArray(o.addSizing) ? (o.addSizing as Record<string, unknown>[]).map(sizingOf) : [],
        legs: listLegs(o),
      };
    })
    .sort((a, b) => a.exitTime.localeCompare(b.exitTime));
  const decisions: ReviewDecision[] = trades.flatMap((t) => (t.sizing ? [{ day: nyDate(t.entryTime), time: t.entryTime, symbol: t.symbol, sizing: t.sizing }] : []));
  const dayEnds = new Map<string, ReviewDayEnd>();
  let equity = initialEquityUsd;
  for (const t of trades) {
    equity += t.pnl;
    const d = dayEnds.get(t.day);
    dayEnds.set(t.day, { equityUsd: equity, pnlUsd: (d?.pnlUsd ?? 0) + t.pnl });
  }
  return { source, initialEquityUsd, trades, decisions, dayEnds, halts: [], rejections: [], configChanges: [], days: [...dayEnds.keys()] };
}

/** The sizing modes a JSON output holds trade lists for (one for backtest, several for compare). */
export function tradeListModes(json: unknown): string[] {
  const o = json as Record<string, unknown>;
  const modes = (o.modes ?? (o.outOfSample as Record<string, unknown> | undefined)?.modes) as Record<string, unknown> | undefined;
  if (modes && typeof modes === "object") return Object.keys(modes);
  return Array.isArray(o.tradeList) ? [typeof o.sizingMode === "string" ? o.sizingMode : "run"] : [];
}

function pickTradeList(json: unknown, mode?: string): Record<string, unknown>[] {
  const o = json as Record<string, unknown>;
  if (Array.isArray(o.tradeList)) return o.tradeList as Record<string, unknown>[];
  const modes = (o.modes ?? (o.outOfSample as Record<string, unknown> | undefined)?.modes) as Record<string, Record<string, unknown>> | undefined;
  if (modes && typeof modes === "object") {
    const name = mode ?? Object.keys(modes)[0];
    const m = modes[name];
    if (!m) throw new Error(`no mode "${name}" in this output (it has: ${Object.keys(modes).join(", ")})`);
    if (Array.isArray(m.tradeList)) return m.tradeList as Record<string, unknown>[];
  }
  throw new Error("not a sizewise trade list: expected the JSON of backtest --json, compare --json or walkforward --json");
}

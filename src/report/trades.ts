import { NyTime, etDayToIso } from "../core/ny-time.ts";
import type { TradeLegs } from "./trade-chart.ts";

/**
 * The closed trades and sizing decisions the journal review, the status and the HTML report read,
 * in one shape whatever they came from: the daemon's journal or a backtest's trade list
 * (`backtest --json`, `compare --json`), which carry the same decision with every factor.
 */

export interface ReviewFactor {
  readonly name: string;
  readonly factor: number;
  readonly reason: string;
}

export interface ReviewSizing {
  readonly mode: string | null;
  readonly summary: string;
  readonly qtyShares: number;
  /** Risk of the size taken, % of equity (null when the source did not record it). */
  readonly riskPct: number | null;
  readonly cap: string | null;
  readonly factors: readonly ReviewFactor[];
  readonly template: string | null;
  readonly regime: string | null;
  /** The confidence model's win probability at the decision, when one was computed. */
  readonly probability: number | null;
}

export interface ReviewTrade {
  readonly id: string;
  readonly symbol: string;
  readonly strategy: string;
  /** New York trading date of the exit. */
  readonly day: string;
  readonly entryTime: string;
  readonly exitTime: string;
  readonly shares: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly r: number;
  readonly pnl: number;
  readonly exitReason: string;
  readonly template: string | null;
  readonly regime: string | null;
  readonly mode: string | null;
  /** The entry's sizing decision (null when the source lost it, e.g. a journal cut short). */
  readonly sizing: ReviewSizing | null;
  readonly adds: readonly ReviewSizing[];
  /** Fills, stop and the signal's levels, for the trade's chart (absent when the source lacks them). */
  readonly legs?: TradeLegs | null;
}

/** A sizing decision, taken or not (a zero size, a halt), with when and for what. */
export interface ReviewDecision {
  readonly day: string;
  readonly time: string;
  readonly symbol: string;
  readonly sizing: ReviewSizing;
}

export interface ReviewDayEnd {
  readonly equityUsd: number;
  readonly pnlUsd: number;
}

export interface ReviewEvent {
  readonly day: string;
  readonly time: string;
  readonly text: string;
}

/** Everything a review or a report reads, from one source. */
export interface ReviewInput {
  readonly source: string;
  /** Starting equity of the run (null when unknown). */
  readonly initialEquityUsd: number | null;
  /** Closed trades in exit order. */
  readonly trades: readonly ReviewTrade[];
  readonly decisions: readonly ReviewDecision[];
  /** End-of-day equity and P/L by date (the journal's summary; derived from trades for a trade list). */
  readonly dayEnds: ReadonlyMap<string, ReviewDayEnd>;
  readonly halts: readonly ReviewEvent[];
  readonly rejections: readonly ReviewEvent[];
  readonly configChanges: readonly ReviewEvent[];
  /** Dates that have anything at all (journal days, or days with trades). */
  readonly days: readonly string[];
}

const ny = new NyTime();

/** The New York trading date of an ISO time. */
export function nyDate(iso: string): string {
  return etDayToIso(ny.etDay(Date.parse(iso)));
}

/** "2024-04-02 10:42" New York date and time of an ISO time. */
export function nyStamp(iso: string): string {
  return Number.isFinite(Date.parse(iso)) ? `${nyDate(iso)} ${nyClock(iso)}` : "-";
}

/** "10:42" New York time of an ISO time. */
export function nyClock(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return "-";
  const m = ny.etMinute(ms);
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

const num = (x: unknown): number => (typeof x === "number" && Number.isFinite(x) ? x : NaN);
const str = (x: unknown): string | null => (typeof x === "string" ? x : null);

/** A sizing decision as the journal's sizing event or a trade list's `sizing` holds it. */
export function sizingOf(o: Record<string, unknown>): ReviewSizing {
  const factors = Array.isArray(o.factors)
    ? (o.factors as Record<string, unknown>[]).map((f) => ({ name: String(f.name), factor: num(f.factor), reason: String(f.reason ?? "") }))
    : [];
  const regime = o.regime;
  return {
    mode: str(o.mode),
    summary: String(o.summary ?? ""),
    qtyShares: num(o.qtyShares),
    riskPct: Number.isFinite(num(o.riskPct)) ? num(o.riskPct) : null,
    cap: str(o.cap),
    factors,
    template: str(o.template),
    regime: typeof regime === "string" ? regime : regime !== null && typeof regime === "object" ? str((regime as Record<string, unknown>).regime) : null,
    probability: Number.isFinite(num(o.probability)) ? num(o.probability) : null,
  };
}

/** Risk of a trade's whole position (entry and adds), % of equity; null when not recorded. */
export function tradeRisk(t: ReviewTrade): number | null {
  if (t.sizing?.riskPct == null) return null;
  return t.sizing.riskPct + t.adds.reduce((a, s) => a + (s.riskPct ?? 0), 0);
}

/** The RL layer's choice in a decision: its multiplier and the state it was taken in, from the factor's reason. */
export function rlChoice(s: ReviewSizing | null): { multiplier: number; state: string } | null {
  const f = s?.factors.find((x) => x.name === "rl");
  if (!f) return null;
  const m = /state ([^,]+),/.exec(f.reason);
  return m ? { multiplier: f.factor, state: m[1] } : null;
}

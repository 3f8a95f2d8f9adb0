import type { ChaosTrade } from "./protocol.ts";

/** A stretch of replay time the bot was down (kill to restart), epoch ms. */
export interface Window {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface TradeDiff {
  readonly kind: "missing" | "extra" | "changed";
  readonly symbol: string;
  readonly entryTime: string;
  readonly detail: string;
  /** Why it differs, when a down window explains it; null: unexplained. */
  readonly explanation: string | null;
}

const MIN_MS = 60_000;

/**
 * The trade list of a run with faults against the same replay without: matched by symbol and
 * entry time. A difference is explained when the trade's entry bar fell inside a down window (the
 * entry was missed, or came from a signal the dead bot never saw) or the trade was open across
 * one (its exits were decided late); anything else is a bug to report.
 */
export function compareTrades(reference: readonly ChaosTrade[], faulted: readonly ChaosTrade[], down: readonly Window[]): TradeDiff[] {
  const key = (t: ChaosTrade): string => `${t.symbol} ${t.entryTime}`;
  const ref = new Map(reference.map((t) => [key(t), t]));
  const got = new Map(faulted.map((t) => [key(t), t]));
  const explain = (t: ChaosTrade): string | null => {
    const entry = Date.parse(t.entryTime);
    const exit = Date.parse(t.exitTime);
    for (const w of down) {
      // The entry bar (the minute before the entry fill) inside the window: a missed entry.
      if (entry - MIN_MS <= w.toMs && entry >= w.fromMs) return `entry bar inside the down window ${iso(w.fromMs)}..${iso(w.toMs)}`;
      if (entry < w.toMs && exit >= w.fromMs) return `open across the down window ${iso(w.fromMs)}..${iso(w.toMs)}`;
    }
    return null;
  };
  // A trade the dead bot missed can free its symbol for a later one: a trade after a down window
  // on the same symbol and day is explained by the first difference.
  const out: TradeDiff[] = [];
  /** Changed trades whose exit time is the same: only their size (and so P/L) differs. */
  const sizeOnly = new Set<TradeDiff>();
  for (const [k, r] of ref) {
    const g = got.get(k);
    if (g === undefined) out.push({ kind: "missing", symbol: r.symbol, entryTime: r.entryTime, detail: "in the reference run only", explanation: explain(r) });
    else if (g.shares !== r.shares || g.exitTime !== r.exitTime || Math.abs(g.pnlUsd - r.pnlUsd) > 0.01) {
      const d: TradeDiff = { kind: "changed", symbol: r.symbol, entryTime: r.entryTime, detail: `shares ${r.shares}->${g.shares}, exit ${r.exitTime}->${g.exitTime}, P/L ${r.pnlUsd}->${g.pnlUsd}`, explanation: explain(r) ?? explain(g) };
      out.push(d);
      if (g.exitTime === r.exitTime) sizeOnly.add(d);
    }
  }
  for (const [k, g] of got) if (!ref.has(k)) out.push({ kind: "extra", symbol: g.symbol, entryTime: g.entryTime, detail: "in the faulted run only", explanation: explain(g) });
  // Knock-on effects: equity, Kelly and the RL table feed every later size, so after a first
  // explained difference later trades may be sized differently. Mark those as following it.
  const firstExplained = out.filter((d) => d.explanation !== null).map((d) => Date.parse(d.entryTime)).sort((a, b) => a - b)[0];
  return out
    .map((d) =>
      d.explanation === null && firstExplained !== undefined && Date.parse(d.entryTime) > firstExplained && sizeOnly.has(d)
        ? { ...d, explanation: "sized differently after an earlier explained difference (equity, Kelly and RL carry it)" }
        : d,
    )
    .sort((a, b) => a.entryTime.localeCompare(b.entryTime));
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

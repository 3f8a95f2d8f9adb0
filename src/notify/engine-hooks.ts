import type { EngineEvents } from "../engine/events.ts";
import { NyTime, etDayToIso } from "../core/ny-time.ts";
import type { NotifyEvent } from "./events.ts";

/** Anything that takes alerts (the Notifier; a list in tests). */
export interface AlertSink {
  notify(e: NotifyEvent): boolean;
}

/**
 * The engine's observers that become alerts: fills, closed trades, halts and resumes, errors, and
 * the day's summary at the engine's day end (trades and wins counted from the closed trades of that
 * New York day). Each call only queues (see Notifier), so the order path never waits on a webhook.
 * The daemon adds these next to its journal's observers; reconcile differences are sent by the
 * reconciler itself ({ kind: "reconcile" }).
 */
export function notifyEngineEvents(sink: AlertSink, nowMs: () => number): EngineEvents {
  const ny = new NyTime();
  const day = (tMs: number): string => etDayToIso(ny.etDay(tMs));
  const byDay = new Map<string, { trades: number; wins: number; pnlUsd: number }>();
  return {
    fill: (f) => sink.notify({ kind: "fill", symbol: f.symbol, side: f.side, qtyShares: f.qtyShares, priceUsd: f.priceUsd, purpose: f.purpose, timeMs: f.timeMs }),
    trade: (t) => {
      const d = byDay.get(day(t.exitTimeMs)) ?? { trades: 0, wins: 0, pnlUsd: 0 };
      byDay.set(day(t.exitTimeMs), { trades: d.trades + 1, wins: d.wins + (t.pnlUsd > 0 ? 1 : 0), pnlUsd: d.pnlUsd + t.pnlUsd });
      sink.notify({ kind: "exit", symbol: t.symbol, shares: t.shares, entryPriceUsd: t.entryPriceUsd, exitPriceUsd: t.exitPriceUsd, rMultiple: t.rMultiple, pnlUsd: t.pnlUsd, exitReason: t.exitReason, timeMs: t.exitTimeMs });
    },
    halt: (reason, timeMs, scope) => sink.notify({ kind: "halt", reason, scope, timeMs }),
    resume: (reason, was, timeMs) => sink.notify({ kind: "resume", reason, was, timeMs }),
    error: (message) => sink.notify({ kind: "error", message, timeMs: nowMs() }),
    dayEnd: (d, equityUsd) => {
      const s = byDay.get(d) ?? { trades: 0, wins: 0, pnlUsd: 0 };
      byDay.delete(d);
      sink.notify({ kind: "summary", day: d, trades: s.trades, wins: s.wins, pnlUsd: s.pnlUsd, equityUsd, timeMs: nowMs() });
    },
  };
}

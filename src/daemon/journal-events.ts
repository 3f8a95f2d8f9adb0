import type { EngineEvents } from "../engine/events.ts";
import type { JournalSink } from "../store/journal.ts";
import { NyTime, etDayToIso } from "../core/ny-time.ts";

/**
 * Journals what the engine decides, one event per decision, filed under the New York trading
 * date of its time. The trade list of the day can be rebuilt from these events alone.
 */
export function journalEvents(journal: JournalSink, nowMs: () => number): EngineEvents {
  const ny = new NyTime();
  const day = (tMs: number): string => etDayToIso(ny.etDay(tMs));
  return {
    signal: (s) => journal.append(day(s.barTimeMs), "signal", { symbol: s.symbol, strategy: s.strategyId, barTime: new Date(s.barTimeMs).toISOString(), price: s.refPriceUsd, stop: s.stopPriceUsd, dayChangePct: s.dayChangePct, volumeRatio: s.detail.volumeRatio }, s.barTimeMs + 60_000),
    sizing: (s, d) => journal.append(day(s.barTimeMs), "sizing", { symbol: s.symbol, mode: d.mode, summary: d.summary, qtyShares: d.qtyShares, riskPct: d.riskPct, cap: d.cap, factors: d.factors, template: d.template?.name ?? null, regime: d.regime?.regime ?? null, probability: d.probability ?? null }, nowMs()),
    rejected: (s, reason) => journal.append(day(s.barTimeMs), "rejection", { symbol: s.symbol, reason }, nowMs()),
    fill: (f) => journal.append(day(f.timeMs), "fill", { clientOrderId: f.clientOrderId, symbol: f.symbol, side: f.side, qty: f.qtyShares, price: f.priceUsd, purpose: f.purpose }, f.timeMs),
    trade: (t) => journal.append(day(t.exitTimeMs), "exit", { id: t.id, symbol: t.symbol, entryTime: t.entryTime, exitTime: t.exitTime, shares: t.shares, entryPrice: t.entryPriceUsd, exitPrice: t.exitPriceUsd, r: t.rMultiple, pnl: t.pnlUsd, exitReason: t.exitReason, template: t.template, sizing: t.sizing.summary }, t.exitTimeMs),
    halt: (reason, tMs, scope) => journal.append(day(tMs), "halt", { reason, scope }, tMs),
    resume: (reason, was, tMs) => journal.append(day(tMs), "resume", { reason, was }, tMs),
    unprotected: (e) => journal.append(day(e.timeMs), "unprotected", { ...e }, e.timeMs),
    adopted: (e) => journal.append(day(e.fill.timeMs), "reconcile", { kind: "broker_position_change", positionId: e.positionId, clientOrderId: e.fill.clientOrderId, symbol: e.fill.symbol, side: e.fill.side, qty: e.fill.qtyShares, price: e.fill.priceUsd, qtyLeft: e.qtyLeftShares, outcome: e.outcome }, e.fill.timeMs),
    error: (message) => journal.append(day(nowMs()), "error", { message }, nowMs()),
  };
}

import type { OpenPosition } from "./position.ts";

/** An open position as the daemon records it. */
export interface PositionView {
  readonly id: string;
  readonly symbol: string;
  readonly strategyId: string;
  readonly template: string | null;
  /** Template stage: adds taken plus targets done. */
  readonly stage: number;
  readonly qtyShares: number;
  // Fresh arrays on every call: the caller may keep them (the state file does).
  readonly entries: { timeMs: number; qtyShares: number; priceUsd: number; reason: string }[];
  readonly exits: { timeMs: number; qtyShares: number; priceUsd: number; reason: string }[];
  /** The working stop, or null when the strategy's plan has none (sized by allocation, closed by its exit signal). */
  readonly stopUsd: number | null;
  readonly targets: { label: string; priceUsd: number; done: boolean }[];
  readonly nextAdd: { index: number; priceUsd: number } | null;
  /** Its working orders: the exits, a buy still working (entry rest or scale-in), the closing sell. */
  readonly orderIds: string[];
  readonly closing: boolean;
}

/** The state-file view of one open position (positions are keyed by strategy and symbol: `strategyId`, `symbol`). */
export function positionView(p: OpenPosition): PositionView {
  const working = [p.stopOrderId, ...p.targetOrderIds, p.buyOrderId, p.exitOrderId].filter((x): x is string => x !== null);
  return {
    id: p.id,
    symbol: p.signal.symbol,
    strategyId: p.signal.strategyId,
    template: p.plan.templateName ?? null,
    stage: p.nextAdd + p.targetDone.filter(Boolean).length,
    qtyShares: p.qtyShares,
    entries: p.entries.map((e) => ({ ...e })),
    exits: p.exits.map((e) => ({ ...e })),
    stopUsd: p.hasStop ? p.stopUsd : null,
    targets: p.plan.targets.map((t, i) => ({ label: t.label, priceUsd: t.priceUsd, done: p.targetDone[i] })),
    nextAdd: p.plan.adds && p.nextAdd < p.plan.adds.length ? { index: p.nextAdd, priceUsd: p.plan.adds[p.nextAdd].priceUsd } : null,
    orderIds: working,
    closing: p.closing,
  };
}

import type { BrokerOrderLike } from "../broker/port.ts";
import type { StoredOrderSnapshot } from "../store/state-store.ts";

/** One saved order the broker reports differently. */
export interface OrderDifference {
  readonly clientOrderId: string;
  /** The status the state file saved. */
  readonly saved: string;
  /** The broker's status now, or null when the broker has no such order. */
  readonly broker: string | null;
}

const WORKING = new Set(["submitted", "accepted", "partially_filled", "pending_cancel", "pending_replace"]);
const BROKER_OPEN = new Set(["new", "accepted", "pending_new", "partially_filled", "held", "accepted_for_bidding", "pending_cancel", "pending_replace", "calculated", "stopped", "suspended", "done_for_day"]);

/** True while the broker may still fill an order in this status. */
export function isBrokerOpen(status: string): boolean {
  return BROKER_OPEN.has(status);
}

/**
 * Start-up reconciliation of orders: the orders the state file saved (the order manager's
 * snapshots) against what the broker reports for them. A saved working order the broker has
 * ended or never had, and a saved finished order the broker still works, are differences: the
 * bot was down while they moved (or its view was wrong), and each is journaled.
 */
export function compareWithBroker(saved: readonly StoredOrderSnapshot[], broker: readonly BrokerOrderLike[]): OrderDifference[] {
  const status = new Map<string, string>();
  for (const o of broker) {
    // An OCO that filled through its stop leg shows its parent (the limit leg) canceled: the order filled.
    const legFilled = (o.legs ?? []).some((l) => l.status === "filled" || l.status === "partially_filled");
    if (o.clientOrderId) status.set(o.clientOrderId, legFilled && (o.status === "canceled" || o.status === "expired") ? "filled" : (o.status ?? ""));
    // An OCO stop leg replaced by PATCH carries the client id the bot gave it.
    for (const l of o.legs ?? []) if (l.clientOrderId && !status.has(l.clientOrderId)) status.set(l.clientOrderId, l.status ?? "");
  }
  const out: OrderDifference[] = [];
  for (const s of saved) {
    const coid = s.intent.clientOrderId;
    const now = status.get(coid) ?? null;
    if (s.status === "initialized") continue;
    const savedWorking = WORKING.has(s.status);
    if (now === null) {
      // A finished order may be older than the broker history fetched; only a working one is missing.
      if (savedWorking) out.push({ clientOrderId: coid, saved: s.status, broker: null });
      continue;
    }
    // A cancel or replace the bot asked for that completed while it was down is no surprise.
    if ((s.status === "pending_cancel" && (now === "canceled" || now === "filled")) || (s.status === "pending_replace" && now === "replaced")) continue;
    const brokerOpen = BROKER_OPEN.has(now);
    if (savedWorking !== brokerOpen || (!savedWorking && s.status !== now && s.status !== "replaced")) out.push({ clientOrderId: coid, saved: s.status, broker: now });
  }
  return out;
}

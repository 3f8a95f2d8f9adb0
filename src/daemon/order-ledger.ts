import type { OrderIntent } from "../core/types.ts";
import type { OrderEnded } from "../broker/venue.ts";
import type { TradeUpdateLike, VenueObserver } from "../broker/port.ts";
import type { StateStore } from "../store/state-store.ts";
import type { IntentLog } from "../store/intent-log.ts";
import type { JournalSink } from "../store/journal.ts";
import { TERMINAL_STATUSES, type OrderStatus } from "../store/state-schema.ts";

/** What the ledger needs from the daemon; read late, since the engine is built after the venue's observer. */
export interface LedgerDeps {
  readonly store: StateStore;
  readonly intentLog: IntentLog;
  readonly journal: JournalSink;
  readonly nowMs: () => number;
  /** Where in the bar sequence the engine is (see barPosition): a restart's replay hears a refusal at the same point. */
  readonly position: () => number;
  readonly today: () => string;
  /** True while a restart's replay runs (a refusal it reaches is already in the intent log). */
  readonly recovering: () => boolean;
  /** An order of the engine ended without the engine asking (refused, or canceled or expired by the broker). */
  readonly onEnded: (e: OrderEnded) => void;
  readonly warn: (detail: Record<string, unknown>, msg: string) => void;
  readonly changed: () => void;
  readonly afterIntentLogged?: (intent: OrderIntent) => void;
}

const STATUS_OF_EVENT: Readonly<Record<string, OrderStatus>> = { fill: "filled", partial_fill: "partially_filled", canceled: "canceled", expired: "expired", rejected: "rejected" };

function submittedPayload(i: OrderIntent): Record<string, unknown> {
  return { clientOrderId: i.clientOrderId, symbol: i.symbol, side: i.side, orderType: i.type, qty: i.qtyShares, limit: i.limitPriceUsd ?? null, stop: i.stopPriceUsd ?? null, purpose: i.purpose };
}

/**
 * Every order's record: the write-ahead intent line before its POST, the state ledger through
 * its life, and the journal's `order_submitted` (one per order) and `order_update` events.
 */
export function orderLedger(d: LedgerDeps): VenueObserver {
  return {
    beforePost: (i) => {
      // The write-ahead line goes down before the POST leaves (see IntentLog).
      d.intentLog.append(i, d.nowMs());
      d.afterIntentLogged?.(i);
      d.store.recordIntent(i.clientOrderId, i);
      d.store.markSubmitted(i.clientOrderId);
    },
    submitted: (i) => {
      d.journal.append(d.today(), "order_submitted", submittedPayload(i));
    },
    acknowledged: (i, id) => {
      refused(d, d.store.markAcknowledged(i.clientOrderId, id));
      d.changed();
    },
    adopted: (i, id, why) => {
      if (d.store.getOrder(i.clientOrderId) === undefined) d.store.recordIntent(i.clientOrderId, i);
      refused(d, d.store.markAcknowledged(i.clientOrderId, id));
      // Journaled like a submission: during the replay the journal drops it when it already has it.
      d.journal.append(d.today(), "order_submitted", submittedPayload(i));
      if (why !== "recovered") d.journal.append(d.today(), "reconcile", { kind: "adopted", clientOrderId: i.clientOrderId, why });
    },
    rejected: (i, reason) => {
      if (!d.recovering()) d.intentLog.appendRejection(i.clientOrderId, reason, d.nowMs(), d.position());
      if (d.store.getOrder(i.clientOrderId) !== undefined) refused(d, d.store.markRejected(i.clientOrderId, reason));
      d.journal.append(d.today(), "order_update", { clientOrderId: i.clientOrderId, event: "rejected", reason });
      d.warn({ clientOrderId: i.clientOrderId, reason }, "order rejected");
      d.onEnded({ clientOrderId: i.clientOrderId, status: "rejected", reason, timeMs: d.nowMs() });
      d.changed();
    },
    ended: (e) => {
      // Logged like a refusal: the broker keeps the order, but a restart's replay must hand the
      // engine its end at the bar position the run heard it.
      if (!d.recovering()) d.intentLog.appendRejection(e.clientOrderId, e.reason, d.nowMs(), d.position(), e.status);
      const rec = d.store.getOrder(e.clientOrderId);
      if (rec !== undefined && !TERMINAL_STATUSES.has(rec.status)) {
        refused(d, e.status === "rejected" ? d.store.markRejected(e.clientOrderId, e.reason) : d.store.markOrderStatus(e.clientOrderId, e.status));
      }
      d.journal.append(d.today(), "order_update", { clientOrderId: e.clientOrderId, event: e.status, reason: e.reason, unrequested: true });
      d.warn({ clientOrderId: e.clientOrderId, status: e.status, reason: e.reason }, "order ended by the broker");
      d.onEnded(e);
      d.changed();
    },
    update: (event, coid, detail) => {
      d.journal.append(d.today(), "order_update", { clientOrderId: coid, event, ...detail });
    },
  };
}

/**
 * A status change the store refused (a finished order told to end again, a second broker id): the
 * store kept what it had; the refusal is logged and journaled so a person sees the broker and the
 * bot disagreed, and the run goes on.
 */
function refused(d: LedgerDeps, why: string | null): void {
  if (why === null) return;
  d.warn({ reason: why }, "order status change refused");
  d.journal.append(d.today(), "reconcile", { kind: "status_refused", reason: why });
}

/** Moves an order's ledger record with a trade update from the stream (a finished order stays finished). */
export function ledgerUpdate(store: StateStore, clientOrderId: string | undefined, u: TradeUpdateLike): void {
  const status = STATUS_OF_EVENT[u.event];
  if (clientOrderId === undefined || status === undefined) return;
  const cur = store.getOrder(clientOrderId)?.status;
  if (cur === undefined || TERMINAL_STATUSES.has(cur)) return;
  store.markOrderStatus(clientOrderId, status);
}

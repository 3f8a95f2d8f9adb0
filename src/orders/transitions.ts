/**
 * The order state machine's table, in the spirit of NautilusTrader's `_ORDER_STATE_TABLE`
 * (model/orders/base.pyx): (status, event) -> what the event does. A pair that is not in the
 * table is an impossible move and is refused. The statuses follow Alpaca's order statuses
 * (alpaca-protocol.md) folded to the ones the bot acts on.
 */

export const ORDER_STATUSES = [
  "initialized", "submitted", "accepted", "partially_filled", "filled", "pending_cancel", "canceled", "expired", "pending_replace", "replaced", "rejected",
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_EVENT_KINDS = [
  "submitted", "accepted", "rejected", "partially_filled", "filled", "pending_cancel", "canceled", "expired", "pending_replace", "replaced", "adopted", "cancel_rejected", "replace_rejected",
] as const;
export type OrderEventKind = (typeof ORDER_EVENT_KINDS)[number];

/** Statuses after which the broker will not fill the order any further. */
export const FINISHED: ReadonlySet<OrderStatus> = new Set(["filled", "canceled", "expired", "replaced", "rejected"]);

/**
 * What an event does from a status: a new status; `fill` (the quantities decide: filled or,
 * short of the order's quantity, partially filled; a pending cancel or replace stays pending,
 * and an order already canceled, expired or replaced stays so); `rollback` (a refused cancel or
 * replace returns to the status before it); `adopt` (the broker's own report decides).
 */
export type Move = OrderStatus | "fill" | "rollback" | "adopt";

const FILLS = { partially_filled: "fill", filled: "fill" } as const;
/** Alpaca may report a fill that happened before a cancel or replace took effect after that event (stream lag). */
const LATE_FILLS = FILLS;
const WORKING = {
  ...FILLS,
  pending_cancel: "pending_cancel",
  canceled: "canceled",
  expired: "expired",
  pending_replace: "pending_replace",
  replaced: "replaced",
} as const;

const TABLE: Readonly<Record<OrderStatus, Readonly<Partial<Record<OrderEventKind, Move>>>>> = {
  // Refused before it left (the kill switch, a recovery that missed its bar), canceled while it
  // waited its turn (never sent), or found at the broker already.
  initialized: { submitted: "submitted", rejected: "rejected", canceled: "canceled", adopted: "adopt" },
  // A POST under way: the answer (accepted or refused), a fill that beat it, or an ambiguous failure found by client id.
  submitted: { ...FILLS, accepted: "accepted", rejected: "rejected", adopted: "adopt", canceled: "canceled", expired: "expired", pending_cancel: "pending_cancel" },
  // Alpaca can refuse an order after its 200 (`rejected` follows `accepted`); `new` and `accepted` both arrive.
  accepted: { ...WORKING, accepted: "accepted", rejected: "rejected", adopted: "accepted" },
  partially_filled: { ...WORKING, accepted: "partially_filled", adopted: "partially_filled" },
  // Until `canceled` the order can still fill (alpaca-protocol.md: cancel is asynchronous); a refused cancel leaves it working.
  pending_cancel: { ...FILLS, pending_cancel: "pending_cancel", canceled: "canceled", expired: "expired", cancel_rejected: "rollback", accepted: "pending_cancel" },
  pending_replace: { ...FILLS, pending_replace: "pending_replace", replaced: "replaced", replace_rejected: "rollback", canceled: "canceled", expired: "expired", accepted: "pending_replace" },
  filled: {},
  canceled: { ...LATE_FILLS, canceled: "canceled" },
  expired: { ...LATE_FILLS, expired: "expired" },
  replaced: { ...LATE_FILLS, replaced: "replaced" },
  // An OCO's parent and leg can both report the refusal.
  rejected: { rejected: "rejected" },
};

/** The move an event makes from a status, or null when it is impossible. */
export function moveOf(from: OrderStatus, event: OrderEventKind): Move | null {
  return TABLE[from][event] ?? null;
}

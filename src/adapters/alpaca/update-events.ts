import type { LegRole, OrderEvent } from "../../orders/order.ts";
import type { TradeUpdateLike } from "./venue-types.ts";

/**
 * The order event a trade update stands for, or null when it changes nothing the bot tracks
 * (fills are applied separately, by execution). Alpaca's events (alpaca-protocol.md, "Events"):
 * `new`/`accepted`/`pending_new` accept; `done_for_day`, `stopped`, `calculated`, `suspended`
 * leave the order working; `order_cancel_rejected` / `order_replace_rejected` undo a pending
 * cancel or replace; an event type Alpaca adds later is none of these and changes nothing.
 */
export function eventOfUpdate(u: TradeUpdateLike, leg: LegRole, timeMs: number, clientIdOfBroker: (brokerId: string) => string | undefined): OrderEvent | null {
  switch (u.event) {
    case "new":
    case "accepted":
    case "pending_new":
      return { kind: "accepted", timeMs };
    case "pending_cancel":
    case "pending_replace":
      return { kind: u.event, timeMs };
    case "order_cancel_rejected":
      return { kind: "cancel_rejected", timeMs };
    case "order_replace_rejected":
      return { kind: "replace_rejected", timeMs };
    case "canceled":
    case "expired":
      return { kind: u.event, timeMs, leg, reason: `${u.event} by the broker` };
    case "rejected":
      return { kind: "rejected", timeMs, reason: "rejected by the broker after its acceptance" };
    case "replaced": {
      const by = u.order.replacedBy ?? "";
      return { kind: "replaced", timeMs, by: clientIdOfBroker(by) ?? by };
    }
    default:
      return null;
  }
}

/** Broker statuses after which an order (or leg) will not fill any more. */
export const BROKER_FINISHED: ReadonlySet<string> = new Set(["filled", "canceled", "expired", "replaced", "rejected", "done_for_day"]);

import { describe, expect, it } from "vitest";
import type { OrderIntent } from "../../src/core/types.ts";
import { Order, type OrderEvent } from "../../src/orders/order.ts";
import { moveOf, ORDER_EVENT_KINDS, ORDER_STATUSES, type OrderEventKind, type OrderStatus } from "../../src/orders/transitions.ts";
import { purposeLabel, purposeOf } from "../../src/orders/purpose.ts";

const stopIntent: OrderIntent = { clientOrderId: "p.stop.1", symbol: "ABC", symId: 0, side: "sell", type: "stop", qtyShares: 10, stopPriceUsd: 9, purpose: "stop" };

function eventOf(kind: OrderEventKind): OrderEvent {
  switch (kind) {
    case "partially_filled":
    case "filled":
      return { kind, timeMs: 1, fill: { leg: "primary", qty: kind === "filled" ? 10 : 4, cumQty: kind === "filled" ? 10 : 4, priceUsd: 9 } };
    case "rejected":
      return { kind, timeMs: 1, reason: "no" };
    case "replaced":
      return { kind, timeMs: 1, by: "p.stop.2" };
    case "adopted":
      return { kind, timeMs: 1, brokerId: "b1", status: "accepted", why: "test" };
    default:
      return { kind, timeMs: 1 } as OrderEvent;
  }
}

/** An order forced into a status (as a restart restores it from a snapshot). */
function orderIn(status: OrderStatus): Order {
  return Order.fromSnapshot({ ...new Order(stopIntent).snapshot(), status });
}

// The moves Alpaca can make (alpaca-protocol.md) and nothing else.
const POSSIBLE: Record<OrderStatus, readonly OrderEventKind[]> = {
  initialized: ["submitted", "rejected", "canceled", "adopted"],
  submitted: ["accepted", "rejected", "adopted", "partially_filled", "filled", "canceled", "expired", "pending_cancel"],
  accepted: ["accepted", "rejected", "adopted", "partially_filled", "filled", "pending_cancel", "canceled", "expired", "pending_replace", "replaced"],
  partially_filled: ["accepted", "adopted", "partially_filled", "filled", "pending_cancel", "canceled", "expired", "pending_replace", "replaced"],
  pending_cancel: ["pending_cancel", "canceled", "expired", "cancel_rejected", "accepted", "partially_filled", "filled"],
  pending_replace: ["pending_replace", "replaced", "replace_rejected", "canceled", "expired", "accepted", "partially_filled", "filled"],
  filled: [],
  canceled: ["canceled", "partially_filled", "filled"],
  expired: ["expired", "partially_filled", "filled"],
  replaced: ["replaced", "partially_filled", "filled"],
  rejected: ["rejected"],
};

describe("the order state table", () => {
  for (const from of ORDER_STATUSES) {
    for (const kind of ORDER_EVENT_KINDS) {
      const possible = POSSIBLE[from].includes(kind);
      it(`${from} + ${kind}: ${possible ? "moves" : "refused"}`, () => {
        expect(moveOf(from, kind) !== null).toBe(possible);
        const o = orderIn(from);
        const r = o.apply(eventOf(kind));
        expect(r.ok).toBe(possible);
        if (!r.ok) {
          expect(r.reason).toContain(kind);
          expect(o.status).toBe(from);
        }
      });
    }
  }

  it("walks an order through its life: submitted, accepted, partial, pending cancel, canceled, a late fill", () => {
    const o = new Order(stopIntent);
    expect(o.apply({ kind: "submitted", timeMs: 1 }).ok).toBe(true);
    expect(o.apply({ kind: "accepted", timeMs: 2, brokerId: "b1" }).ok).toBe(true);
    expect(o.brokerId).toBe("b1");
    o.apply({ kind: "partially_filled", timeMs: 3, fill: { leg: "primary", qty: 4, cumQty: 4, priceUsd: 9 } });
    expect(o.status).toBe("partially_filled");
    o.apply({ kind: "pending_cancel", timeMs: 4 });
    expect(o.apply({ kind: "cancel_rejected", timeMs: 5 }).ok).toBe(true);
    expect(o.status).toBe("partially_filled");
    o.apply({ kind: "pending_cancel", timeMs: 6 });
    expect(o.apply({ kind: "canceled", timeMs: 7 })).toEqual({ ok: true, ended: true });
    // A fill that happened before the cancel took effect, reported after it.
    expect(o.apply({ kind: "partially_filled", timeMs: 8, fill: { leg: "primary", qty: 2, cumQty: 6, priceUsd: 10 } }).ok).toBe(true);
    expect(o.status).toBe("canceled");
    expect(o.filledQty).toBe(6);
    expect(o.avgPriceUsd).toBeCloseTo((4 * 9 + 2 * 10) / 6);
  });

  it("refuses a repeated fill (same leg, same cumulative qty) and an over-fill", () => {
    const o = orderIn("accepted");
    const f = { kind: "partially_filled", timeMs: 1, fill: { leg: "primary", qty: 4, cumQty: 4, priceUsd: 9 } } as const;
    expect(o.apply(f).ok).toBe(true);
    expect(o.apply(f)).toMatchObject({ ok: false, duplicate: true });
    expect(o.apply({ ...f, fill: { ...f.fill, qty: 7, cumQty: 11 } })).toMatchObject({ ok: false, duplicate: false });
    expect(o.filledQty).toBe(4);
  });

  it("ends an OCO once both legs are over, not when one leg is canceled because the other filled", () => {
    const o = new Order({ ...stopIntent, clientOrderId: "p.tp1.1", type: "oco", limitPriceUsd: 12, purpose: "tp1" });
    o.apply({ kind: "submitted", timeMs: 1 });
    o.apply({ kind: "accepted", timeMs: 1, brokerId: "lim", stopLegId: "stp" });
    expect(o.apply({ kind: "canceled", timeMs: 2, leg: "primary" })).toEqual({ ok: true, ended: false });
    expect(o.status).toBe("accepted");
    expect(o.apply({ kind: "filled", timeMs: 2, fill: { leg: "stop", qty: 10, cumQty: 10, priceUsd: 9 } })).toEqual({ ok: true, ended: true });
    expect(o.status).toBe("filled");
  });

  it("types the purpose from the intent, not the client order id", () => {
    expect(purposeOf({ purpose: "entry", type: "market", side: "buy" })).toEqual({ kind: "entry" });
    expect(purposeOf({ purpose: "add2", type: "market", side: "buy" })).toEqual({ kind: "add", index: 2 });
    expect(purposeOf({ purpose: "tp1", type: "oco", side: "sell" })).toEqual({ kind: "target", label: "tp1" });
    expect(purposeOf({ purpose: "stop", type: "stop", side: "sell" })).toEqual({ kind: "stop" });
    expect(purposeOf({ purpose: "eod", type: "market", side: "sell" })).toEqual({ kind: "exit", reason: "eod" });
    expect(purposeLabel(purposeOf({ purpose: "add2", type: "market", side: "buy" }))).toBe("add2");
    expect(purposeLabel({ kind: "broker", reason: "liquidation" })).toBe("broker_liquidation");
  });
});

import type { SubmitResult } from "../../broker/venue.ts";
import type { OrderIntent } from "../../core/types.ts";
import type { Order } from "../../orders/order.ts";
import type { OrderManager } from "../../orders/order-manager.ts";
import type { BrokerOrderLike } from "./venue-types.ts";
import type { LoggedEnd } from "../../store/intent-log.ts";

/** An end the run heard, for the replay to hand the engine at the same point (the port's shape). */
export type { ReplayedEnd } from "../../broker/port.ts";
import type { ReplayedEnd } from "../../broker/port.ts";

/** What the rebuilt engine asked for that the broker does not have yet. */
export interface RecoveryAction {
  readonly kind: "post" | "cancel";
  readonly clientOrderId: string;
}

export interface RecoveryDeps {
  readonly orders: OrderManager;
  readonly adopt: (o: Order, b: BrokerOrderLike, why: string) => void;
  readonly missed: () => void;
}

const OPEN_STATUSES = new Set(["new", "accepted", "pending_new", "partially_filled", "held", "accepted_for_bidding", "pending_replace", "calculated"]);

/**
 * A restart's replay: every order the rebuilt engine asks for is looked for at the broker by its
 * client order id and adopted when found; nothing is sent until the replay has caught up, and
 * then only what the broker lacks (`actions`, in the order asked). An entry whose signal bar is
 * already past is dropped as missed, never sent late.
 */
export class RecoveryPlan {
  /** The broker's orders by client order id; an OCO stop leg replaced by PATCH is found under its own client id, with its parent's id. */
  private readonly known = new Map<string, BrokerOrderLike>();
  readonly actions: RecoveryAction[] = [];
  /** Refusals the replay has reached, for the daemon to hand the engine after the current bar. */
  private readonly refusedDue: ReplayedEnd[] = [];

  constructor(
    orders: readonly BrokerOrderLike[],
    /** Start of the newest replayed minute: an entry decided on an older bar was missed while the bot was down. */
    private readonly edgeMs: number,
    /** Orders the broker refused after their POST in the run being replayed (from the intent log). */
    private readonly refused: ReadonlyMap<string, LoggedEnd>,
    private readonly d: RecoveryDeps,
  ) {
    for (const o of orders) {
      if (o.clientOrderId) this.known.set(o.clientOrderId, o);
      for (const leg of o.legs ?? []) {
        if (leg.clientOrderId && !this.known.has(leg.clientOrderId)) this.known.set(leg.clientOrderId, { id: o.id, clientOrderId: leg.clientOrderId, status: leg.status, legs: [{ id: leg.id }] });
      }
    }
  }

  submit(intent: OrderIntent, barMs: number): SubmitResult {
    const o = this.d.orders.add(intent);
    if (typeof o === "string") return { accepted: false, reason: o };
    return this.place(o, barMs);
  }

  cancel(clientOrderId: string): void {
    const pending = this.actions.findIndex((a) => a.kind === "post" && a.clientOrderId === clientOrderId);
    if (pending >= 0) this.actions.splice(pending, 1);
    else if (OPEN_STATUSES.has(this.known.get(clientOrderId)?.status ?? "")) this.actions.push({ kind: "cancel", clientOrderId });
  }

  /** A replace the run made by PATCH shows as `next` at the broker; otherwise cancel `old` and post `next` once caught up. */
  replace(oldClientOrderId: string, next: OrderIntent, barMs: number): SubmitResult {
    const o = this.d.orders.has(oldClientOrderId) ? this.d.orders.replace(oldClientOrderId, next) : this.d.orders.add(next);
    if (typeof o === "string") return { accepted: false, reason: o };
    if (!this.known.has(next.clientOrderId)) this.cancel(oldClientOrderId);
    else this.d.orders.replaced(oldClientOrderId, next.clientOrderId, barMs);
    return this.place(o, barMs);
  }

  takeRefusals(): ReplayedEnd[] {
    return this.refusedDue.splice(0);
  }

  private place(o: Order, barMs: number): SubmitResult {
    const coid = o.clientOrderId;
    const found = this.known.get(coid);
    const refusal = this.refused.get(coid);
    if (refusal !== undefined && found === undefined) {
      this.refusedDue.push({ clientOrderId: coid, reason: refusal.reason });
      return { accepted: true };
    }
    if (found !== undefined) {
      this.d.adopt(o, found, "recovered");
      // Accepted, then refused, canceled or expired by the broker: the run heard that later, and so does the replay.
      if (refusal?.endedAs !== undefined) this.refusedDue.push({ clientOrderId: coid, reason: refusal.reason, endedAs: refusal.endedAs });
      return { accepted: true };
    }
    if (o.side === "buy" && barMs < this.edgeMs) {
      this.d.orders.forget(coid);
      this.d.missed();
      return { accepted: false, reason: `missed: the bot was down when bar ${new Date(barMs).toISOString()} closed` };
    }
    this.actions.push({ kind: "post", clientOrderId: coid });
    return { accepted: true };
  }
}

import type { OrderIntent, OrderType, Side } from "../core/types.ts";
import { purposeOf, type OrderPurpose } from "./purpose.ts";
import { FINISHED, moveOf, type OrderEventKind, type OrderStatus } from "./transitions.ts";

/** The part of an order the broker fills on its own: an OCO has its limit (primary) and its stop leg, each with a broker id. */
export type LegRole = "primary" | "stop";

export interface OrderLeg {
  readonly role: LegRole;
  brokerId: string | null;
  /** Shares this leg filled, as the broker's cumulative quantities add up. */
  filledQty: number;
  /** The broker ended this leg (canceled or expired); an OCO is over once both legs are. */
  done: boolean;
}

/** One execution of a leg. `cumQty` is the leg's cumulative filled quantity after it (a trade update's `order.filled_qty`, an activity's `cum_qty`). */
export interface FillFacts {
  readonly leg: LegRole;
  readonly qty: number;
  readonly priceUsd: number;
  readonly cumQty?: number;
  /** Only when the broker gave no cumulative quantity: the exact message id, so the same message is not applied twice. */
  readonly executionId?: string;
}

export type OrderEvent =
  | { readonly kind: "submitted"; readonly timeMs: number }
  | { readonly kind: "accepted"; readonly timeMs: number; readonly brokerId?: string; readonly stopLegId?: string }
  | { readonly kind: "adopted"; readonly timeMs: number; readonly brokerId: string; readonly stopLegId?: string; readonly status: OrderStatus; readonly why: string }
  | { readonly kind: "rejected"; readonly timeMs: number; readonly reason: string }
  | { readonly kind: "partially_filled" | "filled"; readonly timeMs: number; readonly fill: FillFacts }
  | { readonly kind: "pending_cancel" | "pending_replace" | "cancel_rejected" | "replace_rejected"; readonly timeMs: number; readonly reason?: string }
  | { readonly kind: "canceled" | "expired"; readonly timeMs: number; readonly leg?: LegRole; readonly reason?: string }
  | { readonly kind: "replaced"; readonly timeMs: number; readonly by: string };

export type ApplyResult = { readonly ok: true; readonly ended: boolean } | { readonly ok: false; readonly duplicate: boolean; readonly reason: string };

/** What the state file keeps of an order (see OrderManager.snapshots). */
export interface OrderSnapshot {
  readonly intent: OrderIntent;
  readonly brokerId: string | null;
  readonly legs: { readonly role: LegRole; readonly brokerId: string | null; readonly filledQty: number; readonly done: boolean }[];
  readonly status: OrderStatus;
  readonly filledQty: number;
  readonly avgPriceUsd: number;
  readonly reason: string | null;
  readonly cancelRequested: boolean;
  readonly replacedBy: string | null;
  readonly fillKeys: string[];
  readonly updatedMs: number;
}

const EPS = 1e-9;

function fillKeyOf(leg: LegRole, cumQty: number | undefined, executionId: string | undefined): string {
  return cumQty !== undefined ? `${leg}@${cumQty}` : `${leg}#${executionId ?? ""}`;
}

/**
 * One order the engine made (or the broker made and the bot adopted), with its legs and fills.
 * `apply(event)` moves it by the table in transitions.ts and refuses an impossible move with a
 * reason; a fill already applied (same leg, same cumulative quantity) is refused as a duplicate.
 */
export class Order {
  readonly clientOrderId: string;
  readonly purpose: OrderPurpose;
  readonly symbol: string;
  readonly symId: number;
  readonly side: Side;
  readonly type: OrderType;
  readonly qtyShares: number;
  readonly legs: OrderLeg[];
  status: OrderStatus = "initialized";
  filledQty = 0;
  avgPriceUsd = NaN;
  reason: string | null = null;
  /** The engine asked for its cancel (or its replace): its end is no news to the engine. */
  cancelRequested = false;
  replacedBy: string | null = null;
  updatedMs = NaN;
  private rollbackTo: OrderStatus = "accepted";
  private readonly fillKeys = new Set<string>();

  constructor(
    readonly intent: OrderIntent,
    purpose: OrderPurpose = purposeOf(intent),
  ) {
    this.clientOrderId = intent.clientOrderId;
    this.purpose = purpose;
    this.symbol = intent.symbol;
    this.symId = intent.symId;
    this.side = intent.side;
    this.type = intent.type;
    this.qtyShares = intent.qtyShares;
    this.legs = [{ role: "primary", brokerId: null, filledQty: 0, done: false }];
    if (intent.type === "oco") this.legs.push({ role: "stop", brokerId: null, filledQty: 0, done: false });
  }

  get brokerId(): string | null {
    return this.legs[0].brokerId;
  }

  get finished(): boolean {
    return FINISHED.has(this.status);
  }

  leg(role: LegRole): OrderLeg | undefined {
    return this.legs.find((l) => l.role === role);
  }

  apply(e: OrderEvent): ApplyResult {
    // A repeat of an applied fill is a duplicate whatever the order's status now (a filled order included).
    if ((e.kind === "filled" || e.kind === "partially_filled") && this.hasFill(e.fill.leg, e.fill.cumQty, e.fill.executionId)) return { ok: false, duplicate: true, reason: `fill of ${e.fill.leg} leg at cumulative ${e.fill.cumQty ?? e.fill.executionId} already applied` };
    const move = moveOf(this.status, e.kind);
    if (move === null) return { ok: false, duplicate: false, reason: `${e.kind} is impossible for an order that is ${this.status}` };
    if (e.kind === "filled" || e.kind === "partially_filled") return this.fill(e.fill, e.timeMs);
    const before = this.status;
    this.updatedMs = e.timeMs;
    switch (e.kind) {
      case "accepted":
      case "adopted":
        if (e.brokerId !== undefined) this.legs[0].brokerId = e.brokerId;
        if (e.stopLegId !== undefined) {
          const stop = this.leg("stop");
          if (stop !== undefined) stop.brokerId = e.stopLegId;
        }
        break;
      case "rejected":
        this.reason = e.reason;
        break;
      case "pending_cancel":
      case "pending_replace":
        if (before !== "pending_cancel" && before !== "pending_replace") this.rollbackTo = before;
        break;
      case "canceled":
      case "expired":
        if (e.reason !== undefined) this.reason = e.reason;
        if (!this.endLeg(e.leg)) return { ok: true, ended: false };
        break;
      case "replaced":
        this.replacedBy = e.by;
        break;
      default:
        break;
    }
    if (move === "rollback") this.status = this.rollbackTo;
    // Fills move an adopted order (they are replayed from the broker's activities after it): its status starts short of them.
    else if (move === "adopt" && e.kind === "adopted") this.status = e.status === "filled" || e.status === "partially_filled" || e.status === "initialized" || e.status === "submitted" ? "accepted" : e.status;
    else if (move !== "fill" && move !== "adopt") this.status = move;
    return { ok: true, ended: !FINISHED.has(before) && this.finished };
  }

  /** Ends one leg; true once no leg can fill any more (an order without legs: at once). */
  private endLeg(role: LegRole | undefined): boolean {
    if (role === undefined) {
      for (const l of this.legs) l.done = true;
      return true;
    }
    const leg = this.leg(role);
    if (leg !== undefined) leg.done = true;
    return this.legs.every((l) => l.done);
  }

  /** True when the execution named by leg and cumulative quantity (or, without one, the message id) was applied. */
  hasFill(leg: LegRole, cumQty: number | undefined, executionId: string | undefined): boolean {
    return this.fillKeys.has(fillKeyOf(leg, cumQty, executionId));
  }

  private fill(f: FillFacts, timeMs: number): ApplyResult {
    const leg = this.leg(f.leg);
    if (leg === undefined) return { ok: false, duplicate: false, reason: `a ${this.type} order has no ${f.leg} leg` };
    if (!(f.qty > 0) || !(f.priceUsd > 0) || !Number.isFinite(f.qty) || !Number.isFinite(f.priceUsd)) return { ok: false, duplicate: false, reason: `a fill needs a positive qty and price (got ${f.qty} @ ${f.priceUsd})` };
    const key = fillKeyOf(f.leg, f.cumQty, f.executionId);
    if (this.fillKeys.has(key)) return { ok: false, duplicate: true, reason: `fill of ${f.leg} leg at cumulative ${f.cumQty ?? f.executionId} already applied` };
    if (f.cumQty !== undefined && (f.cumQty + EPS < f.qty || f.cumQty > this.qtyShares + EPS)) return { ok: false, duplicate: false, reason: `cumulative quantity ${f.cumQty} does not fit a fill of ${f.qty} of an order for ${this.qtyShares}` };
    if (this.filledQty + f.qty > this.qtyShares + EPS) return { ok: false, duplicate: false, reason: `a fill of ${f.qty} would take the order past its ${this.qtyShares} shares (${this.filledQty} filled)` };
    this.fillKeys.add(key);
    const before = this.status;
    const notional = (Number.isNaN(this.avgPriceUsd) ? 0 : this.avgPriceUsd * this.filledQty) + f.qty * f.priceUsd;
    leg.filledQty += f.qty;
    this.filledQty += f.qty;
    this.avgPriceUsd = notional / this.filledQty;
    this.updatedMs = timeMs;
    if (this.filledQty + EPS >= this.qtyShares) this.status = "filled";
    else if (before !== "canceled" && before !== "expired" && before !== "replaced" && before !== "pending_cancel" && before !== "pending_replace") this.status = "partially_filled";
    return { ok: true, ended: !FINISHED.has(before) && this.finished };
  }

  snapshot(): OrderSnapshot {
    return {
      intent: this.intent,
      brokerId: this.brokerId,
      legs: this.legs.map((l) => ({ ...l })),
      status: this.status,
      filledQty: this.filledQty,
      avgPriceUsd: Number.isNaN(this.avgPriceUsd) ? 0 : this.avgPriceUsd,
      reason: this.reason,
      cancelRequested: this.cancelRequested,
      replacedBy: this.replacedBy,
      fillKeys: [...this.fillKeys],
      updatedMs: Number.isFinite(this.updatedMs) ? this.updatedMs : 0,
    };
  }

  static fromSnapshot(s: OrderSnapshot): Order {
    const o = new Order(s.intent);
    for (const l of s.legs) {
      const leg = o.leg(l.role);
      if (leg === undefined) continue;
      leg.brokerId = l.brokerId;
      leg.filledQty = l.filledQty;
      leg.done = l.done;
    }
    o.status = s.status;
    o.filledQty = s.filledQty;
    o.avgPriceUsd = s.filledQty > 0 ? s.avgPriceUsd : NaN;
    o.reason = s.reason;
    o.cancelRequested = s.cancelRequested;
    o.replacedBy = s.replacedBy;
    o.updatedMs = s.updatedMs;
    for (const k of s.fillKeys) o.fillKeys.add(k);
    return o;
  }
}

/** The event a broker's order status stands for (Alpaca's statuses folded to ours), or null for one that changes nothing. */
export function statusOfBroker(status: string | undefined): OrderStatus | null {
  switch (status) {
    case "new":
    case "accepted":
    case "pending_new":
    case "accepted_for_bidding":
    case "held":
    case "calculated":
    case "stopped":
    case "done_for_day":
    case "suspended":
      return "accepted";
    case "partially_filled":
    case "filled":
    case "pending_cancel":
    case "canceled":
    case "expired":
    case "pending_replace":
    case "replaced":
    case "rejected":
      return status;
    default:
      return null;
  }
}

export type { OrderEventKind, OrderStatus };

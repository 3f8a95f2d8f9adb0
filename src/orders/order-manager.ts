import type { OrderIntent } from "../core/types.ts";
import { Order, type ApplyResult, type LegRole, type OrderEvent, type OrderSnapshot } from "./order.ts";
import type { OrderPurpose } from "./purpose.ts";

/** One execution as a broker reports it (a trade update or a fill activity), not yet tied to an order. */
export interface FillReport {
  /** The broker id of the order or leg that filled (an OCO's stop leg has its own). */
  readonly brokerOrderId?: string;
  readonly clientOrderId?: string;
  /** The leg's cumulative filled quantity after this execution: with the order, it names the execution. */
  readonly cumQty?: number;
  readonly qtyShares: number;
  readonly priceUsd: number;
  readonly timeMs: number;
  /** Used only when there is no cumulative quantity (an exact repeat of one message). */
  readonly executionId?: string;
}

export type FillOutcome =
  | { readonly kind: "applied"; readonly order: Order; readonly leg: LegRole; readonly qtyShares: number; readonly priceUsd: number; readonly timeMs: number }
  | { readonly kind: "duplicate"; readonly order: Order }
  | { readonly kind: "unknown" }
  | { readonly kind: "refused"; readonly order: Order; readonly reason: string };

/**
 * The one owner of every order of a run: by client order id and by broker id (legs included).
 * Venues translate their broker's messages into events and hand them here; nothing else keeps
 * order state. Fills are de-duplicated by order leg and cumulative quantity (see Order), so the
 * same execution seen on the stream and again in the activities moves a position once, whatever
 * its id strings look like.
 */
export class OrderManager {
  private readonly byClient = new Map<string, Order>();
  private readonly byBroker = new Map<string, { order: Order; leg: LegRole }>();

  /** A new order of the engine, or why it cannot be (a client order id is never reused: Alpaca refuses it too). */
  add(intent: OrderIntent, purpose?: OrderPurpose): Order | string {
    if (this.byClient.has(intent.clientOrderId)) return "client_order_id must be unique";
    const o = new Order(intent, purpose);
    this.byClient.set(intent.clientOrderId, o);
    return o;
  }

  /**
   * Adopts a sell the broker made on its own (a liquidation) of `qtyShares` of a symbol as an
   * order of purpose `broker`, so its fills move the position like any exit's.
   */
  adoptBrokerSell(clientOrderId: string, symbol: string, symId: number, qtyShares: number, brokerId: string, timeMs: number, why: string): Order | string {
    const o = this.add({ clientOrderId, symbol, symId, side: "sell", type: "market", qtyShares, purpose: "broker_liquidation" }, { kind: "broker", reason: why });
    if (typeof o === "string") return o;
    this.apply(clientOrderId, { kind: "adopted", timeMs, brokerId, status: "accepted", why });
    return o;
  }

  /** Forgets an order that never left (a recovery dropped it as missed). */
  forget(clientOrderId: string): void {
    const o = this.byClient.get(clientOrderId);
    if (o === undefined) return;
    this.byClient.delete(clientOrderId);
    for (const l of o.legs) if (l.brokerId !== null) this.byBroker.delete(l.brokerId);
  }

  get(clientOrderId: string): Order | undefined {
    return this.byClient.get(clientOrderId);
  }

  has(clientOrderId: string): boolean {
    return this.byClient.has(clientOrderId);
  }

  /** The order (and which leg) a broker message is about: by the broker's id first, then by our client id. */
  locate(brokerOrderId: string | undefined, clientOrderId: string | undefined): { order: Order; leg: LegRole } | undefined {
    const byId = brokerOrderId === undefined ? undefined : this.byBroker.get(brokerOrderId);
    if (byId !== undefined) return byId;
    const o = clientOrderId === undefined ? undefined : this.byClient.get(clientOrderId);
    return o === undefined ? undefined : { order: o, leg: "primary" };
  }

  /** Applies an event; an accepted or adopted event also files the broker ids it names. */
  apply(clientOrderId: string, e: OrderEvent): ApplyResult {
    const o = this.byClient.get(clientOrderId);
    if (o === undefined) return { ok: false, duplicate: false, reason: `no order ${clientOrderId}` };
    const r = o.apply(e);
    if (r.ok && (e.kind === "accepted" || e.kind === "adopted")) this.index(o);
    return r;
  }

  /** Files an order's broker ids (after its answer, or on restore). */
  private index(o: Order): void {
    for (const l of o.legs) if (l.brokerId !== null && l.brokerId !== "") this.byBroker.set(l.brokerId, { order: o, leg: l.role });
  }

  /** Applies one execution once (see FillReport). */
  fill(r: FillReport): FillOutcome {
    const at = this.locate(r.brokerOrderId, r.clientOrderId);
    if (at === undefined) return { kind: "unknown" };
    const { order, leg } = at;
    const kind = r.cumQty !== undefined && r.cumQty >= order.qtyShares ? "filled" : "partially_filled";
    const res = order.apply({ kind, timeMs: r.timeMs, fill: { leg, qty: r.qtyShares, priceUsd: r.priceUsd, cumQty: r.cumQty, executionId: r.executionId } });
    if (res.ok) return { kind: "applied", order, leg, qtyShares: r.qtyShares, priceUsd: r.priceUsd, timeMs: r.timeMs };
    return res.duplicate ? { kind: "duplicate", order } : { kind: "refused", order, reason: res.reason };
  }

  /** True when this execution was applied already (same leg, same cumulative quantity). */
  hasFill(r: Pick<FillReport, "brokerOrderId" | "clientOrderId" | "cumQty" | "executionId">): boolean {
    const at = this.locate(r.brokerOrderId, r.clientOrderId);
    return at !== undefined && at.order.hasFill(at.leg, r.cumQty, r.executionId);
  }

  /**
   * `next` takes `old`'s place: `old` is replaced (a replace answered by the broker, or a cancel
   * confirmed before `next` was posted), and `next` is a new order of the same purpose.
   */
  replace(oldClientOrderId: string, next: OrderIntent): Order | string {
    const old = this.byClient.get(oldClientOrderId);
    if (old === undefined) return `no order ${oldClientOrderId}`;
    const o = this.add(next, old.purpose);
    if (typeof o === "string") return o;
    old.cancelRequested = true;
    return o;
  }

  /** Marks `old` replaced by `next` once the broker said so. */
  replaced(oldClientOrderId: string, nextClientOrderId: string, timeMs: number): ApplyResult {
    return this.apply(oldClientOrderId, { kind: "replaced", timeMs, by: nextClientOrderId });
  }

  /** Orders the broker may still fill. */
  working(symId?: number): Order[] {
    const out: Order[] = [];
    for (const o of this.byClient.values()) if (!o.finished && (symId === undefined || o.symId === symId)) out.push(o);
    return out;
  }

  all(): IterableIterator<Order> {
    return this.byClient.values();
  }

  get size(): number {
    return this.byClient.size;
  }

  /**
   * What the state file keeps: every working order, and the newest `keepFinished` finished ones
   * (a finished order only answers a late duplicate; the journal has the rest).
   */
  snapshots(keepFinished = 50): OrderSnapshot[] {
    const live: OrderSnapshot[] = [];
    const done: OrderSnapshot[] = [];
    for (const o of this.byClient.values()) (o.finished ? done : live).push(o.snapshot());
    done.sort((a, b) => a.updatedMs - b.updatedMs);
    return [...live, ...done.slice(Math.max(0, done.length - keepFinished))];
  }

  /** Orders from a state file, for a restart to compare the broker's reports with. */
  restore(snaps: readonly OrderSnapshot[]): void {
    for (const s of snaps) {
      if (this.byClient.has(s.intent.clientOrderId)) continue;
      const o = Order.fromSnapshot(s);
      this.byClient.set(o.clientOrderId, o);
      this.index(o);
    }
  }
}

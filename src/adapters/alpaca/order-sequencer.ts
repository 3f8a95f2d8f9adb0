import type { OrderIntent } from "../../core/types.ts";
import type { Order } from "../../orders/order.ts";
import type { OrderManager } from "../../orders/order-manager.ts";
import { errorMessage, isDefinitiveRejection } from "./broker-errors.ts";
import type { OrderCalls } from "./order-calls.ts";
import { BROKER_FINISHED } from "./update-events.ts";
import type { BrokerOrderLike, VenueObserver } from "./venue-types.ts";

export interface SequencerDeps {
  readonly symbols: number;
  readonly calls: OrderCalls;
  readonly orders: OrderManager;
  readonly observer: VenueObserver;
  readonly nowMs: () => number;
  /** Moves an order by the broker's own report of it (read by id while the stream is silent). */
  readonly apply: (o: Order, b: BrokerOrderLike) => void;
  /** After every call settles (parked fills may now be placed). */
  readonly afterCall: () => void;
  readonly pollMs: number;
  readonly waitMs: number;
}

/**
 * The order of the venue's broker calls, per symbol, in the order the engine made them, and when
 * each step is over. On Alpaca a cancel answers 204 and the order goes `pending_cancel`; its
 * shares stay held until `canceled` (alpaca-protocol.md, "Cancel is asynchronous"), so a cancel
 * step ends only at the order's end (an event on the stream, or, when the stream is silent for
 * `pollMs`, the order read by id). A sell queued behind it then finds the shares free.
 */
export class OrderSequencer {
  private readonly queues: Promise<unknown>[];
  /** Calls queued or under way per symbol. */
  private readonly pending: Int32Array;
  /** Orders being waited for, by client order id. */
  private readonly waiters = new Map<string, (() => void)[]>();
  inflight = 0;

  constructor(private readonly d: SequencerDeps) {
    this.queues = Array.from({ length: d.symbols }, () => Promise.resolve());
    this.pending = new Int32Array(d.symbols);
  }

  /** Counts a call outside the queues (an account read) as under way. */
  async track<T>(p: Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await p;
    } finally {
      this.inflight--;
    }
  }

  post(o: Order): void {
    this.run(o, () => this.postNow(o));
  }

  cancel(o: Order): void {
    this.run(o, () => this.cancelNow(o), "cancel_failed");
  }

  /**
   * `next` takes `old`'s place. A stop, limit or quantity change of a simple order, or a stop
   * change of an OCO's stop leg (its own broker id), goes by PATCH /v2/orders/{id}; anything
   * else, or a refused PATCH, by cancel, wait for the end, then post.
   */
  replace(old: Order, next: Order): void {
    this.run(next, async () => {
      const patch = patchOf(old, next);
      if (patch !== null && !old.finished) {
        if (await this.patchNow(old, next, patch)) return;
      }
      await this.cancelNow(old);
      await this.postNow(next);
    });
  }

  /** Wakes whoever waits for this order's end. */
  wake(o: Order): void {
    const w = this.waiters.get(o.clientOrderId);
    if (w === undefined) return;
    this.waiters.delete(o.clientOrderId);
    for (const f of w) f();
  }

  private run(o: Order, step: () => Promise<void>, failure = ""): void {
    this.inflight++;
    this.enqueue(o.symId, step)
      .catch((e: unknown) => {
        if (failure !== "") this.d.observer.update?.(failure, o.clientOrderId, { reason: errorMessage(e) });
        else this.refused(o, errorMessage(e));
      })
      .finally(() => {
        this.inflight--;
        this.d.afterCall();
      });
  }

  private refused(o: Order, reason: string): void {
    const r = this.d.orders.apply(o.clientOrderId, { kind: "rejected", timeMs: this.d.nowMs(), reason });
    this.d.observer.rejected?.(o.intent, reason);
    if (r.ok) this.wake(o);
  }

  private async announce(o: Order): Promise<void> {
    if (o.status !== "initialized") return;
    await this.d.observer.beforePost?.(o.intent);
    this.d.observer.submitted?.(o.intent);
    this.d.orders.apply(o.clientOrderId, { kind: "submitted", timeMs: this.d.nowMs() });
  }

  private async postNow(o: Order): Promise<void> {
    // Canceled while it waited its turn behind a cancel (its position closed meanwhile, e.g. the
    // stop it was to replace filled first): sending it now would sell shares that are gone.
    if (o.status === "initialized" && o.cancelRequested) {
      this.d.orders.apply(o.clientOrderId, { kind: "canceled", timeMs: this.d.nowMs(), reason: "canceled before it was sent" });
      this.d.observer.update?.("not_sent", o.clientOrderId, { why: "canceled while it waited for the broker to end an earlier order" });
      this.wake(o);
      return;
    }
    await this.announce(o);
    const r = await this.d.calls.post(o.intent);
    const id = r.order.id ?? "";
    const legId = r.order.legs?.[0]?.id;
    if (r.adoptedWhy !== null) {
      this.d.orders.apply(o.clientOrderId, { kind: "adopted", timeMs: this.d.nowMs(), brokerId: id, stopLegId: legId, status: "accepted", why: r.adoptedWhy });
      this.d.observer.adopted?.(o.intent, id, r.adoptedWhy);
      return;
    }
    this.d.orders.apply(o.clientOrderId, { kind: "accepted", timeMs: this.d.nowMs(), brokerId: id, stopLegId: legId });
    this.d.observer.acknowledged?.(o.intent, id);
  }

  /** True when the broker replaced `old` with `next`; false when it refused (the caller falls back). */
  private async patchNow(old: Order, next: Order, patch: Patch): Promise<boolean> {
    await this.announce(next);
    this.d.orders.apply(old.clientOrderId, { kind: "pending_replace", timeMs: this.d.nowMs() });
    let answer: BrokerOrderLike | null;
    try {
      answer = await this.d.calls.patch(patch.brokerId, { ...patch.change, clientOrderId: next.clientOrderId });
    } catch (e) {
      // Not repeated: the new client id tells whether it went through.
      answer = isDefinitiveRejection(e) ? null : await this.d.calls.lookup(next.clientOrderId);
      if (answer === null) {
        this.d.orders.apply(old.clientOrderId, { kind: "replace_rejected", timeMs: this.d.nowMs() });
        this.d.observer.update?.("replace_refused", old.clientOrderId, { next: next.clientOrderId, reason: errorMessage(e), fallback: "cancel, wait for canceled, post" });
        return false;
      }
    }
    const id = answer.id ?? "";
    this.d.orders.replaced(old.clientOrderId, next.clientOrderId, this.d.nowMs());
    // An OCO keeps its parent (the limit leg); only the stop leg is new.
    const ids = patch.leg === "stop" ? { brokerId: old.brokerId ?? "", stopLegId: id } : { brokerId: id };
    this.d.orders.apply(next.clientOrderId, { kind: "accepted", timeMs: this.d.nowMs(), ...ids });
    this.d.observer.acknowledged?.(next.intent, id);
    this.d.observer.update?.("replaced", old.clientOrderId, { by: next.clientOrderId, brokerId: id });
    this.wake(old);
    return true;
  }

  /**
   * DELETE, then wait for the order's end. A 422 means the order is not cancelable any more (it
   * filled or ended meanwhile): its end is on its way, so it is waited for all the same.
   */
  private async cancelNow(o: Order): Promise<void> {
    const id = o.brokerId;
    if (id === null || o.finished) return;
    this.d.orders.apply(o.clientOrderId, { kind: "pending_cancel", timeMs: this.d.nowMs() });
    try {
      await this.d.calls.cancel(o.clientOrderId, id);
    } catch (e) {
      if (!isDefinitiveRejection(e)) throw e;
      this.d.observer.update?.("cancel_refused", o.clientOrderId, { reason: errorMessage(e), then: "waiting for the order's end" });
    }
    await this.untilEnded(o, id);
  }

  private async untilEnded(o: Order, id: string): Promise<void> {
    const t0 = Date.now();
    while (!o.finished) {
      await this.nextEvent(o, this.d.pollMs);
      if (o.finished) return;
      const b = await this.d.calls.byId(o.clientOrderId, id);
      if (b !== null) {
        this.d.apply(o, b);
        // Filled at the broker: the shares are gone; the fill itself arrives by stream or activities.
        if (o.finished || BROKER_FINISHED.has(b.status ?? "")) return;
      }
      if (Date.now() - t0 >= this.d.waitMs) {
        this.d.observer.update?.("cancel_unconfirmed", o.clientOrderId, { waitedMs: Date.now() - t0, status: b?.status ?? null });
        return;
      }
    }
  }

  private nextEvent(o: Order, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const list = this.waiters.get(o.clientOrderId) ?? [];
      list.push(done);
      this.waiters.set(o.clientOrderId, list);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
    });
  }

  private enqueue<T>(symId: number, call: () => Promise<T>): Promise<T> {
    // An idle symbol's call starts now, not in a microtask: a decision inside a frame of 100 bars
    // would otherwise wait for the other 99 to be processed before its POST left.
    const next = this.pending[symId] === 0 ? startNow(call) : this.queues[symId].then(call, call);
    this.pending[symId]++;
    // The queue only orders calls; a failure is the caller's to handle, not the next call's.
    this.queues[symId] = next.catch(() => undefined).finally(() => this.pending[symId]--);
    return next;
  }
}

interface Patch {
  readonly brokerId: string;
  readonly leg: "primary" | "stop";
  readonly change: { readonly qty?: number; readonly stopPriceUsd?: number; readonly limitPriceUsd?: number };
}

/** What a PATCH would change, or null when `next` is not a replace Alpaca takes for `old`. */
export function patchOf(old: Order, next: Order): Patch | null {
  const a: OrderIntent = old.intent;
  const b: OrderIntent = next.intent;
  if (a.symbol !== b.symbol || a.side !== b.side || a.type !== b.type || old.filledQty > 0) return null;
  if (a.type === "stop" || a.type === "limit") {
    if (old.brokerId === null) return null;
    return {
      brokerId: old.brokerId,
      leg: "primary",
      change: {
        ...(b.qtyShares !== a.qtyShares ? { qty: b.qtyShares } : {}),
        ...(a.type === "stop" ? { stopPriceUsd: b.stopPriceUsd } : { limitPriceUsd: b.limitPriceUsd }),
      },
    };
  }
  // An OCO: only its stop leg moves, by the leg's own id; a new quantity or limit is a new order.
  if (a.type === "oco" && b.qtyShares === a.qtyShares && b.limitPriceUsd === a.limitPriceUsd) {
    const stop = old.leg("stop")?.brokerId ?? null;
    if (stop === null || old.brokerId === null) return null;
    return { brokerId: stop, leg: "stop", change: { stopPriceUsd: b.stopPriceUsd } };
  }
  return null;
}

function startNow<T>(call: () => Promise<T>): Promise<T> {
  try {
    return call();
  } catch (e) {
    return Promise.reject(e as Error);
  }
}

import type { BarView } from "../../core/bars.ts";
import type { Fill, OrderIntent } from "../../core/types.ts";
import type { SubmitResult, VenueFactory } from "../../broker/venue.ts";
import type { BrokerVenue } from "../../broker/port.ts";
import { MARKET_BUY_CUSHION } from "../../broker/fill-model.ts";
import type { AlpacaClient } from "./client.ts";
import { systemClock, type Clock } from "../../core/clock.ts";
import { OrderCalls, sleep } from "./order-calls.ts";
import { OrderManager } from "../../orders/order-manager.ts";
import { statusOfBroker, type Order } from "../../orders/order.ts";
import { purposeLabel } from "../../orders/purpose.ts";
import { eventOfUpdate } from "./update-events.ts";
import { OrderSequencer } from "./order-sequencer.ts";
import { RecoveryPlan, type ReplayedEnd } from "./recovery-plan.ts";
import type { EndStatus, LoggedEnd } from "../../store/intent-log.ts";
import { executionOf, type BrokerOrderLike, type Execution, type TradeUpdateLike, type VenueObserver } from "./venue-types.ts";

export { executionOf, fillKey } from "./venue-types.ts";
export type { BrokerOrderLike, Execution, TradeUpdateLike, VenueObserver } from "./venue-types.ts";

export interface AlpacaVenueOptions {
  /** Stamps a fill the broker sent without a time (the replay clock on the local exchange). */
  readonly clock?: Clock;
  /** After an ambiguous POST failure: how many times to look the order up and post it again (same client id). */
  readonly postAttempts?: number;
  readonly retryDelayMs?: number;
  /** A cancel waits for its order's end on the stream; silent this long, the order is read by id (GET /v2/orders/{id}). */
  readonly cancelPollMs?: number;
  /** Past this, a cancel whose end never showed is given up on (journaled) and the queue goes on. */
  readonly cancelWaitMs?: number;
}

/**
 * The engine's venue on Alpaca (paper or the local exchange) through the official SDK. It only
 * translates: REST answers, trade updates and fill activities become order events for the one
 * OrderManager, which owns every order and de-duplicates fills by order and cumulative quantity.
 * Calls per symbol run in order (OrderSequencer): a cancel ends at its order's end, so a later
 * sell that needs the shares waits for them.
 *
 * Recovery: after a restart the daemon replays the session through a fresh engine with the venue
 * in recovery mode (RecoveryPlan). Every order the engine asks for is first looked for at the
 * broker by its client order id and adopted when found; nothing is sent until the replay has
 * caught up, and then only what the broker lacks.
 */
export class AlpacaVenue implements BrokerVenue {
  /** Every order of the run. */
  readonly orders = new OrderManager();
  private readonly last: Float64Array;
  /** Cash as of the last account fetch, moved by every fill since; shares held per symbol, from fills. */
  private cash = 0;
  private readonly held: Float64Array;
  private recovery: RecoveryPlan | null = null;
  private readonly clock: Clock;
  private readonly calls: OrderCalls;
  private readonly seq: OrderSequencer;
  updatesSeen = 0;
  /** Orders found at the broker by client order id instead of being sent (a restart, an ambiguous failure). */
  adoptedOrders = 0;
  /** Entries the recovery dropped because their signal bar passed while the bot was down. */
  missedEntries = 0;
  /** Distinct executions applied (a lock-step driver compares this with the exchange's count). */
  fillsSeen = 0;
  /** Order events the state table refused (journaled as `transition_refused`). */
  refusedTransitions = 0;

  constructor(
    private readonly alpaca: AlpacaClient,
    readonly symbols: readonly string[],
    private readonly onFill: (f: Fill) => void,
    private readonly observer: VenueObserver = {},
    /** The bar the engine is processing (recovery tells a missed entry from one at the live edge by it). */
    private readonly currentBar: Pick<BarView, "tMs"> = { tMs: NaN },
    opts: AlpacaVenueOptions = {},
  ) {
    this.last = new Float64Array(symbols.length).fill(NaN);
    this.held = new Float64Array(symbols.length);
    this.clock = opts.clock ?? systemClock;
    this.calls = new OrderCalls(alpaca, (event, coid, detail) => this.observer.update?.(event, coid, detail), opts.postAttempts ?? 4, opts.retryDelayMs ?? 500);
    this.seq = new OrderSequencer({
      symbols: symbols.length,
      calls: this.calls,
      orders: this.orders,
      observer: this.observer,
      nowMs: () => this.clock.nowMs(),
      apply: (o, b) => this.applyBrokerOrder(o, b),
      afterCall: () => this.unpark(),
      pollMs: opts.cancelPollMs ?? 1000,
      waitMs: opts.cancelWaitMs ?? 30_000,
    });
  }

  static factory(alpaca: AlpacaClient, observer: VenueObserver, ref: { venue?: AlpacaVenue }, opts: AlpacaVenueOptions = {}): VenueFactory {
    return (symbols, onFill, currentBar) => (ref.venue = new AlpacaVenue(alpaca, symbols, onFill, observer, currentBar, opts));
  }

  /** REST calls under way or waiting for their order's end; the replay driver waits for zero before the next minute. */
  get inflight(): number {
    return this.seq.inflight;
  }

  async refreshAccount(): Promise<void> {
    const a = await this.seq.track(this.alpaca.trading.account.getAccount());
    this.cash = Number(a.cash);
  }

  /** Sets the cash the replay of a session starts from (the account as it was at the session's start). */
  setCash(cashUsd: number): void {
    this.cash = cashUsd;
  }

  get cashUsd(): number {
    return this.cash;
  }

  /** Shares held per symbol as the fills seen so far add up. */
  heldShares(symId: number): number {
    return this.held[symId];
  }

  get recovering(): boolean {
    return this.recovery !== null;
  }

  onBar(bar: BarView): void {
    this.last[bar.symId] = bar.close;
  }

  /**
   * Marked like the simulated broker: cash plus shares at the last bar's close. Both move with
   * every fill and bar the bot has seen, so a decision never waits on an account request, and
   * the same bars give the same sizes in a backtest and here.
   */
  equityUsd(): number {
    let e = this.cash;
    for (let s = 0; s < this.held.length; s++) if (this.held[s] !== 0) e += this.held[s] * this.last[s];
    return e;
  }

  /** What a market buy may spend: cash (a cash account; conservative for margin) less the broker's market-order cushion. */
  buyingPowerUsd(): number {
    return Math.max(0, this.cash) / MARKET_BUY_CUSHION;
  }

  lastPriceUsd(symId: number): number {
    return this.last[symId];
  }

  /** The client order id the engine knows for a broker order id (an OCO stop leg maps to its OCO). */
  clientIdOf(brokerOrderId: string): string | undefined {
    return this.orders.locate(brokerOrderId, undefined)?.order.clientOrderId;
  }

  /** True once the engine has made the order an execution fills (by the broker's id, or the client id), or the venue would adopt it (see adoptable). */
  knowsOrderOf(x: Execution): boolean {
    return this.locateFill(x) !== undefined || this.adoptable(x) !== null;
  }

  /**
   * A sell the broker made on its own (a liquidation) of a symbol the bot holds: not an order of
   * the engine, and nothing under way that could still name it. Returns its symbol's index.
   */
  private adoptable(x: Execution): number | null {
    if (this.recovery !== null || this.inflight > 0 || x.side !== "sell" || x.orderId === undefined) return null;
    const symId = this.symbols.indexOf(x.symbol ?? "");
    return symId >= 0 && this.held[symId] > 0 ? symId : null;
  }

  /**
   * The broker holds fewer shares than the fills the bot saw add up to (a liquidation it made
   * while no fill of it reached the bot): the difference reaches the engine as a sell of purpose
   * broker_liquidation at `priceUsd`, under an adopted order, so the engine books the exit.
   */
  adoptPositionChange(symId: number, soldShares: number, priceUsd: number, timeMs: number): boolean {
    if (!(soldShares > 0) || !(priceUsd > 0) || soldShares > this.held[symId]) return false;
    const coid = `broker.reconcile.${this.symbols[symId]}.${timeMs}`;
    if (typeof this.orders.adoptBrokerSell(coid, this.symbols[symId], symId, soldShares, "", timeMs, "position change found by reconciliation") === "string") return false;
    this.adoptedOrders++;
    return this.applyExecution({ executionId: coid, clientOrderId: coid, cumQty: soldShares, qtyShares: soldShares, priceUsd, timeMs });
  }

  /** Adopts a broker's own sell as an order (purpose broker_liquidation), so its fills reach the engine as an exit. */
  private adoptBrokerOrder(x: Execution, symId: number): void {
    const qty = Math.max(x.orderQty ?? 0, Math.min(x.cumQty ?? x.qtyShares, this.held[symId]), x.qtyShares);
    const coid = x.clientOrderId !== undefined && !this.orders.has(x.clientOrderId) ? x.clientOrderId : `broker.${x.orderId ?? ""}`;
    const o = this.orders.adoptBrokerSell(coid, this.symbols[symId], symId, qty, x.orderId ?? "", x.timeMs, "a sell the broker made of shares the bot holds");
    if (typeof o === "string") return;
    this.adoptedOrders++;
    this.observer.adopted?.(o.intent, x.orderId ?? "", "broker_liquidation: a sell the broker made of shares the bot holds");
  }

  /** True when this execution (its order and cumulative quantity) has moved a position already. */
  hasApplied(x: Execution): boolean {
    return this.orders.hasFill({ brokerOrderId: x.orderId, clientOrderId: x.clientOrderId, cumQty: x.cumQty, executionId: x.executionId });
  }

  /** True when the engine made this order (sent, being sent, or adopted), whatever the broker answered so far. */
  hasIntent(clientOrderId: string): boolean {
    return this.orders.has(clientOrderId);
  }

  submit(intent: OrderIntent): SubmitResult {
    const rec = this.recovery;
    if (rec !== null) return rec.submit(intent, this.currentBar.tMs);
    const o = this.orders.add(intent);
    if (typeof o === "string") return { accepted: false, reason: o };
    this.seq.post(o);
    return { accepted: true };
  }

  cancel(clientOrderId: string): boolean {
    const o = this.orders.get(clientOrderId);
    if (o === undefined) return false;
    o.cancelRequested = true;
    if (this.recovery !== null) this.recovery.cancel(clientOrderId);
    else this.seq.cancel(o);
    return true;
  }

  /** The broker's replace where it can (PATCH), else cancel, wait for the end, post (see OrderSequencer.replace). */
  replace(oldClientOrderId: string, next: OrderIntent): SubmitResult {
    if (this.recovery !== null) return this.recovery.replace(oldClientOrderId, next, this.currentBar.tMs);
    if (!this.orders.has(oldClientOrderId)) return this.submit(next);
    const o = this.orders.replace(oldClientOrderId, next);
    if (typeof o === "string") return { accepted: false, reason: o };
    this.seq.replace(this.orders.get(oldClientOrderId) as Order, o);
    return { accepted: true };
  }

  liquidate(symId: number, _priceUsd: number, _timeMs: number, clientOrderId: string, purpose: string): void {
    this.observer.update?.("liquidate_skipped", clientOrderId, { symbol: this.symbols[symId], purpose, why: "a live venue closes positions with orders at the flatten, not at the end of a replay" });
  }

  /** Enters recovery: `orders` are every order the broker has for the replayed period. */
  beginRecovery(orders: readonly BrokerOrderLike[], edgeMs: number, refused: ReadonlyMap<string, LoggedEnd> = new Map()): void {
    this.recovery = new RecoveryPlan(orders, edgeMs, refused, {
      orders: this.orders,
      adopt: (o, b, why) => this.adopt(o, b, why),
      missed: () => this.missedEntries++,
    });
  }

  /** Tells the observer of a refusal (or an end after acceptance) the replay reached, as the broker told the run. */
  replayRefusal(clientOrderId: string, reason: string, endedAs?: EndStatus): void {
    const o = this.orders.get(clientOrderId);
    if (o === undefined) return;
    const timeMs = this.clock.nowMs();
    if (endedAs === undefined) {
      o.apply({ kind: "rejected", timeMs, reason });
      this.observer.rejected?.(o.intent, reason);
      return;
    }
    o.apply(endedAs === "rejected" ? { kind: "rejected", timeMs, reason } : { kind: endedAs, timeMs, reason });
    this.observer.ended?.({ clientOrderId, status: endedAs, reason, timeMs });
  }

  /** Refusals the replay reached since the last call (each was answered after its bar in the run). */
  takeReplayedRefusals(): ReplayedEnd[] {
    return this.recovery?.takeRefusals() ?? [];
  }

  /** Leaves recovery: sends what the broker lacks, in the order the engine asked. Returns what was sent. */
  finishRecovery(hold: (intent: OrderIntent) => string | null = () => null): { posted: string[]; canceled: string[]; held: { clientOrderId: string; reason: string }[] } {
    const rec = this.recovery;
    this.recovery = null;
    const out = { posted: [] as string[], canceled: [] as string[], held: [] as { clientOrderId: string; reason: string }[] };
    if (rec === null) return out;
    for (const a of rec.actions) {
      const o = this.orders.get(a.clientOrderId);
      if (o === undefined) continue;
      if (a.kind === "cancel") {
        this.seq.cancel(o);
        out.canceled.push(a.clientOrderId);
        continue;
      }
      const why = hold(o.intent);
      if (why !== null) {
        // Not sent (e.g. the kill switch went on while the bot was down): the engine hears it as a refusal.
        o.apply({ kind: "rejected", timeMs: this.clock.nowMs(), reason: why });
        out.held.push({ clientOrderId: a.clientOrderId, reason: why });
        continue;
      }
      this.seq.post(o);
      out.posted.push(a.clientOrderId);
    }
    return out;
  }

  /** A trade_updates message from the trading stream. */
  onTradeUpdate(u: TradeUpdateLike): void {
    this.updatesSeen++;
    const at = this.orders.locate(u.order.id, u.order.clientOrderId);
    const coid = at?.order.clientOrderId ?? u.order.clientOrderId ?? "";
    this.observer.update?.(u.event, coid, { price: u.price, qty: u.qty, leg: at?.leg === "stop" ? "stop" : null });
    if (u.event === "fill" || u.event === "partial_fill") {
      this.applyExecution(executionOf(u, this.clock.nowMs()));
      return;
    }
    // Which order a `replaced` update carries is undocumented: the old one (replaced_by set) or
    // the new one (replaces set). Either way the old order is the one that ends.
    const old = u.event === "replaced" && u.order.replaces ? this.orders.locate(u.order.replaces, undefined) : undefined;
    if (old !== undefined && old.order !== at?.order) {
      this.applyEvent(old.order, { kind: "replaced", timeMs: u.timestamp?.getTime() ?? this.clock.nowMs(), by: at?.order.clientOrderId ?? u.order.clientOrderId ?? "" }, "replaced");
      return;
    }
    if (at === undefined) return;
    const { order, leg } = at;
    const timeMs = u.timestamp?.getTime() ?? this.clock.nowMs();
    const e = eventOfUpdate(u, order.legs.length > 1 ? leg : "primary", timeMs, (id) => this.clientIdOf(id));
    if (e === null) return;
    // The stream can name an order before its POST answer does: its ids are filed from the first
    // message that carries them (an OCO's only from its parent, which lists the legs).
    if (e.kind === "accepted" && order.brokerId === null && u.order.id !== undefined && (order.type !== "oco" || (u.order.legs ?? []).length > 0)) {
      this.orders.apply(order.clientOrderId, { kind: "accepted", timeMs, brokerId: u.order.id, stopLegId: u.order.legs?.[0]?.id });
      return;
    }
    this.applyEvent(order, e, u.event);
    // An OCO's parent can report its legs' ends in one message: a canceled group ends both.
    if ((e.kind === "canceled" || e.kind === "expired") && leg === "primary" && order.legs.length > 1) {
      const stopLeg = u.order.legs?.[0];
      if (stopLeg?.status === "canceled" || stopLeg?.status === "expired") this.applyEvent(order, { kind: e.kind, timeMs, leg: "stop" }, u.event);
    }
  }

  private applyEvent(order: Order, e: Parameters<Order["apply"]>[0], what: string): void {
    const r = this.orders.apply(order.clientOrderId, e);
    if (!r.ok) {
      this.refusedTransitions++;
      this.observer.update?.("transition_refused", order.clientOrderId, { update: what, reason: r.reason });
      return;
    }
    if (r.ended) this.ended(order);
  }

  /** Moves an order by what the broker reports of it (a GET by id while the stream is silent). */
  private applyBrokerOrder(o: Order, b: BrokerOrderLike): void {
    const status = statusOfBroker(b.status);
    const timeMs = this.clock.nowMs();
    if (status === "canceled" || status === "expired") this.applyEvent(o, { kind: status, timeMs }, `${status} (read by id)`);
    else if (status === "rejected") this.applyEvent(o, { kind: "rejected", timeMs, reason: "rejected by the broker (read by id)" }, "rejected (read by id)");
  }

  /** An order ended: its waiters go on; an end the engine did not ask for reaches it. */
  private ended(o: Order): void {
    this.seq.wake(o);
    if (o.cancelRequested) return;
    if (o.status !== "rejected" && o.status !== "canceled" && o.status !== "expired") return;
    this.observer.ended?.({ clientOrderId: o.clientOrderId, status: o.status, reason: o.reason ?? o.status, timeMs: Number.isFinite(o.updatedMs) ? o.updatedMs : this.clock.nowMs() });
  }

  /** Fills of an OCO are told apart by leg, so they are found only by the broker id of the leg that filled. */
  private locateFill(x: Execution): { order: Order } | undefined {
    const at = this.orders.locate(x.orderId, x.clientOrderId);
    if (at === undefined) return undefined;
    if (at.order.type === "oco" && (x.orderId === undefined || this.orders.locate(x.orderId, undefined) === undefined)) return undefined;
    return at;
  }

  /**
   * Applies one execution once: the same execution seen on the stream and in the activities (or
   * twice on the stream) moves nothing the second time. Returns false for a duplicate or an order
   * the engine never made (reported, not applied: it is the reconciler's to explain).
   */
  applyExecution(x: Execution): boolean {
    const foreign = this.locateFill(x) === undefined ? this.adoptable(x) : null;
    if (foreign !== null) this.adoptBrokerOrder(x, foreign);
    if (this.locateFill(x) === undefined) {
      // The stream can beat the POST's answer: a bracket leg fills before the answer that names
      // the leg's id arrives. Such a fill waits for the answers under way, then is applied.
      if (this.inflight > 0 && x.orderId !== undefined) this.parked.push(x);
      else this.observer.update?.("unknown_fill", x.clientOrderId ?? "", { orderId: x.orderId ?? null, qty: x.qtyShares, price: x.priceUsd });
      return false;
    }
    const out = this.orders.fill({ brokerOrderId: x.orderId, clientOrderId: x.clientOrderId, cumQty: x.cumQty, qtyShares: x.qtyShares, priceUsd: x.priceUsd, timeMs: x.timeMs, executionId: x.executionId });
    if (out.kind === "duplicate" || out.kind === "unknown") return false;
    if (out.kind === "refused") {
      this.observer.update?.("bad_fill", out.order.clientOrderId, { qty: x.qtyShares, price: x.priceUsd, why: out.reason });
      return false;
    }
    const o = out.order;
    this.fillsSeen++;
    const signed = o.side === "buy" ? x.qtyShares : -x.qtyShares;
    this.held[o.symId] += signed;
    this.cash -= signed * x.priceUsd;
    if (Number.isNaN(this.last[o.symId])) this.last[o.symId] = x.priceUsd;
    if (o.finished) this.seq.wake(o);
    this.onFill({
      clientOrderId: o.clientOrderId,
      symbol: o.symbol,
      symId: o.symId,
      side: o.side,
      qtyShares: x.qtyShares,
      priceUsd: x.priceUsd,
      timeMs: x.timeMs,
      purpose: out.leg === "stop" ? "stop" : purposeLabel(o.purpose),
    });
    return true;
  }

  /** Fills whose order was not known yet when they came, while POST answers were under way. */
  private parked: Execution[] = [];

  /** Retries parked fills once an answer named their order; with nothing left under way, what is still unknown is reported. */
  private unpark(): void {
    if (this.parked.length === 0) return;
    const waiting = this.parked;
    this.parked = [];
    for (const x of waiting) {
      if (this.locateFill(x) !== undefined || this.inflight === 0) this.applyExecution(x);
      else this.parked.push(x);
    }
  }

  /** Resolves once no request is under way, or after `maxMs` (false: some are still out). */
  async settled(maxMs: number): Promise<boolean> {
    const t0 = Date.now();
    while (this.inflight > 0) {
      if (Date.now() - t0 >= maxMs) return false;
      await sleep(5);
    }
    return true;
  }

  private adopt(o: Order, b: BrokerOrderLike, why: string): void {
    this.adoptedOrders++;
    const id = b.id ?? "";
    this.orders.apply(o.clientOrderId, { kind: "adopted", timeMs: this.clock.nowMs(), brokerId: id, stopLegId: b.legs?.[0]?.id, status: statusOfBroker(b.status) ?? "accepted", why });
    this.observer.adopted?.(o.intent, id, why);
  }
}

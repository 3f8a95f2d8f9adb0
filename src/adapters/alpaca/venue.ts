import type { BarView } from "../../core/bars.ts";
import type { Fill, OrderIntent } from "../../core/types.ts";
import type { SubmitResult, Venue, VenueFactory } from "../../broker/venue.ts";
import { MARKET_BUY_CUSHION } from "../../broker/fill-model.ts";
import type { AlpacaClient } from "./client.ts";
import { systemClock, type Clock } from "../../core/clock.ts";
import { errorMessage } from "./broker-errors.ts";
import { OrderCalls, sleep } from "./order-calls.ts";

/** What the venue reports besides fills: the daemon journals and records these. */
export interface VenueObserver {
  /** The intent is about to be POSTed for the first time: record it (the returned promise must settle before the POST leaves). */
  beforePost?(intent: OrderIntent): Promise<void> | void;
  submitted?(intent: OrderIntent): void;
  acknowledged?(intent: OrderIntent, brokerId: string): void;
  /** The broker already had the order (found by client_order_id after a restart or an ambiguous failure): nothing was sent again. */
  adopted?(intent: OrderIntent, brokerId: string, why: string): void;
  rejected?(intent: OrderIntent, reason: string): void;
  update?(event: string, clientOrderId: string, detail: Readonly<Record<string, unknown>>): void;
}

/** An order as the broker lists it (the SDK's Order has these fields). */
export interface BrokerOrderLike {
  readonly id?: string;
  readonly clientOrderId?: string;
  readonly status?: string;
  readonly legs?: readonly { readonly id?: string }[] | null;
}

/** One execution, from a trade update or from the fill activities fetched after a gap. */
export interface Execution {
  readonly executionId: string;
  /** The broker id of the order that filled (an OCO's stop leg has its own). */
  readonly orderId?: string;
  readonly clientOrderId?: string;
  readonly qtyShares: number;
  readonly priceUsd: number;
  readonly timeMs: number;
}

/** The subset of a trade_updates message the venue reads (the SDK's TradeUpdate has these). */
export interface TradeUpdateLike {
  readonly event: string;
  readonly timestamp?: Date;
  readonly executionId?: string;
  readonly price?: string;
  readonly qty?: string;
  readonly order: BrokerOrderLike;
}

export interface AlpacaVenueOptions {
  /** Stamps a fill the broker sent without a time (the replay clock on the local exchange). */
  readonly clock?: Clock;
  /** After an ambiguous POST failure: how many times to look the order up and post it again (same client id). */
  readonly postAttempts?: number;
  readonly retryDelayMs?: number;
}

type RecoveryAction = { readonly kind: "post"; readonly intent: OrderIntent } | { readonly kind: "cancel"; readonly clientOrderId: string };

interface Recovery {
  /** The broker's orders by client order id, as fetched at the start of recovery. */
  readonly known: ReadonlyMap<string, BrokerOrderLike>;
  /** Start of the newest replayed minute: an entry decided on an older bar was missed while the bot was down. */
  readonly edgeMs: number;
  /** What the rebuilt engine asked for that the broker does not have yet, in the order asked. */
  readonly actions: RecoveryAction[];
  /** Orders the broker refused after their POST in the run being replayed (from the intent log). */
  readonly refused: ReadonlyMap<string, string>;
  /** Refusals the replay has reached, for the daemon to hand the engine after the current bar. */
  readonly refusedDue: { clientOrderId: string; reason: string }[];
}

const OPEN_STATUSES = new Set(["new", "accepted", "pending_new", "partially_filled", "held", "accepted_for_bidding", "pending_replace", "calculated"]);

/**
 * The engine's venue on Alpaca (paper or the local exchange) through the official SDK. Orders are
 * POSTed asynchronously; fills come back from the trading stream (or, after a gap, from the fill
 * activities) and reach the engine once each, de-duplicated by execution id.
 *
 * Recovery: after a restart the daemon replays the session through a fresh engine with the venue
 * in recovery mode. Every order the engine asks for is first looked for at the broker by its
 * deterministic client order id and adopted when found; nothing is sent until the replay has
 * caught up, and then only what the broker lacks (an entry whose signal bar is already past is
 * dropped as missed, never sent late).
 */
export class AlpacaVenue implements Venue {
  private readonly intents = new Map<string, OrderIntent>();
  private readonly brokerIds = new Map<string, string>();
  /** Broker ids of an order and its legs -> the client order id the engine knows (an OCO's stop leg has ids of its own). */
  private readonly byBrokerId = new Map<string, { coid: string; leg: "stop" | null }>();
  private readonly seenExecutions = new Set<string>();
  private readonly last: Float64Array;
  /**
   * REST calls run one after another per symbol, in the order the engine made them: a stop move
   * cancels the old exits and places new ones, and if a new sell overtook a cancel on another
   * connection the broker would refuse it for lack of free shares.
   */
  private readonly queues: Promise<unknown>[];
  /** Calls queued or under way per symbol. */
  private readonly pending: Int32Array;
  /** Cash as of the last account fetch, moved by every fill since; shares held per symbol, from fills. */
  private cash = 0;
  private readonly held: Float64Array;
  private recovery: Recovery | null = null;
  private readonly clock: Clock;
  /** The broker calls with their retry rules (post, cancel, lookup). */
  private readonly calls: OrderCalls;
  /** REST calls under way; the replay driver waits for zero before the next minute. */
  inflight = 0;
  updatesSeen = 0;
  /** Orders found at the broker by client order id instead of being sent (a restart, an ambiguous failure). */
  adoptedOrders = 0;
  /** Entries the recovery dropped because their signal bar passed while the bot was down. */
  missedEntries = 0;
  /** Distinct executions applied (a lock-step driver compares this with the exchange's count). */
  fillsSeen = 0;

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
    this.queues = symbols.map(() => Promise.resolve());
    this.pending = new Int32Array(symbols.length);
    this.clock = opts.clock ?? systemClock;
    this.calls = new OrderCalls(alpaca, (event, coid, detail) => this.observer.update?.(event, coid, detail), opts.postAttempts ?? 4, opts.retryDelayMs ?? 500);
  }

  static factory(alpaca: AlpacaClient, observer: VenueObserver, ref: { venue?: AlpacaVenue }, opts: AlpacaVenueOptions = {}): VenueFactory {
    return (symbols, onFill, currentBar) => (ref.venue = new AlpacaVenue(alpaca, symbols, onFill, observer, currentBar, opts));
  }

  async refreshAccount(): Promise<void> {
    this.inflight++;
    try {
      const a = await this.alpaca.trading.account.getAccount();
      this.cash = Number(a.cash);
    } finally {
      this.inflight--;
    }
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
    return this.byBrokerId.get(brokerOrderId)?.coid;
  }

  /** True once the engine has made the order an execution fills (by the broker's id, or the client id). */
  knowsOrderOf(x: Execution): boolean {
    return (x.orderId !== undefined && this.byBrokerId.has(x.orderId)) || (x.clientOrderId !== undefined && this.intents.has(x.clientOrderId));
  }

  submit(intent: OrderIntent): SubmitResult {
    if (this.intents.has(intent.clientOrderId)) return { accepted: false, reason: "client_order_id must be unique" };
    const rec = this.recovery;
    if (rec !== null) {
      const found = rec.known.get(intent.clientOrderId);
      this.intents.set(intent.clientOrderId, intent);
      const refusal = rec.refused.get(intent.clientOrderId);
      if (refusal !== undefined && found === undefined) {
        rec.refusedDue.push({ clientOrderId: intent.clientOrderId, reason: refusal });
        return { accepted: true };
      }
      if (found !== undefined) {
        this.adopt(intent, found, "recovered");
        return { accepted: true };
      }
      const isBuy = intent.side === "buy";
      if (isBuy && this.currentBar.tMs < rec.edgeMs) {
        this.intents.delete(intent.clientOrderId);
        this.missedEntries++;
        return { accepted: false, reason: `missed: the bot was down when bar ${new Date(this.currentBar.tMs).toISOString()} closed` };
      }
      rec.actions.push({ kind: "post", intent });
      return { accepted: true };
    }
    this.intents.set(intent.clientOrderId, intent);
    this.send(intent);
    return { accepted: true };
  }

  cancel(clientOrderId: string): boolean {
    const intent = this.intents.get(clientOrderId);
    if (intent === undefined) return false;
    const rec = this.recovery;
    if (rec !== null) {
      const pending = rec.actions.findIndex((a) => a.kind === "post" && a.intent.clientOrderId === clientOrderId);
      if (pending >= 0) rec.actions.splice(pending, 1);
      else if (OPEN_STATUSES.has(rec.known.get(clientOrderId)?.status ?? "")) rec.actions.push({ kind: "cancel", clientOrderId });
      return true;
    }
    this.inflight++;
    // Queued behind the order's own POST, so the broker id is known (or the POST failed) by the
    // time this runs, and the cancel lands before any order the engine placed after it.
    this.enqueue(intent.symId, async () => {
      const id = this.brokerIds.get(clientOrderId);
      if (id !== undefined) await this.calls.cancel(clientOrderId, id);
    })
      .catch((e: unknown) => this.observer.update?.("cancel_failed", clientOrderId, { reason: errorMessage(e) }))
      .finally(() => {
        this.inflight--;
        this.unpark();
      });
    return true;
  }

  /** Cancel, then post (the per-symbol queue keeps them in order). */
  replace(oldClientOrderId: string, next: OrderIntent): SubmitResult {
    this.cancel(oldClientOrderId);
    return this.submit(next);
  }

  liquidate(symId: number, _priceUsd: number, _timeMs: number, clientOrderId: string, purpose: string): void {
    this.observer.update?.("liquidate_skipped", clientOrderId, { symbol: this.symbols[symId], purpose, why: "a live venue closes positions with orders at the flatten, not at the end of a replay" });
  }

  /** Enters recovery: `orders` are every order the broker has for the replayed period. */
  beginRecovery(orders: readonly BrokerOrderLike[], edgeMs: number, refused: ReadonlyMap<string, string> = new Map()): void {
    const known = new Map<string, BrokerOrderLike>();
    for (const o of orders) if (o.clientOrderId) known.set(o.clientOrderId, o);
    this.recovery = { known, edgeMs, actions: [], refused, refusedDue: [] };
  }

  /** Tells the observer of a refusal the replay reached, as the broker told the run. */
  replayRefusal(clientOrderId: string, reason: string): void {
    const intent = this.intents.get(clientOrderId);
    if (intent !== undefined) this.observer.rejected?.(intent, reason);
  }

  /** Refusals the replay reached since the last call (each was answered after its bar in the run). */
  takeReplayedRefusals(): { clientOrderId: string; reason: string }[] {
    const r = this.recovery;
    if (r === null || r.refusedDue.length === 0) return [];
    return r.refusedDue.splice(0);
  }

  /** Leaves recovery: sends what the broker lacks, in the order the engine asked. Returns what was sent. */
  finishRecovery(hold: (intent: OrderIntent) => string | null = () => null): { posted: string[]; canceled: string[]; held: { clientOrderId: string; reason: string }[] } {
    const rec = this.recovery;
    this.recovery = null;
    const out = { posted: [] as string[], canceled: [] as string[], held: [] as { clientOrderId: string; reason: string }[] };
    if (rec === null) return out;
    for (const a of rec.actions) {
      const why = a.kind === "post" ? hold(a.intent) : null;
      if (why !== null && a.kind === "post") {
        // Not sent (e.g. the kill switch went on while the bot was down): the engine hears it as a refusal.
        this.intents.delete(a.intent.clientOrderId);
        out.held.push({ clientOrderId: a.intent.clientOrderId, reason: why });
        continue;
      }
      if (a.kind === "post") {
        this.send(a.intent);
        out.posted.push(a.intent.clientOrderId);
      } else {
        this.cancel(a.clientOrderId);
        out.canceled.push(a.clientOrderId);
      }
    }
    return out;
  }

  /** A trade_updates message from the trading stream. */
  onTradeUpdate(u: TradeUpdateLike): void {
    this.updatesSeen++;
    const mapped = u.order.id === undefined ? undefined : this.byBrokerId.get(u.order.id);
    const coid = mapped?.coid ?? u.order.clientOrderId ?? "";
    const leg = mapped?.leg ?? null;
    this.observer.update?.(u.event, coid, { price: u.price, qty: u.qty, leg });
    if (u.event === "fill" || u.event === "partial_fill") this.applyExecution(executionOf(u, this.clock.nowMs()));
  }

  /**
   * Applies one execution once: a fill seen on the stream and again in the activities (or twice
   * on the stream) moves nothing the second time. Returns false for a duplicate or an order the
   * engine never made (reported, not applied: it is the reconciler's to explain).
   */
  applyExecution(x: Execution): boolean {
    if (this.seenExecutions.has(x.executionId)) return false;
    const mapped = x.orderId === undefined ? undefined : this.byBrokerId.get(x.orderId);
    const coid = mapped?.coid ?? x.clientOrderId ?? "";
    const intent = this.intents.get(coid);
    if (intent === undefined) {
      // The stream can beat the POST's answer: a bracket leg fills before the answer that names
      // the leg's id arrives. Such a fill waits for the answers under way, then is applied.
      if (this.inflight > 0 && x.orderId !== undefined) this.parked.push(x);
      else this.observer.update?.("unknown_fill", coid, { orderId: x.orderId ?? null, qty: x.qtyShares, price: x.priceUsd });
      return false;
    }
    if (!(x.qtyShares > 0) || !(x.priceUsd > 0)) {
      this.observer.update?.("bad_fill", coid, { qty: x.qtyShares, price: x.priceUsd, why: "a fill needs a positive qty and price" });
      return false;
    }
    this.seenExecutions.add(x.executionId);
    this.fillsSeen++;
    const signed = intent.side === "buy" ? x.qtyShares : -x.qtyShares;
    this.held[intent.symId] += signed;
    this.cash -= signed * x.priceUsd;
    if (Number.isNaN(this.last[intent.symId])) this.last[intent.symId] = x.priceUsd;
    this.onFill({
      clientOrderId: coid,
      symbol: intent.symbol,
      symId: intent.symId,
      side: intent.side,
      qtyShares: x.qtyShares,
      priceUsd: x.priceUsd,
      timeMs: x.timeMs,
      purpose: mapped?.leg === "stop" ? "stop" : intent.purpose,
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
      if (this.seenExecutions.has(x.executionId)) continue;
      if (this.byBrokerId.has(x.orderId ?? "") || this.inflight === 0) this.applyExecution(x);
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

  /** True when the engine made this order (sent, being sent, or adopted), whatever the broker answered so far. */
  hasIntent(clientOrderId: string): boolean {
    return this.intents.has(clientOrderId);
  }

  hasSeenExecution(executionId: string): boolean {
    return this.seenExecutions.has(executionId);
  }

  private adopt(intent: OrderIntent, o: BrokerOrderLike, why: string): void {
    this.adoptedOrders++;
    const id = this.remember(intent, o);
    this.observer.adopted?.(intent, id, why);
  }

  /** Maps the broker's ids of an order and its legs to the client order id the engine knows. */
  private remember(intent: OrderIntent, o: BrokerOrderLike): string {
    const id = o.id ?? "";
    this.brokerIds.set(intent.clientOrderId, id);
    this.byBrokerId.set(id, { coid: intent.clientOrderId, leg: null });
    for (const leg of o.legs ?? []) if (leg.id) this.byBrokerId.set(leg.id, { coid: intent.clientOrderId, leg: "stop" });
    return id;
  }

  private send(intent: OrderIntent): void {
    this.inflight++;
    this.enqueue(intent.symId, async () => {
      await this.observer.beforePost?.(intent);
      this.observer.submitted?.(intent);
      return this.calls.post(intent);
    })
      .then((r) => {
        if (r.adoptedWhy !== null) return this.adopt(intent, r.order, r.adoptedWhy);
        // Not inside the optional call: `?.` would skip remembering when nobody observes acks.
        const id = this.remember(intent, r.order);
        this.observer.acknowledged?.(intent, id);
      })
      .catch((e: unknown) => this.observer.rejected?.(intent, errorMessage(e)))
      .finally(() => {
        this.inflight--;
        this.unpark();
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

/** The execution a fill or partial_fill update reports; without an execution id, the order, quantity and time identify it. */
export function executionOf(u: TradeUpdateLike, nowMs: number): Execution {
  return {
    executionId: u.executionId ?? `${u.order.id ?? u.order.clientOrderId ?? ""}:${u.qty ?? ""}:${u.timestamp?.getTime() ?? ""}`,
    orderId: u.order.id,
    clientOrderId: u.order.clientOrderId,
    qtyShares: Number(u.qty),
    priceUsd: Number(u.price),
    timeMs: u.timestamp?.getTime() ?? nowMs,
  };
}

function startNow<T>(call: () => Promise<T>): Promise<T> {
  try {
    return call();
  } catch (e) {
    return Promise.reject(e as Error);
  }
}



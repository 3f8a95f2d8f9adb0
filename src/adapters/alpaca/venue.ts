import type { BarView } from "../../core/bars.ts";
import type { Fill, OrderIntent } from "../../core/types.ts";
import type { SubmitResult, Venue, VenueFactory } from "../../broker/venue.ts";
import { MARKET_BUY_CUSHION } from "../../broker/fill-model.ts";
import type { AlpacaClient } from "./client.ts";
import { systemClock, type Clock } from "../../core/clock.ts";

/** What the venue reports besides fills: the daemon journals these. */
export interface VenueObserver {
  submitted?(intent: OrderIntent): void;
  acknowledged?(intent: OrderIntent, brokerId: string): void;
  rejected?(intent: OrderIntent, reason: string): void;
  update?(event: string, clientOrderId: string, detail: Readonly<Record<string, unknown>>): void;
}

/** The subset of a trade_updates message the venue reads (the SDK's TradeUpdate has these). */
export interface TradeUpdateLike {
  readonly event: string;
  readonly timestamp?: Date;
  readonly price?: string;
  readonly qty?: string;
  readonly order: { readonly clientOrderId?: string; readonly id?: string; readonly legs?: readonly { readonly id?: string }[] | null };
}

/**
 * The engine's venue on Alpaca (paper or the local exchange) through the official SDK. Orders are
 * POSTed asynchronously; fills come back from the trading stream and reach the engine as they
 * arrive. Cash comes from the account at start and moves with each fill; equity marks the
 * shares held at the last bar's close.
 */
export class AlpacaVenue implements Venue {
  private readonly intents = new Map<string, OrderIntent>();
  private readonly brokerIds = new Map<string, string>();
  /** Broker ids of OCO stop legs -> the OCO's client order id (a leg has a client id of its own). */
  private readonly stopLegs = new Map<string, string>();
  private readonly last: Float64Array;
  /**
   * REST calls run one after another per symbol, in the order the engine made them: a stop move
   * cancels the old exits and places new ones, and if a new sell overtook a cancel on another
   * connection the broker would refuse it for lack of free shares.
   */
  private readonly queues: Promise<unknown>[];
  /** Cash as of the last account fetch, moved by every fill since; shares held per symbol, from fills. */
  private cash = 0;
  private readonly held: Float64Array;
  /** REST calls under way; the replay driver waits for zero before the next minute. */
  inflight = 0;
  updatesSeen = 0;

  constructor(
    private readonly alpaca: AlpacaClient,
    readonly symbols: readonly string[],
    private readonly onFill: (f: Fill) => void,
    private readonly observer: VenueObserver = {},
    /** Stamps a fill the broker sent without a time (the replay clock on the local exchange). */
    private readonly clock: Clock = systemClock,
  ) {
    this.last = new Float64Array(symbols.length).fill(NaN);
    this.held = new Float64Array(symbols.length);
    this.queues = symbols.map(() => Promise.resolve());
  }

  static factory(alpaca: AlpacaClient, observer: VenueObserver, ref: { venue?: AlpacaVenue }, clock: Clock = systemClock): VenueFactory {
    return (symbols, onFill) => (ref.venue = new AlpacaVenue(alpaca, symbols, onFill, observer, clock));
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

  submit(intent: OrderIntent): SubmitResult {
    if (this.intents.has(intent.clientOrderId)) return { accepted: false, reason: "client_order_id must be unique" };
    this.intents.set(intent.clientOrderId, intent);
    this.observer.submitted?.(intent);
    this.inflight++;
    this.enqueue(intent.symId, () => this.post(intent))
      .then((o) => {
        const id = o.id ?? "";
        this.brokerIds.set(intent.clientOrderId, id);
        for (const leg of o.legs ?? []) if (leg.id) this.stopLegs.set(leg.id, intent.clientOrderId);
        this.observer.acknowledged?.(intent, id);
      })
      .catch((e: unknown) => this.observer.rejected?.(intent, e instanceof Error ? e.message : String(e)))
      .finally(() => this.inflight--);
    return { accepted: true };
  }

  cancel(clientOrderId: string): boolean {
    const intent = this.intents.get(clientOrderId);
    if (intent === undefined) return false;
    this.inflight++;
    // Queued behind the order's own POST, so the broker id is known (or the POST failed) by the
    // time this runs, and the cancel lands before any order the engine placed after it.
    this.enqueue(intent.symId, async () => {
      const id = this.brokerIds.get(clientOrderId);
      if (id !== undefined) await this.alpaca.trading.orders.deleteOrderByOrderID({ orderId: id });
    })
      .catch((e: unknown) => this.observer.update?.("cancel_failed", clientOrderId, { reason: e instanceof Error ? e.message : String(e) }))
      .finally(() => this.inflight--);
    return true;
  }

  liquidate(symId: number, _priceUsd: number, _timeMs: number, clientOrderId: string, purpose: string): void {
    this.observer.update?.("liquidate_skipped", clientOrderId, { symbol: this.symbols[symId], purpose, why: "a live venue closes positions with orders at the flatten, not at the end of a replay" });
  }

  /** A trade_updates message from the trading stream. */
  onTradeUpdate(u: TradeUpdateLike): void {
    this.updatesSeen++;
    // An OCO's stop leg reports under its own ids: map it back to the OCO, whose stop it is.
    const legOf = u.order.id === undefined ? undefined : this.stopLegs.get(u.order.id);
    const coid = legOf ?? u.order.clientOrderId ?? "";
    const intent = this.intents.get(coid);
    this.observer.update?.(u.event, coid, { price: u.price, qty: u.qty, leg: legOf === undefined ? null : "stop" });
    if (intent === undefined || (u.event !== "fill" && u.event !== "partial_fill")) return;
    const qty = Number(u.qty);
    const price = Number(u.price);
    if (!(qty > 0) || !(price > 0)) return;
    const signed = intent.side === "buy" ? qty : -qty;
    this.held[intent.symId] += signed;
    this.cash -= signed * price;
    if (Number.isNaN(this.last[intent.symId])) this.last[intent.symId] = price;
    this.onFill({
      clientOrderId: coid,
      symbol: intent.symbol,
      symId: intent.symId,
      side: intent.side,
      qtyShares: qty,
      priceUsd: price,
      timeMs: u.timestamp?.getTime() ?? this.clock.nowMs(),
      purpose: legOf === undefined ? intent.purpose : "stop",
    });
  }

  private enqueue<T>(symId: number, call: () => Promise<T>): Promise<T> {
    const next = this.queues[symId].then(call, call);
    // The queue only orders calls; a failure is the caller's to handle, not the next call's.
    this.queues[symId] = next.catch(() => undefined);
    return next;
  }

  private post(i: OrderIntent): Promise<{ id?: string; legs?: { id?: string }[] | null }> {
    const common = { symbol: i.symbol, qty: i.qtyShares, side: i.side, timeInForce: "day" as const, clientOrderId: i.clientOrderId };
    const o = this.alpaca.trading.orders;
    if (i.type === "oco") return o.oco({ ...common, takeProfit: { limitPrice: i.limitPriceUsd ?? NaN }, stopLoss: { stopPrice: i.stopPriceUsd ?? NaN } });
    if (i.type === "limit") return o.limit({ ...common, limitPrice: i.limitPriceUsd ?? NaN });
    if (i.type === "stop") return o.stop({ ...common, stopPrice: i.stopPriceUsd ?? NaN });
    return o.market(common);
  }
}

import { randomUUID } from "node:crypto";
import { MARKET_BUY_CUSHION, buyLimitFill, buyStopFill, frictionPerSide, sellLimitFill, sellStopFill, withFriction } from "../broker/fill-model.ts";
import { ET_MINUTE, etToUtcMs, NyTime } from "../core/ny-time.ts";
import { SeededRng } from "../core/rng.ts";
import type { ParsedOrder, Working } from "./order-classes.ts";
import { cancelGroup, invalid, linkExitPair, ocoPick, parseOrder } from "./order-classes.ts";
import type { AlpacaOrder, ExBar, OrderRequest, OrderStatus, TradeEvent, TradeUpdate } from "./types.ts";
import { ERR, ExchangeError, numStr } from "./types.ts";

/**
 * The pure in-memory order book and cash account of the local paper exchange: no IO, no timers.
 * The caller owns the replay clock (`advanceTo`) and feeds bars (`onBar`); every state change is
 * reported to the listeners as an Alpaca trade update.
 *
 * Fill timing: an order is only evaluated against bars that START at or after the order arrived,
 * so nothing fills on prices it could not have seen. The one exception is a market order that
 * arrived while a bar was forming (bar start < arrival): it fills at that bar's close, the first
 * price after it arrived. With the server's discrete clock (it sits at the end of the last bar)
 * market orders therefore fill at the next bar's open. Stops and limits use the shared fill model.
 */

export interface BookOptions {
  readonly initialCashUsd: number;
  /** Round-trip friction in percent, half charged on each fill (see fill-model `frictionPerSide`). */
  readonly frictionPctRoundTrip: number;
  /** Tradable symbols; others are refused. Undefined accepts any symbol. */
  readonly symbols?: readonly string[];
  /** Deterministic partial fills: this fraction of market orders fills in two pieces on consecutive bars. */
  readonly partialFill?: { readonly fraction: number; readonly seed: number };
  /** Start of the replay clock (epoch ms). */
  readonly startMs?: number;
}

export interface Position {
  readonly symbol: string;
  qty: number;
  avgEntryUsd: number;
}


export class Book {
  cashUsd: number;
  nowMs: number;
  private readonly positions = new Map<string, Position>();
  private readonly orders = new Map<string, Working>();
  private readonly byClientId = new Map<string, string>();
  private readonly lastPrice = new Map<string, number>();
  private readonly listeners = new Set<(u: TradeUpdate) => void>();
  private readonly friction: number;
  private readonly symbols: ReadonlySet<string> | null;
  private readonly rng: SeededRng | null;
  private readonly ny = new NyTime();

  constructor(private readonly opts: BookOptions) {
    this.cashUsd = opts.initialCashUsd;
    this.nowMs = opts.startMs ?? 0;
    this.friction = frictionPerSide(opts.frictionPctRoundTrip);
    this.symbols = opts.symbols ? new Set(opts.symbols) : null;
    this.rng = opts.partialFill ? new SeededRng(opts.partialFill.seed) : null;
  }

  onUpdate(fn: (u: TradeUpdate) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get initialCashUsd(): number {
    return this.opts.initialCashUsd;
  }

  price(symbol: string): number | undefined {
    return this.lastPrice.get(symbol);
  }

  position(symbol: string): Position | undefined {
    return this.positions.get(symbol);
  }

  allPositions(): Position[] {
    return [...this.positions.values()].sort((a, b) => a.symbol.localeCompare(b.symbol));
  }

  /** Cash less what open buy orders would spend (a cash account: multiplier 1). */
  buyingPowerUsd(): number {
    let reserved = 0;
    for (const w of this.orders.values()) {
      if (isOpen(w.order) && w.order.side === "buy") reserved += (w.qty - w.filledQty) * this.reservePrice(w);
    }
    return this.cashUsd - reserved;
  }

  equityUsd(): number {
    let eq = this.cashUsd;
    for (const p of this.positions.values()) eq += p.qty * (this.lastPrice.get(p.symbol) ?? p.avgEntryUsd);
    return eq;
  }

  order(id: string): AlpacaOrder | undefined {
    return this.orders.get(id)?.order;
  }

  orderByClientId(clientOrderId: string): AlpacaOrder | undefined {
    const id = this.byClientId.get(clientOrderId);
    return id === undefined ? undefined : this.order(id);
  }

  /** All orders, newest first. */
  allOrders(): AlpacaOrder[] {
    return [...this.orders.values()].map((w) => w.order).reverse();
  }

  submit(req: OrderRequest): AlpacaOrder {
    const p = parseOrder(req);
    if (this.symbols && !this.symbols.has(p.symbol)) throw new ExchangeError(422, ERR.invalid, `asset "${p.symbol}" not found`);
    const cid = p.cid ?? randomUUID();
    // Unique across every order ever, filled and canceled ones included: reuse is refused, never replayed.
    if (this.byClientId.has(cid)) throw invalid("client_order_id must be unique");
    const w = this.working(p, cid, "new");
    if (p.side === "buy") this.checkBuyingPower(w);
    else this.checkSellable(p.symbol, p.qty);
    if (p.type === "market" && p.qty >= 2 && this.rng && this.opts.partialFill) w.split = this.rng.next() < this.opts.partialFill.fraction;
    const legs = p.cls === "simple" ? [] : this.exitLegs(w, p);
    for (const x of [w, ...legs]) {
      this.orders.set(x.order.id, x);
      this.byClientId.set(x.order.client_order_id, x.order.id);
    }
    this.emit("new", w);
    return w.order;
  }

  private working(p: ParsedOrder, cid: string, status: OrderStatus): Working {
    const expiryMs = p.tif === "day" ? this.dayExpiry(this.nowMs) : Infinity;
    const w: Working = { order: null as unknown as AlpacaOrder, qty: p.qty, filledQty: 0, filledNotional: 0, limit: p.limit, stop: p.stop, arrivalMs: this.nowMs, split: false, expiryMs, legs: [], reserves: true };
    const ts = this.iso();
    const { symbol, side, type } = p;
    w.order = {
      id: randomUUID(), client_order_id: cid, created_at: ts, updated_at: ts, submitted_at: ts,
      filled_at: null, expired_at: null, canceled_at: null, failed_at: null, replaced_at: null, replaced_by: null, replaces: null,
      asset_id: assetId(symbol), symbol, asset_class: "us_equity", notional: null, qty: String(p.qty), filled_qty: "0",
      filled_avg_price: null, order_class: p.cls, order_type: type, type, side,
      position_intent: side === "buy" ? "buy_to_open" : "sell_to_close", time_in_force: p.tif,
      limit_price: type === "limit" ? numStr(p.limit) : null, stop_price: type === "stop" ? numStr(p.stop) : null,
      status, extended_hours: false, legs: null, trail_percent: null, trail_price: null, hwm: null,
    };
    return w;
  }

  /**
   * The exit legs of an oco (parent = limit leg, one stop leg) or a bracket (parent = entry, a
   * take-profit limit and a stop-loss stop, held until the entry fills). Legs share the parent's tif.
   */
  private exitLegs(parent: Working, p: ParsedOrder): Working[] {
    const leg = (type: "limit" | "stop", status: OrderStatus): Working =>
      this.working({ ...p, side: "sell", type, limit: type === "limit" ? p.takeProfit : NaN, stop: type === "stop" ? p.stopLoss : NaN }, randomUUID(), status);
    const stop = leg("stop", p.cls === "oco" ? "new" : "held");
    linkExitPair(parent, p.cls === "oco" ? parent : leg("limit", "held"), stop);
    return parent.legs;
  }

  /** A bracket entry filled (some more): its exits become active and cover everything filled so far. */
  private armExits(entry: Working): void {
    for (const l of entry.legs) {
      if (!isOpen(l.order)) continue;
      l.qty = entry.filledQty;
      l.order.qty = String(l.qty);
      if (l.order.status !== "held") continue;
      // Active from the end of the entry's bar: the bar that filled the entry cannot also fill an exit.
      l.arrivalMs = this.nowMs;
      l.order.status = "new";
      l.order.updated_at = this.iso();
      this.emit("new", l);
    }
  }

  /** Cancels an order and what goes with it (see `cancelGroup`). */
  cancel(id: string): AlpacaOrder {
    const w = this.orders.get(id);
    if (!w) throw new ExchangeError(404, ERR.notFound, "order not found");
    if (!isOpen(w.order)) throw new ExchangeError(422, ERR.unprocessable, `order is not cancelable (status ${w.order.status})`);
    for (const x of cancelGroup(w)) if (isOpen(x.order)) this.close(x, "canceled");
    return w.order;
  }

  /** Parents before their legs (insertion order), so canceling all goes parent first. */
  openOrderIds(): string[] {
    return [...this.orders.values()].filter((w) => isOpen(w.order)).map((w) => w.order.id);
  }

  /** Moves the replay clock forward, expiring day orders whose session has closed. */
  advanceTo(tMs: number): void {
    if (tMs < this.nowMs) return;
    this.nowMs = tMs;
    for (const w of [...this.orders.values()]) {
      if (isOpen(w.order) && tMs >= w.expiryMs) this.close(w, "expired");
    }
  }

  /** A day order lives until the 16:00 New York close of its day, or of the next weekday when it arrived after the close. */
  private dayExpiry(arrivalMs: number): number {
    let day = this.ny.etDay(arrivalMs);
    if (this.ny.etMinute(arrivalMs) >= ET_MINUTE.close) day++;
    // etDay 0 was a Thursday: (day + 4) % 7 is 0 on Sundays, 6 on Saturdays.
    while ((day + 4) % 7 === 0 || (day + 4) % 7 === 6) day++;
    return etToUtcMs(day, ET_MINUTE.close);
  }

  /**
   * A new bar of `bar.symbol` has completed: fill what it fills, in order of arrival. Fills are
   * stamped `atMs` (the server passes the bar's end: a fill is only known once its bar is), which
   * moves the clock without expiring anything, so a day order can still fill on the session's last bar.
   */
  onBar(bar: ExBar, atMs = this.nowMs): void {
    this.nowMs = Math.max(this.nowMs, atMs);
    // A snapshot: orders placed by listeners while this bar fills arrived after it, so it cannot fill them.
    // Market orders go first: they fill at the open, before anything can trade inside the bar.
    const all = [...this.orders.values()];
    for (const w of [...all.filter((x) => x.order.type === "market"), ...all.filter((x) => x.order.type !== "market")]) {
      if (w.order.symbol !== bar.symbol || !isOpen(w.order) || w.order.status === "held") continue;
      const peer = w.peer && isOpen(w.peer.order) ? w.peer : undefined;
      const pick = peer ? ocoPick([[w, this.rawFill(w, bar)], [peer, this.rawFill(peer, bar)]]) : ([w, this.rawFill(w, bar)] as const);
      if (!pick || Number.isNaN(pick[1])) continue;
      const [x, raw] = pick;
      const qty = x.split && x.filledQty === 0 ? Math.floor(x.qty / 2) : x.qty - x.filledQty;
      // A fill at the open happened at the bar's start; one inside the bar is known by its end.
      this.fill(x, qty, withFriction(x.order.side, raw, this.friction), bar, raw === bar.open ? bar.tMs : atMs);
      if (peer) this.close(x === w ? peer : w, "canceled");
      if (x.order.side === "buy" && x.legs.length > 0) this.armExits(x);
    }
    this.lastPrice.set(bar.symbol, bar.close);
  }

  private rawFill(w: Working, bar: ExBar): number {
    const side = w.order.side;
    if (bar.tMs < w.arrivalMs) return w.order.type === "market" && w.filledQty === 0 ? bar.close : NaN;
    switch (w.order.type) {
      case "market":
        return bar.open;
      case "limit":
        return side === "buy" ? buyLimitFill(w.limit, bar.open, bar.low) : sellLimitFill(w.limit, bar.open, bar.high);
      case "stop":
        return side === "buy" ? buyStopFill(w.stop, bar.open, bar.high) : sellStopFill(w.stop, bar.open, bar.low);
    }
  }

  private fill(w: Working, qty: number, priceUsd: number, bar: ExBar, atMs: number): void {
    const sym = w.order.symbol;
    const pos = this.positions.get(sym) ?? { symbol: sym, qty: 0, avgEntryUsd: 0 };
    if (w.order.side === "buy") {
      this.cashUsd -= qty * priceUsd;
      pos.avgEntryUsd = (pos.qty * pos.avgEntryUsd + qty * priceUsd) / (pos.qty + qty);
      pos.qty += qty;
      this.positions.set(sym, pos);
    } else {
      this.cashUsd += qty * priceUsd;
      pos.qty -= qty;
      if (pos.qty <= 0) this.positions.delete(sym);
    }
    w.filledQty += qty;
    w.filledNotional += qty * priceUsd;
    const o = w.order;
    const done = w.filledQty >= w.qty;
    o.status = done ? "filled" : "partially_filled";
    o.filled_qty = String(w.filledQty);
    o.filled_avg_price = numStr(w.filledNotional / w.filledQty);
    o.updated_at = this.iso();
    if (done) o.filled_at = o.updated_at;
    this.lastPrice.set(sym, bar.close);
    this.emit(
      done ? "fill" : "partial_fill",
      w,
      { price: numStr(priceUsd), qty: String(qty), position_qty: String(this.positions.get(sym)?.qty ?? 0), execution_id: randomUUID() },
      atMs,
    );
  }

  private close(w: Working, status: "canceled" | "expired"): void {
    const ts = this.iso();
    w.order.status = status;
    w.order.updated_at = ts;
    if (status === "canceled") w.order.canceled_at = ts;
    else w.order.expired_at = ts;
    this.emit(status, w);
  }

  private reservePrice(w: Working): number {
    if (w.order.type === "limit") return w.limit;
    if (w.order.type === "stop") return w.stop * (1 + this.friction);
    return (this.lastPrice.get(w.order.symbol) ?? 0) * MARKET_BUY_CUSHION * (1 + this.friction);
  }

  private checkBuyingPower(w: Working): void {
    if (w.order.type === "market" && !this.lastPrice.has(w.order.symbol)) {
      // No price yet (before its first bar): the order could not be valued.
      throw new ExchangeError(403, ERR.forbidden, "insufficient buying power", { buying_power: numStr(this.buyingPowerUsd()), cost_basis: "0" });
    }
    const cost = w.qty * this.reservePrice(w);
    const bp = this.buyingPowerUsd();
    if (cost > bp) throw new ExchangeError(403, ERR.forbidden, "insufficient buying power", { buying_power: numStr(bp), cost_basis: numStr(cost) });
  }

  /** A cash account: sells may only close shares held and not already promised to open sell orders. */
  private checkSellable(symbol: string, qty: number): void {
    let promised = 0;
    for (const w of this.orders.values()) {
      // Held bracket exits promise nothing yet: their shares are not bought.
      if (isOpen(w.order) && w.order.status !== "held" && w.reserves && w.order.side === "sell" && w.order.symbol === symbol) promised += w.qty - w.filledQty;
    }
    const available = (this.positions.get(symbol)?.qty ?? 0) - promised;
    if (qty > available) throw new ExchangeError(403, ERR.forbidden, `insufficient qty available for order (requested: ${qty}, available: ${available})`);
  }

  private emit(event: TradeEvent, w: Working, fill?: Pick<TradeUpdate, "price" | "qty" | "position_qty" | "execution_id">, atMs = this.nowMs): void {
    // Listeners get a snapshot: the live order keeps changing after the event.
    const order = { ...w.order, legs: w.order.legs?.map((l) => ({ ...l })) ?? null };
    const u: TradeUpdate = { event, order, timestamp: new Date(atMs).toISOString(), ...fill };
    for (const fn of this.listeners) fn(u);
  }

  private iso(): string {
    return new Date(this.nowMs).toISOString();
  }
}

export function isOpen(o: AlpacaOrder): boolean {
  return o.status === "new" || o.status === "held" || o.status === "partially_filled";
}

/** A stable per-symbol asset id (a deterministic UUID-shaped string), so repeated calls agree. */
export function assetId(symbol: string): string {
  const hex = Buffer.from(symbol.padEnd(16, "_").slice(0, 16)).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

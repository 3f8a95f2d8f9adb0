import { randomUUID } from "node:crypto";
import { MARKET_BUY_CUSHION, frictionPerSide, withFriction } from "../broker/fill-model.ts";
import { nextCloseMs } from "../core/market-calendar.ts";
import { SeededRng } from "../core/rng.ts";
import type { ParsedOrder, Working } from "./order-classes.ts";
import { cancelGroup, invalid, isOpen, linkExitPair, newWorking, ocoPick, parseOrder, rawFill } from "./order-classes.ts";
import type { AlpacaOrder, ExBar, Execution, OrderRequest, OrderStatus, TradeEvent, TradeUpdate } from "./types.ts";
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

/** Everything about the book that is not an order: what a restore needs besides the orders. */
export interface BookAccount {
  readonly cashUsd: number;
  readonly nowMs: number;
  readonly positions: readonly Position[];
  readonly lastPrices: readonly (readonly [string, number])[];
  /** Draws the partial-fill RNG has made: a restore replays them, as core/rng.ts keeps its state private. */
  readonly rngDraws: number;
  readonly nextSeq: number;
}

/** A book's full content as a restore hands it over. */
export interface BookContent {
  readonly account: BookAccount;
  /** Group roots (simple orders, oco limit legs, bracket entries) with their legs linked, in any order. */
  readonly groups: readonly Working[];
  /** In the order they happened. */
  readonly executions: readonly Execution[];
}

export class Book {
  cashUsd: number;
  nowMs: number;
  private readonly positions = new Map<string, Position>();
  private readonly orders = new Map<string, Working>();
  /** The open subset of `orders`, in submission order: what the per-bar and per-minute paths walk. */
  private readonly live = new Map<string, Working>();
  private readonly execs: Execution[] = [];
  private rngDraws = 0;
  private seq = 0;
  private readonly byClientId = new Map<string, string>();
  private readonly lastPrice = new Map<string, number>();
  private readonly listeners = new Set<(u: TradeUpdate) => void>();
  private readonly friction: number;
  private readonly symbols: ReadonlySet<string> | null;
  private readonly rng: SeededRng | null;

  constructor(private readonly opts: BookOptions) {
    this.cashUsd = opts.initialCashUsd;
    this.nowMs = opts.startMs ?? 0;
    this.friction = frictionPerSide(opts.frictionPctRoundTrip);
    this.symbols = opts.symbols ? new Set(opts.symbols) : null;
    this.rng = opts.partialFill ? new SeededRng(opts.partialFill.seed) : null;
  }

  /** A book continuing where `content` left off (see persist.ts). */
  static restore(opts: BookOptions, content: BookContent): Book {
    const a = content.account;
    const b = new Book({ ...opts, startMs: a.nowMs });
    b.cashUsd = a.cashUsd;
    for (const p of a.positions) b.positions.set(p.symbol, { ...p });
    for (const [sym, px] of a.lastPrices) b.lastPrice.set(sym, px);
    for (let i = 0; i < a.rngDraws; i++) b.draw();
    b.seq = a.nextSeq;
    for (const w of content.groups.flatMap((g) => [g, ...g.legs]).sort((x, y) => x.seq - y.seq)) b.track(w);
    b.execs.push(...content.executions);
    return b;
  }

  account(): BookAccount {
    return {
      cashUsd: this.cashUsd, nowMs: this.nowMs, positions: this.allPositions().map((p) => ({ ...p })),
      lastPrices: [...this.lastPrice], rngDraws: this.rngDraws, nextSeq: this.seq,
    };
  }

  /** Every execution so far, in the order they happened (not necessarily by time: see activities.ts). */
  executions(): readonly Execution[] {
    return this.execs;
  }

  /** The working order behind an id and the root of its group (itself for a simple order). */
  groupRoot(id: string): Working | undefined {
    const w = this.orders.get(id);
    return w?.parent ?? w;
  }

  /** Open orders' groups, oldest first: for a bracket, the entry may be filled while its exits work. */
  openGroups(): Working[] {
    return [...new Set([...this.live.values()].map((w) => w.parent ?? w))];
  }

  private track(w: Working): void {
    this.orders.set(w.order.id, w);
    this.byClientId.set(w.order.client_order_id, w.order.id);
    if (isOpen(w.order)) this.live.set(w.order.id, w);
  }

  private draw(): number {
    this.rngDraws++;
    return this.rng?.next() ?? 1;
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
    for (const w of this.live.values()) {
      if (w.order.side === "buy") reserved += (w.qty - w.filledQty) * this.reservePrice(w);
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
    if (p.type === "market" && p.qty >= 2 && this.rng && this.opts.partialFill) w.split = this.draw() < this.opts.partialFill.fraction;
    const legs = p.cls === "simple" ? [] : this.exitLegs(w, p);
    for (const x of [w, ...legs]) {
      x.seq = this.seq++;
      this.track(x);
    }
    this.emit("new", w);
    return w.order;
  }

  private working(p: ParsedOrder, cid: string, status: OrderStatus): Working {
    // A day order lives until its session's real close (13:00 on early-close days), or the next
    // session's when placed after the close or on a closed day (generated data trades on holidays).
    return newWorking(p, cid, status, { nowMs: this.nowMs, expiryMs: p.tif === "day" ? nextCloseMs(this.nowMs) : Infinity });
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
    return [...this.live.keys()];
  }

  /** Moves the replay clock forward, expiring day orders whose session has closed. */
  advanceTo(tMs: number): void {
    if (tMs < this.nowMs) return;
    this.nowMs = tMs;
    for (const w of [...this.live.values()]) {
      if (isOpen(w.order) && tMs >= w.expiryMs) this.close(w, "expired");
    }
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
    const all = [...this.live.values()];
    for (const w of [...all.filter((x) => x.order.type === "market"), ...all.filter((x) => x.order.type !== "market")]) {
      if (w.order.symbol !== bar.symbol || !isOpen(w.order) || w.order.status === "held") continue;
      const peer = w.peer && isOpen(w.peer.order) ? w.peer : undefined;
      const pick = peer ? ocoPick([[w, rawFill(w, bar)], [peer, rawFill(peer, bar)]]) : ([w, rawFill(w, bar)] as const);
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
    if (done) {
      o.filled_at = o.updated_at;
      this.live.delete(o.id);
    }
    this.lastPrice.set(sym, bar.close);
    // Alpaca's activity-id shape, `YYYYMMDDHHMMSSmmm::uuid` (UTC). The head is the START of the bar
    // that filled it: a fill inside a bar (stamped at its end) and one at the next bar's open carry
    // the same timestamp, and a client replaying fills after a gap needs the minute to order them.
    const id = `${new Date(bar.tMs).toISOString().replace(/\D/g, "")}::${randomUUID()}`;
    const type = done ? "fill" : "partial_fill";
    this.execs.push({
      id, tMs: atMs, type, price: priceUsd, qty, side: o.side, symbol: sym,
      leavesQty: w.qty - w.filledQty, cumQty: w.filledQty, orderId: o.id, orderStatus: o.status === "filled" ? "filled" : "partially_filled",
    });
    this.emit(type, w, { price: numStr(priceUsd), qty: String(qty), position_qty: String(this.positions.get(sym)?.qty ?? 0), execution_id: id }, atMs);
  }

  private close(w: Working, status: "canceled" | "expired"): void {
    const ts = this.iso();
    w.order.status = status;
    w.order.updated_at = ts;
    this.live.delete(w.order.id);
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
    for (const w of this.live.values()) {
      // Held bracket exits promise nothing yet: their shares are not bought.
      if (w.order.status !== "held" && w.reserves && w.order.side === "sell" && w.order.symbol === symbol) promised += w.qty - w.filledQty;
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

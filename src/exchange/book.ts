import { randomUUID } from "node:crypto";
import { frictionPerSide, withFriction } from "../broker/fill-model.ts";
import { SeededRng } from "../core/rng.ts";
import { NyTime } from "../core/ny-time.ts";
import type { CheckContext } from "./order-checks.ts";
import { checkBuyingPower, checkPatternDayTrader, checkSellable, checkStopBelowMarket, checkWashTrade, reservePrice } from "./order-checks.ts";
import { dayTradeCount } from "./rules/pattern-day-trader.ts";
import { dayOrderExpiryMs, mayExecuteAt } from "./rules/session.ts";
import type { ParsedOrder, Working } from "./order-classes.ts";
import { cancelGroup, invalid, isCancelable, isOpen, isReplaceable, linkExitPair, newWorking, ocoPick, parseOrder, rawFill } from "./order-classes.ts";
import { parseReplace } from "./replace-request.ts";
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
  /**
   * Whether a FILL activity's id ends in the stream's `execution_id` (`<time>::<execution_id>`).
   * Unverified on Alpaca, so default false: the two differ, and a client cannot match them by string.
   */
  readonly activityIdSharesExecutionId?: boolean;
  /**
   * An order whose cancel is pending may still fill on a bar before the cancel completes (Alpaca:
   * "pending_cancel ... the order may still be filled"). Default true; then `fill` arrives, not `canceled`.
   */
  readonly fillWhilePendingCancel?: boolean;
  /** The stricter reading of the wash-trade rule: untriggered stops count (see rules/wash-trade.ts). Default false. */
  readonly washTradeStopsCount?: boolean;
  /**
   * Whether PATCH may change the qty of an oco/bracket order (then its whole exit pair takes the
   * qty). Unverified on Alpaca; default false: refused with 422, the client cancels and re-places.
   */
  readonly replaceGroupQty?: boolean;
  /**
   * A price to value a market buy of a symbol with no trade yet (Alpaca values it off the last
   * trade, e.g. the previous close; the replay may not have one). Undefined: valued at nothing.
   */
  readonly referencePrice?: (symbol: string) => number | undefined;
  /** Knob: orders chosen here answer 200 `accepted`, then get a `rejected` update (see `drainRejectRequests`). */
  readonly rejectAfterAccept?: (order: AlpacaOrder) => boolean;
  /** Knob: the broker ends a resting order on its own (`canceled` or `expired`, no DELETE), asked at each clock move. */
  readonly brokerEnd?: (order: AlpacaOrder, nowMs: number) => "canceled" | "expired" | null;
}

/** The Alpaca rules whose exact behaviour is unverified or a knob: tests and chaos runs choose. */
export type BookRuleOptions = Pick<BookOptions, "activityIdSharesExecutionId" | "fillWhilePendingCancel" | "washTradeStopsCount" | "replaceGroupQty">;

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
  /** Equity at the end of the previous New York day (Alpaca's `last_equity`) and the day it was taken for; absent in old saves. */
  readonly lastEquityUsd?: number;
  readonly equityDay?: number;
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
  /** Orders whose cancel was requested since the caller last drained them (see `drainCancelRequests`). */
  private cancelRequests: string[] = [];
  /** Orders accepted to be rejected later (the rejectAfterAccept knob), since the last drain. */
  private rejectRequests: string[] = [];
  private lastEquityUsd: number;
  private equityDay: number;

  constructor(private readonly opts: BookOptions) {
    this.cashUsd = opts.initialCashUsd;
    this.nowMs = opts.startMs ?? 0;
    this.friction = frictionPerSide(opts.frictionPctRoundTrip);
    this.symbols = opts.symbols ? new Set(opts.symbols) : null;
    this.rng = opts.partialFill ? new SeededRng(opts.partialFill.seed) : null;
    this.lastEquityUsd = opts.initialCashUsd;
    this.equityDay = ny.etDay(this.nowMs);
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
    b.lastEquityUsd = a.lastEquityUsd ?? opts.initialCashUsd;
    b.equityDay = a.equityDay ?? ny.etDay(a.nowMs);
    for (const w of content.groups.flatMap((g) => [g, ...g.legs]).sort((x, y) => x.seq - y.seq)) b.track(w);
    b.execs.push(...content.executions);
    // A cancel that was pending when the process stopped still has to complete.
    b.cancelRequests = [...b.live.values()].filter((w) => w.order.status === "pending_cancel").map((w) => w.order.id);
    b.rejectRequests = [...b.live.values()].filter((w) => w.doomed && w.order.status === "accepted").map((w) => w.order.id);
    return b;
  }

  account(): BookAccount {
    return {
      cashUsd: this.cashUsd, nowMs: this.nowMs, positions: this.allPositions().map((p) => ({ ...p })),
      lastPrices: [...this.lastPrice], rngDraws: this.rngDraws, nextSeq: this.seq, lastEquityUsd: this.lastEquityUsd, equityDay: this.equityDay,
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
      if (w.order.side === "buy") reserved += (w.qty - w.filledQty) * reservePrice(w, this.checks());
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
    // Outside the hours it may execute in, an order is accepted and waits to be routed (rules/session.ts).
    const w = this.working(p, cid, mayExecuteAt(this.nowMs, p.ext) ? "new" : "accepted");
    const ctx = this.checks();
    checkWashTrade(ctx, w);
    if (p.cls !== "simple") checkStopBelowMarket(p.stopLoss, p.cls === "bracket" && p.type === "limit" ? p.limit : ctx.basePrice(p.symbol));
    checkPatternDayTrader(ctx, w, p.cls === "bracket");
    if (p.side === "buy") checkBuyingPower(ctx, w);
    else checkSellable(ctx, p.symbol, p.qty);
    if (this.opts.rejectAfterAccept?.(w.order)) {
      w.doomed = true;
      w.order.status = "accepted";
      this.rejectRequests.push(w.order.id);
    }
    if (p.type === "market" && p.qty >= 2 && this.rng && this.opts.partialFill) w.split = this.draw() < this.opts.partialFill.fraction;
    const legs = p.cls === "simple" ? [] : this.exitLegs(w, p);
    for (const x of [w, ...legs]) {
      x.seq = this.seq++;
      this.track(x);
    }
    this.emit(w.order.status === "new" ? "new" : "accepted", w);
    return w.order;
  }

  /** The ids accepted to be rejected (rejectAfterAccept) since the last call: the caller rejects them later. */
  drainRejectRequests(): string[] {
    return this.rejectRequests.splice(0);
  }

  /** Rejects orders after their 200 (Alpaca: a `rejected` update may follow acceptance), with `failed_at`. */
  completeRejects(ids: readonly string[]): void {
    for (const id of ids) {
      const w = this.orders.get(id);
      if (!w || w.order.status !== "accepted") continue;
      for (const x of [w, ...w.legs]) if (isOpen(x.order)) this.end(x, "rejected");
    }
  }

  /** The broker ends a resting order on its own: `canceled` or `expired` without a DELETE (and its OCO peer / held exits with it). */
  brokerEnd(id: string, status: "canceled" | "expired"): void {
    const w = this.orders.get(id);
    if (!w || !isOpen(w.order)) return;
    for (const x of cancelGroup(w)) this.end(x, status);
    if (isOpen(w.order)) this.end(w, status);
  }

  /** What the order checks read (order-checks.ts). */
  private checks(): CheckContext {
    return {
      live: [...this.live.values()], rules: this.opts, frictionPerSide: this.friction, nowMs: this.nowMs,
      positionQty: (sym) => this.positions.get(sym)?.qty ?? 0,
      basePrice: (sym) => this.lastPrice.get(sym) ?? this.opts.referencePrice?.(sym),
      buyingPowerUsd: () => this.buyingPowerUsd(),
      lastEquityUsd: () => this.lastEquityUsd,
      fills: () => this.fillsInTimeOrder(),
    };
  }

  private fillsInTimeOrder(): Execution[] {
    return [...this.execs].sort((a, b) => a.tMs - b.tMs);
  }

  /** Day trades within the last five business days (Alpaca's `daytrade_count`). */
  dayTradeCount(): number {
    return dayTradeCount(this.fillsInTimeOrder(), this.nowMs);
  }

  /** Equity at the end of the previous New York day (Alpaca's `last_equity`). */
  get lastEquity(): number {
    return this.lastEquityUsd;
  }

  private working(p: ParsedOrder, cid: string, status: OrderStatus): Working {
    // A day order lives until its session's real close (13:00 on early-close days), or the next
    // session's when placed after the close or on a closed day (generated data trades on holidays).
    return newWorking(p, cid, status, { nowMs: this.nowMs, expiryMs: p.tif === "day" ? dayOrderExpiryMs(this.nowMs, p.ext) : Infinity });
  }

  /**
   * The exit legs of an oco (parent = limit leg, one stop leg) or a bracket (parent = entry, a
   * take-profit limit and a stop-loss stop, held until the entry fills). Legs share the parent's tif.
   */
  private exitLegs(parent: Working, p: ParsedOrder): Working[] {
    const leg = (type: "limit" | "stop", status: OrderStatus): Working =>
      this.working({ ...p, side: "sell", type, limit: type === "limit" ? p.takeProfit : NaN, stop: type === "stop" ? p.stopLoss : NaN }, randomUUID(), status);
    const stop = leg("stop", p.cls === "oco" ? parent.order.status : "held");
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

  /**
   * Starts canceling an order and what goes with it (see `cancelGroup`), as Alpaca does: the
   * DELETE is answered 204 while the orders go `pending_cancel` (trade update `pending_cancel`);
   * `canceled` comes later, when the caller passes the drained ids to `completeCancels`. Until
   * then the orders hold their shares and may still fill. A final order (filled, canceled, ...)
   * or one already pending cancel answers 422 "order is not cancelable" (Alpaca API reference,
   * DELETE /v2/orders/{order_id}: 422 "The order status is not cancelable").
   */
  cancel(id: string): AlpacaOrder {
    const w = this.orders.get(id);
    if (!w) throw new ExchangeError(404, ERR.notFound, "order not found");
    if (!isCancelable(w.order)) throw new ExchangeError(422, ERR.unprocessable, "order is not cancelable");
    for (const x of cancelGroup(w)) {
      x.order.status = "pending_cancel";
      x.order.updated_at = this.iso();
      this.cancelRequests.push(x.order.id);
      this.emit("pending_cancel", x);
    }
    return w.order;
  }

  /** The ids that went `pending_cancel` since the last call: the caller completes them later. */
  drainCancelRequests(): string[] {
    return this.cancelRequests.splice(0);
  }

  /** Completes pending cancels: those still `pending_cancel` (not filled meanwhile) become `canceled`. */
  completeCancels(ids: readonly string[]): void {
    for (const id of ids) {
      const w = this.orders.get(id);
      if (w && w.order.status === "pending_cancel") this.close(w, "canceled");
    }
  }

  /**
   * PATCH /v2/orders/{id} (Alpaca "Replace an Order"): a NEW order (new id, `replaces` = old id)
   * with the given fields overriding the old one's; the old order becomes `replaced`
   * (`replaced_by`, `replaced_at`). Trade updates: `pending_replace` then `replaced` carrying the
   * OLD order, then `new` carrying the new one. A leg of an oco/bracket is replaced by its own id
   * and the new order takes its place in the group. The held quantity and buying power move from
   * the old order to the new one, so they are checked without the old order. The replacement
   * arrives now: it can only fill on bars that start after this moment, like a new order.
   */
  replace(id: string, body: unknown): AlpacaOrder {
    const old = this.orders.get(id);
    if (!old) throw new ExchangeError(404, ERR.notFound, "order not found");
    if (!isReplaceable(old.order)) throw new ExchangeError(422, ERR.unprocessable, `order is not replaceable (status ${old.order.status})`);
    const f = parseReplace(body, old);
    const grouped = old.peer !== undefined || old.legs.length > 0;
    if (grouped && f.qty !== old.qty && !this.opts.replaceGroupQty) throw invalid("qty of an oco or bracket order cannot be replaced; cancel and place a new one");
    const cid = f.cid ?? randomUUID();
    if (this.byClientId.has(cid)) throw invalid("client_order_id must be unique");
    const o = old.order;
    const p: ParsedOrder = {
      symbol: o.symbol, qty: f.qty, side: o.side, type: o.type, tif: f.tif, limit: f.limit, stop: f.stop, cid, cls: o.order_class, takeProfit: NaN, stopLoss: NaN, ext: o.extended_hours,
    };
    const nw = this.working(p, cid, o.status === "held" ? "held" : "new");
    nw.order.replaces = o.id;
    nw.reserves = old.reserves;
    const ctx = this.checks();
    checkWashTrade(ctx, nw, old);
    // A moved stop of an exit pair must stay below the market, as at submission.
    if (grouped && o.type === "stop" && o.side === "sell") checkStopBelowMarket(f.stop, ctx.basePrice(o.symbol));
    if (o.side === "buy") checkBuyingPower(ctx, nw, old);
    else if (nw.reserves) checkSellable(ctx, o.symbol, nw.qty, old);
    this.emit("pending_replace", old, undefined, this.nowMs, "pending_replace");
    this.relink(old, nw);
    if (grouped && f.qty !== old.qty) for (const x of [nw.peer, ...nw.legs]) if (x) this.resize(x, f.qty);
    o.status = "replaced";
    o.replaced_by = nw.order.id;
    o.replaced_at = o.updated_at = this.iso();
    this.live.delete(o.id);
    nw.seq = this.seq++;
    this.track(nw);
    this.emit("replaced", old);
    this.emit("new", nw);
    return nw.order;
  }

  /** `nw` takes `old`'s place in its group: peer, parent and legs move over. */
  private relink(old: Working, nw: Working): void {
    if (old.peer) {
      nw.peer = old.peer;
      old.peer.peer = nw;
    }
    const parent = old.parent;
    if (parent) {
      nw.parent = parent;
      parent.legs = parent.legs.map((l) => (l === old ? nw : l));
      parent.order.legs = parent.legs.map((l) => l.order);
    }
    if (old.legs.length > 0) {
      nw.legs = old.legs;
      for (const l of nw.legs) l.parent = nw;
      nw.order.legs = nw.legs.map((l) => l.order);
    }
    old.peer = old.parent = undefined;
    old.legs = [];
    old.order.legs = null;
  }

  private resize(w: Working, qty: number): void {
    if (!isOpen(w.order)) return;
    w.qty = qty;
    w.order.qty = String(qty);
  }

  /** Parents before their legs (insertion order), so canceling all goes parent first. */
  openOrderIds(): string[] {
    return [...this.live.keys()];
  }

  /**
   * Moves the replay clock forward: day orders whose session has closed expire; accepted orders
   * whose hours have come are routed (`new`, arriving now); the brokerEnd knob may end resting
   * orders; a new New York day takes the equity as `last_equity`.
   */
  advanceTo(tMs: number): void {
    if (tMs < this.nowMs) return;
    const day = ny.etDay(tMs);
    if (day !== this.equityDay) {
      this.lastEquityUsd = this.equityUsd();
      this.equityDay = day;
    }
    this.nowMs = tMs;
    for (const w of [...this.live.values()]) {
      if (!isOpen(w.order)) continue;
      if (tMs >= w.expiryMs) {
        this.close(w, "expired");
      } else if (w.order.status === "accepted" && !w.doomed && mayExecuteAt(tMs, w.order.extended_hours)) {
        w.order.status = "new";
        w.arrivalMs = tMs;
        w.order.updated_at = this.iso();
        this.emit("new", w);
      } else if (w.order.status === "new" || w.order.status === "partially_filled") {
        const end = this.opts.brokerEnd?.(w.order, tMs);
        if (end) this.brokerEnd(w.order.id, end);
      }
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
      if (w.order.symbol !== bar.symbol || !this.canFill(w, bar.tMs)) continue;
      const peer = w.peer && this.canFill(w.peer, bar.tMs) ? w.peer : undefined;
      const pick = peer ? ocoPick([[w, rawFill(w, bar)], [peer, rawFill(peer, bar)]]) : ([w, rawFill(w, bar)] as const);
      if (!pick || Number.isNaN(pick[1])) continue;
      const [x, raw] = pick;
      const qty = x.split && x.filledQty === 0 ? Math.floor(x.qty / 2) : x.qty - x.filledQty;
      // A fill at the open happened at the bar's start; one inside the bar is known by its end.
      this.fill(x, qty, withFriction(x.order.side, raw, this.friction), bar, raw === bar.open ? bar.tMs : atMs);
      const other = x === w ? w.peer : w;
      // One-cancels-other: the pair's other leg ends with this fill, whether it could fill or not.
      if (other && other !== x && isOpen(other.order)) this.close(other, "canceled");
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
    const executionId = randomUUID();
    const id = activityId(atMs, this.opts.activityIdSharesExecutionId ? executionId : randomUUID());
    const type = done ? "fill" : "partial_fill";
    this.execs.push({
      id, executionId, tMs: atMs, type, price: priceUsd, qty, side: o.side, symbol: sym,
      leavesQty: w.qty - w.filledQty, cumQty: w.filledQty, orderId: o.id, orderStatus: o.status === "filled" ? "filled" : "partially_filled",
    });
    this.emit(type, w, { price: numStr(priceUsd), qty: String(qty), position_qty: String(this.positions.get(sym)?.qty ?? 0), execution_id: executionId }, atMs);
  }

  private close(w: Working, status: "canceled" | "expired"): void {
    this.end(w, status);
  }

  private end(w: Working, status: "canceled" | "expired" | "rejected"): void {
    const ts = this.iso();
    w.order.status = status;
    w.order.updated_at = ts;
    this.live.delete(w.order.id);
    if (status === "canceled") w.order.canceled_at = ts;
    else if (status === "expired") w.order.expired_at = ts;
    else w.order.failed_at = ts;
    this.emit(status, w);
  }

  /**
   * Whether a bar starting at `barMs` may fill `w`: open, routed (not accepted, not a held bracket
   * exit), inside the hours it may execute in (rules/session.ts), and not pending cancel unless
   * fills may beat the cancel.
   */
  private canFill(w: Working, barMs: number): boolean {
    const s = w.order.status;
    if (!mayExecuteAt(barMs, w.order.extended_hours)) return false;
    if (s === "pending_cancel") return this.opts.fillWhilePendingCancel ?? true;
    return isOpen(w.order) && s !== "held" && s !== "accepted";
  }

  /** `status`: the order's status as the event reports it, when the book does not keep it (pending_replace). */
  private emit(event: TradeEvent, w: Working, fill?: Pick<TradeUpdate, "price" | "qty" | "position_qty" | "execution_id">, atMs = this.nowMs, status?: OrderStatus): void {
    // Listeners get a snapshot: the live order keeps changing after the event.
    const order = { ...w.order, legs: w.order.legs?.map((l) => ({ ...l })) ?? null, ...(status ? { status } : {}) };
    // `new` carries an execution_id too (Alpaca docs, trade_updates example).
    const ids = event === "new" ? { execution_id: randomUUID() } : {};
    const u: TradeUpdate = { event, order, timestamp: new Date(atMs).toISOString(), ...ids, ...fill };
    for (const fn of this.listeners) fn(u);
  }

  private iso(): string {
    return new Date(this.nowMs).toISOString();
  }
}

const ny = new NyTime();

/**
 * A FILL activity id: the transaction time in New York as `YYYYMMDDHHMMSSmmm`, `::`, a uuid
 * (Alpaca docs, Account Activities: `20210127144930176::...` for 2021-01-27T19:49:30.176Z).
 */
export function activityId(tMs: number, uuid: string): string {
  return `${new Date(ny.localMs(tMs)).toISOString().replace(/\D/g, "").slice(0, 17)}::${uuid}`;
}

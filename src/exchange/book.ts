import { withFriction } from "../broker/fill-model.ts";
import { randomUUID } from "node:crypto";
import type { BookContent, BookOptions } from "./book-state.ts";
import { BookState } from "./book-state.ts";
import { checkBuyingPower, checkPatternDayTrader, checkSellable, checkStopBelowMarket, checkWashTrade } from "./order-checks.ts";
import type { ParsedOrder, Working } from "./order-classes.ts";
import { cancelGroup, invalid, isCancelable, isOpen, isReplaceable, linkExitPair, ocoPick, parseOrder, rawFill, relinkReplacement, resizeOpen } from "./order-classes.ts";
import { parseReplace } from "./replace-request.ts";
import { mayExecuteAt } from "./rules/session.ts";
import { NyTime } from "../core/ny-time.ts";
import type { AlpacaOrder, ExBar, OrderRequest, OrderStatus } from "./types.ts";
import { ERR, ExchangeError } from "./types.ts";

export type { BookAccount, BookContent, BookOptions, BookRuleOptions, Position } from "./book-state.ts";

const ny = new NyTime();

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
export class Book extends BookState {
  /** Orders whose cancel was requested since the caller last drained them (see `drainCancelRequests`). */
  private cancelRequests: string[] = [];
  /** Orders accepted to be rejected later (the rejectAfterAccept knob), since the last drain. */
  private rejectRequests: string[] = [];

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
    relinkReplacement(old, nw);
    if (grouped && f.qty !== old.qty) for (const x of [nw.peer, ...nw.legs]) if (x) resizeOpen(x, f.qty);
    o.status = "replaced";
    o.replaced_by = nw.order.id;
    o.replaced_at = o.updated_at = this.iso();
    this.live.delete(o.id);
    nw.seq = this.seq++;
    this.track(nw);
    // Which order the `replaced` update carries is not documented: the old one (status replaced,
    // replaced_by set) by default, the new one (replaces set) under rules.replacedEventCarriesNew.
    this.emit("replaced", this.opts.replacedEventCarriesNew ? nw : old);
    this.emit("new", nw);
    return nw.order;
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

}

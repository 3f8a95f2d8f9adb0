import { randomUUID } from "node:crypto";
import { buyLimitFill, buyStopFill, sellLimitFill, sellStopFill } from "../broker/fill-model.ts";
import type { AlpacaOrder, ExBar, OrderClass, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce } from "./types.ts";
import { decimalValue, describeValue as describe, ERR, ExchangeError, numStr } from "./types.ts";
import { isOnTick } from "../core/tick.ts";
import { EXTENDED_HOURS_REFUSAL, extendedHoursAllowed } from "./rules/session.ts";

/**
 * Validation of POST /v2/orders bodies, including the oco and bracket order classes, the
 * per-order fill price rule and the OCO fill rule. Kept apart from the book so the book stays
 * about state and fills.
 *
 * Shapes accepted (numbers as strings or numbers, as Alpaca accepts both):
 * - oco: side "sell", type "limit", qty, time_in_force, take_profit.limit_price (or limit_price),
 *   stop_loss.stop_price. The parent order is the limit leg; its `legs` hold the stop leg.
 * - bracket: side "buy", type "market" or "limit" (with limit_price), qty, time_in_force,
 *   take_profit.limit_price, stop_loss.stop_price. The parent is the entry; its `legs` hold the
 *   take-profit limit sell and the stop-loss stop sell.
 */

/** A validated order request. NaN marks a price the order does not use. */
export interface ParsedOrder {
  readonly symbol: string;
  readonly qty: number;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly limit: number;
  readonly stop: number;
  /** null: the exchange assigns one. */
  readonly cid: string | null;
  readonly cls: OrderClass;
  /** oco and bracket: the take-profit limit and the stop-loss stop of the exit pair. */
  readonly takeProfit: number;
  readonly stopLoss: number;
  /** `extended_hours: true`: a limit day order that may execute before the open and after the close. */
  readonly ext: boolean;
}

/** An order as the book tracks it. */
export interface Working {
  order: AlpacaOrder;
  qty: number;
  filledQty: number;
  filledNotional: number;
  limit: number;
  stop: number;
  arrivalMs: number;
  /** Seeded at submission: fill this market order in two pieces. */
  split: boolean;
  /** When a day order expires (epoch ms); Infinity for gtc. */
  expiryMs: number;
  /** The other leg of an OCO exit pair: when one fills, the other is canceled. */
  peer?: Working;
  /** Leg orders point at their parent (the OCO limit leg, or the bracket entry). */
  parent?: Working;
  legs: Working[];
  /** false for the stop leg of an exit pair: the pair promises its shares once, through its limit leg. */
  reserves: boolean;
  /** Listing order across the book, set when the book takes the order (ties in created_at are common at replay speed); restores keep it. */
  seq: number;
  /** Chosen at submission to be rejected after its 200 (a knob: BookOptions.rejectAfterAccept); stays `accepted` until then. */
  doomed?: boolean;
}

/** A fresh working order (and its Alpaca order object) for a validated request, stamped `at.nowMs`. */
export function newWorking(p: ParsedOrder, cid: string, status: OrderStatus, at: { readonly nowMs: number; readonly expiryMs: number }): Working {
  const ts = new Date(at.nowMs).toISOString();
  const { symbol, side, type } = p;
  const order: AlpacaOrder = {
    id: randomUUID(), client_order_id: cid, created_at: ts, updated_at: ts, submitted_at: ts,
    filled_at: null, expired_at: null, canceled_at: null, failed_at: null, replaced_at: null, replaced_by: null, replaces: null,
    asset_id: assetId(symbol), symbol, asset_class: "us_equity", notional: null, qty: String(p.qty), filled_qty: "0",
    filled_avg_price: null, order_class: p.cls, order_type: type, type, side,
    position_intent: side === "buy" ? "buy_to_open" : "sell_to_close", time_in_force: p.tif,
    limit_price: type === "limit" ? numStr(p.limit) : null, stop_price: type === "stop" ? numStr(p.stop) : null,
    status, extended_hours: p.ext, legs: null, trail_percent: null, trail_price: null, hwm: null,
  };
  return { order, qty: p.qty, filledQty: 0, filledNotional: 0, limit: p.limit, stop: p.stop, arrivalMs: at.nowMs, split: false, expiryMs: at.expiryMs, legs: [], reserves: true, seq: -1 };
}

/** Not final: the order can still fill or change (a pending_cancel order can still fill until its cancel completes). */
export function isOpen(o: AlpacaOrder): boolean {
  return o.status === "new" || o.status === "accepted" || o.status === "held" || o.status === "partially_filled" || o.status === "pending_cancel";
}

/** DELETE /v2/orders/{id} applies: open and not already being canceled. */
export function isCancelable(o: AlpacaOrder): boolean {
  return isOpen(o) && o.status !== "pending_cancel";
}

/**
 * PATCH /v2/orders/{id} applies. Alpaca's "Replace an Order" reference: not when accepted,
 * pending_new, pending_cancel or pending_replace (nor, obviously, when final). A partially filled
 * order is refused too: what qty means for its replacement is not documented (stricter than Alpaca).
 */
export function isReplaceable(o: AlpacaOrder): boolean {
  return o.status === "new" || o.status === "held";
}

/** A stable per-symbol asset id (a deterministic UUID-shaped string), so repeated calls agree. */
export function assetId(symbol: string): string {
  const hex = Buffer.from(symbol.padEnd(16, "_").slice(0, 16)).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function parseOrder(req: OrderRequest): ParsedOrder {
  const symbol = str(req.symbol, "symbol").toUpperCase();
  if (req.notional !== undefined && req.notional !== null) throw invalid("notional orders are not supported by the local exchange");
  const rawCls = req.order_class === undefined || req.order_class === null || req.order_class === "" ? "simple" : req.order_class;
  if (rawCls === "oto") throw invalid("order_class oto is not supported by the local exchange (use simple, oco or bracket)");
  const cls = oneOf<OrderClass>(rawCls, ["simple", "oco", "bracket"], "order_class");
  const qty = positiveNum(req.qty, "qty");
  if (!Number.isInteger(qty)) throw invalid("fractional qty is not supported by the local exchange");
  const side = oneOf<OrderSide>(req.side, ["buy", "sell"], "side");
  const type = oneOf<OrderType>(req.type ?? "market", ["market", "limit", "stop"], "type");
  const tif = oneOf<TimeInForce>(req.time_in_force, ["day", "gtc"], "time_in_force");
  const cid = req.client_order_id === undefined || req.client_order_id === null || req.client_order_id === "" ? null : str(req.client_order_id, "client_order_id");
  if (cid !== null && cid.length > 128) throw invalid("client_order_id must be no more than 128 characters");
  const ext = req.extended_hours === true || req.extended_hours === "true";
  if (ext && !extendedHoursAllowed(type, tif, cls)) throw invalid(EXTENDED_HOURS_REFUSAL);
  const tp = legObject(req.take_profit, "take_profit");
  const sl = legObject(req.stop_loss, "stop_loss");
  const base = { symbol, qty, side, type, tif, cid, cls, ext };
  if (cls === "simple") {
    // Silently dropping exits would leave a position unprotected that the caller believes protected.
    if (tp || sl) throw invalid("take_profit and stop_loss require order_class bracket or oco");
    const limit = type === "limit" ? priceNum(req.limit_price, "limit_price") : NaN;
    const stop = type === "stop" ? priceNum(req.stop_price, "stop_price") : NaN;
    return { ...base, limit, stop, takeProfit: NaN, stopLoss: NaN };
  }
  if (!sl) throw invalid(`${cls} orders require stop_loss.stop_price`);
  if (sl.limit_price !== undefined && sl.limit_price !== null && sl.limit_price !== "") {
    throw invalid("stop_loss.limit_price (a stop-limit exit) is not supported by the local exchange");
  }
  const stopLoss = priceNum(sl.stop_price, "stop_loss.stop_price");
  if (cls === "oco") {
    // The exchange models long positions only, so an OCO is always the exit pair of a long.
    if (side !== "sell") throw invalid("oco orders must be side sell (exits of a long position) on the local exchange");
    if (type !== "limit") throw invalid("oco orders must be type limit");
    const takeProfit = priceNum(tp?.limit_price ?? req.limit_price, "take_profit.limit_price");
    if (req.limit_price !== undefined && req.limit_price !== null && priceNum(req.limit_price, "limit_price") !== takeProfit) {
      throw invalid("limit_price and take_profit.limit_price differ");
    }
    if (takeProfit <= stopLoss) throw invalid("take_profit.limit_price must be greater than stop_loss.stop_price");
    return { ...base, limit: takeProfit, stop: NaN, takeProfit, stopLoss };
  }
  if (side !== "buy") throw invalid("bracket orders must be side buy (long entries) on the local exchange");
  if (type === "stop") throw invalid("bracket entries must be type market or limit");
  if (!tp) throw invalid("bracket orders require take_profit.limit_price");
  const takeProfit = priceNum(tp.limit_price, "take_profit.limit_price");
  if (takeProfit <= stopLoss) throw invalid("take_profit.limit_price must be greater than stop_loss.stop_price");
  const limit = type === "limit" ? priceNum(req.limit_price, "limit_price") : NaN;
  return { ...base, limit, stop: NaN, takeProfit, stopLoss };
}

/**
 * Which leg of an OCO pair fills on a bar, given each leg's raw fill price (NaN: no fill).
 * When both could fill, the stop wins: a bar does not tell whether its high or its low came
 * first, so the exchange assumes the worse one, the same rule as the simulated broker.
 */
export function ocoPick<T extends { readonly order: { readonly type: OrderType } }>(legs: readonly (readonly [T, number])[]): readonly [T, number] | null {
  const fillable = legs.filter(([, raw]) => !Number.isNaN(raw));
  return fillable.find(([w]) => w.order.type === "stop") ?? fillable[0] ?? null;
}

/**
 * The raw (friction-free) price a working order fills at on a bar, or NaN when it does not fill:
 * only bars starting at or after its arrival count, except that a market order that arrived
 * while a bar was forming fills at that bar's close (see Book).
 */
export function rawFill(w: Working, bar: ExBar): number {
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

/**
 * Links an exit pair under its parent: for an oco the parent IS the limit leg; for a bracket the
 * parent is the entry and both exits are legs. The stop leg reserves nothing: the pair sells its
 * shares once, so it promises them once (through the limit leg).
 */
export function linkExitPair(parent: Working, limit: Working, stop: Working): void {
  stop.reserves = false;
  stop.peer = limit;
  limit.peer = stop;
  parent.legs = limit === parent ? [stop] : [limit, stop];
  for (const l of parent.legs) l.parent = parent;
  parent.order.legs = parent.legs.map((l) => l.order);
}

/**
 * What canceling `w` cancels (Alpaca, bracket orders: canceling one leg cancels the others). An
 * exit leg takes its whole group with it: the other leg and, while still open, the bracket entry.
 * An oco's root is its limit leg, so either leg cancels the pair. Canceling a bracket entry takes
 * its still-held exits; exits already armed stay: they protect the filled part.
 */
export function cancelGroup(w: Working): Set<Working> {
  const all = w.parent ? [w.parent, ...w.parent.legs] : [w, ...(w.peer ? [w.peer] : []), ...w.legs.filter((l) => l.order.status === "held")];
  return new Set(all.filter((x) => isCancelable(x.order)));
}

export function invalid(message: string): ExchangeError {
  return new ExchangeError(422, ERR.invalid, message);
}

function legObject(v: unknown, field: string): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "object" || Array.isArray(v)) throw invalid(`${field} must be an object`);
  return v as Record<string, unknown>;
}

function str(v: unknown, field: string): string {
  if (typeof v !== "string" || v === "") throw invalid(`${field} is required`);
  return v;
}

function positiveNum(v: unknown, field: string): number {
  // Numbers or plain decimal strings only (Alpaca's reference: string-encoded decimals): see decimalValue.
  const n = decimalValue(v);
  if (!(n > 0)) throw invalid(`invalid ${field}: ${describe(v)} is not a positive decimal number`);
  return n;
}

/** An order price: positive, and on Alpaca's grid (cents from $1, hundredths of a cent below), as Alpaca refuses it otherwise. */
function priceNum(v: unknown, field: string): number {
  const n = positiveNum(v, field);
  if (!isOnTick(n)) throw new ExchangeError(422, ERR.unprocessable, `invalid ${field} ${n}. sub-penny increment does not fulfill minimum pricing criteria`);
  return n;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string): T {
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw invalid(`invalid ${field}: ${JSON.stringify(v)}`);
}

/** A replacement `nw` takes `old`'s place in its group (PATCH of an oco/bracket member): peer, parent and legs move over. */
export function relinkReplacement(old: Working, nw: Working): void {
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

/** Sets an open order's qty (an exit pair resized with its replaced member). */
export function resizeOpen(w: Working, qty: number): void {
  if (!isOpen(w.order)) return;
  w.qty = qty;
  w.order.qty = String(qty);
}

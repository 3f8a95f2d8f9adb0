import { MARKET_BUY_CUSHION } from "../broker/fill-model.ts";
import type { BookRuleOptions } from "./book.ts";
import type { Working } from "./order-classes.ts";
import type { HoldingOrder } from "../broker/held-qty.ts";
import { insufficientQtyMessage, qtyAvailability } from "../broker/held-qty.ts";
import type { PdtFill } from "./rules/pattern-day-trader.ts";
import { dayTradeCount, PDT_MESSAGE, pdtRefuses } from "./rules/pattern-day-trader.ts";
import { sellStopBelowMarket, STOP_ABOVE_MARKET_MESSAGE } from "../broker/stop-legs.ts";
import { WASH_TRADE_MESSAGE, washTradeConflict } from "../broker/wash-trade.ts";
import { NyTime } from "../core/ny-time.ts";
import { ERR, ExchangeError, numStr } from "./types.ts";

/**
 * The account-level checks an order (new or replacement) passes before the book takes it, each
 * answering Alpaca's refusal. Kept apart from the book so the book stays about state and fills;
 * the rules themselves are pure functions in rules/.
 */

/** What the checks read from the book. */
export interface CheckContext {
  /** Open orders (pending_cancel included). */
  readonly live: readonly Working[];
  readonly rules: BookRuleOptions;
  readonly frictionPerSide: number;
  readonly nowMs: number;
  positionQty(symbol: string): number;
  /** The last trade (bar close), or for a symbol not traded yet a reference price (see BookOptions.referencePrice). */
  basePrice(symbol: string): number | undefined;
  buyingPowerUsd(): number;
  lastEquityUsd(): number;
  /** Fills so far, in time order. */
  fills(): readonly PdtFill[];
}

const ny = new NyTime();

/** What an open buy order holds of the buying power, per share (Alpaca values a market buy above the last price). */
export function reservePrice(w: Working, ctx: Pick<CheckContext, "basePrice" | "frictionPerSide">): number {
  if (w.order.type === "limit") return w.limit;
  if (w.order.type === "stop") return w.stop * (1 + ctx.frictionPerSide);
  return (ctx.basePrice(w.order.symbol) ?? 0) * MARKET_BUY_CUSHION * (1 + ctx.frictionPerSide);
}

/** 403 insufficient buying power. `replacing`: the order `w` replaces, whose reservation moves to `w`. */
export function checkBuyingPower(ctx: CheckContext, w: Working, replacing?: Working): void {
  const cost = w.qty * reservePrice(w, ctx);
  const freed = replacing ? (replacing.qty - replacing.filledQty) * reservePrice(replacing, ctx) : 0;
  const bp = ctx.buyingPowerUsd() + freed;
  if (cost > bp) throw new ExchangeError(403, ERR.forbidden, "insufficient buying power", { buying_power: numStr(bp), cost_basis: numStr(cost) });
}

/** 403 insufficient qty available (broker/held-qty.ts): a cash account sells only shares held and not promised to open sells. */
export function checkSellable(ctx: CheckContext, symbol: string, qty: number, replacing?: Working): void {
  const a = qtyAvailability(symbol, ctx.positionQty(symbol), holdings(ctx.live, replacing));
  if (qty <= a.available) return;
  throw new ExchangeError(403, ERR.forbidden, insufficientQtyMessage(qty, a.available), {
    available: String(a.available), existing_qty: String(a.existingQty), held_for_orders: String(a.heldForOrders), related_orders: a.relatedOrders, symbol,
  });
}

function* holdings(live: Iterable<Working>, except?: Working): Generator<HoldingOrder> {
  for (const w of live) {
    if (w === except) continue;
    // Held bracket exits promise nothing yet (their shares are not bought); an exit pair promises once, through its limit leg.
    yield { id: w.order.id, symbol: w.order.symbol, side: w.order.side, leavesQty: w.qty - w.filledQty, holds: w.reserves && w.order.status !== "held" };
  }
}

/** 422 potential wash trade (broker/wash-trade.ts): `w` could trade against an open opposite order. */
export function checkWashTrade(ctx: CheckContext, w: Working, replacing?: Working): void {
  const resting = [...ctx.live].filter((x) => x !== replacing && x.order.status !== "held").map(washView);
  if (washTradeConflict(washView(w), resting, { stopsCount: ctx.rules.washTradeStopsCount ?? true })) {
    const status = ctx.rules.washTradeStatus ?? 422;
    throw new ExchangeError(status, status === 403 ? ERR.forbidden : ERR.unprocessable, WASH_TRADE_MESSAGE);
  }
}

function washView(w: Working): { symbol: string; side: "buy" | "sell"; type: "market" | "limit" | "stop"; limit: number } {
  return { symbol: w.order.symbol, side: w.order.side, type: w.order.type, limit: w.limit };
}

/** 422 for the sell stop of an oco or bracket at or above the market (broker/stop-legs.ts). */
export function checkStopBelowMarket(stopUsd: number, baseUsd: number | undefined): void {
  if (sellStopBelowMarket(stopUsd, baseUsd)) return;
  throw new ExchangeError(422, ERR.unprocessable, STOP_ABOVE_MARKET_MESSAGE, { base_price: numStr(baseUsd ?? NaN) });
}

/**
 * 403 pattern day trading protection (rules/pattern-day-trader.ts). `w` could make a day trade:
 * a sell while shares of the symbol were bought today or a buy of it is open; a buy while sells of
 * the symbol rest, or that carries its own exits.
 */
export function checkPatternDayTrader(ctx: CheckContext, w: Working, hasExits: boolean): void {
  const sym = w.order.symbol;
  const today = ny.etDay(ctx.nowMs);
  const live = [...ctx.live].filter((x) => x.order.symbol === sym && x !== w);
  const fills = ctx.fills();
  const could =
    w.order.side === "sell"
      ? fills.some((f) => f.symbol === sym && f.side === "buy" && ny.etDay(f.tMs) === today) || live.some((x) => x.order.side === "buy")
      : hasExits || live.some((x) => x.order.side === "sell");
  if (pdtRefuses(ctx.lastEquityUsd(), dayTradeCount(fills, ctx.nowMs), could)) throw new ExchangeError(403, ERR.pdt, PDT_MESSAGE);
}

import { isStopAboveMarketRefusal } from "../broker/stop-legs.ts";
import type { OrderEnded, Venue } from "../broker/venue.ts";
import type { Fill, MarketTiming } from "../core/types.ts";
import type { EngineEvents, UnprotectedEvent } from "./events.ts";
import type { ExitOrders, RefusedExit } from "./exit-orders.ts";
import type { OpenPosition } from "./position.ts";

/**
 * The order mechanics of open positions under a real broker's rules: laying and repairing the
 * exits, sending scale-ins, closing at market, and what an order that ended unasked means for
 * its position. The position keeps the ids of its working orders; what an order is comes from
 * the slot its id sits in, never from the id's text.
 */
export class PositionOrders {
  constructor(
    private readonly venue: Venue,
    private readonly exits: ExitOrders,
    private readonly events: EngineEvents,
    /** When market exits fill in a simulation (the config's exitFill). */
    private readonly exitTiming: () => MarketTiming,
    /** The time of the bar being processed (for refusals answered at once). */
    private readonly nowMs: () => number,
  ) {}

  /**
   * Lays the exits for what the position holds; a lay the venue refuses is repaired like an exit
   * that ended, and a stop already through the market closes the position (see stopThrough).
   * `marketUsd`: the last price the broker has too, when the caller knows it (NaN: not known).
   */
  layExits(pos: OpenPosition, timeMs: number, marketUsd = NaN): void {
    // A plan without a stop rests nothing: it is closed at market by its exit signal or the end of data.
    if (!pos.hasStop) return;
    const refused = this.exits.resize(pos, marketUsd);
    if (refused !== null) this.onRefusedLay(pos, refused, timeMs);
  }

  /**
   * Moves the stop (ExitOrders.moveStop). A new stop at or above `marketUsd` closes the position
   * (see stopThrough); one within a cent of it re-lays the exits as one plain stop, since no OCO
   * may hold it. `marketUsd` as in layExits.
   */
  moveStop(pos: OpenPosition, stopUsd: number, marketUsd = NaN): void {
    if (!pos.hasStop) return;
    const r = this.exits.moveStop(pos, stopUsd, marketUsd);
    if (r === "through") this.stopThrough(pos);
    else if (r === "stop_only") this.relayStopOnly(pos, this.nowMs());
  }

  /**
   * How the engine handles Alpaca's stop-leg rule (an OCO/bracket sell stop must be below
   * base_price - 0.01, else 422 "stop price must be less than base_price - 0.01"), the same way
   * whichever venue it trades on:
   * - before sending from a bar (a trailing stop, exits re-laid after a refused add), the engine
   *   knows the broker's base price (the close of that bar, the last the broker processed): a
   *   stop at or above it is through the market, and the position is closed at market with exit
   *   reason `stop_through` at once (a resting stop would trigger at once; a doomed order would
   *   only leave the shares bare for a round trip); a stop within that cent gets one plain stop
   *   for every share (plain stops have no such check; the targets go, they cannot rest beside it);
   * - exits sent on a fill meet a base price the engine has not seen (the close of the fill's
   *   bar): the broker's refusal of an OCO re-lays the exits as one plain stop, which the broker
   *   fills at the next open when the market is already below it, as the old OCO's stop leg would.
   * Weighed and not taken: closing at market on every refusal (a stop within a cent of a
   * sub-dollar price is not through the market; it sold such trades for nothing but friction),
   * and re-laying the same OCOs (refused again at every try, then closed as exits_refused).
   */
  stopThrough(pos: OpenPosition): void {
    if (!pos.closing) this.exitPosition(pos, "stop_through", this.exitTiming());
  }

  /**
   * The exits as one plain stop for every share (no OCO may hold this stop); a refusal of that is
   * repaired like any exit that ended. Returns false when that refusal was handed to the repair.
   */
  private relayStopOnly(pos: OpenPosition, timeMs: number): boolean {
    if (pos.closing || pos.buyOrderId !== null) return true;
    const refused = this.exits.resize(pos, NaN, true);
    if (refused === null) return true;
    this.onRefusedLay(pos, refused, timeMs);
    return false;
  }

  private onRefusedLay(pos: OpenPosition, refused: RefusedExit, timeMs: number): void {
    if (refused.stopThrough) return this.stopThrough(pos);
    const id = refused.clientOrderId;
    if (id !== null) this.repair(pos, id, refused.purpose, { clientOrderId: id, status: "rejected", reason: refused.reason, timeMs });
  }

  /**
   * An order of this position ended without the engine asking. Returns false when the id is
   * none of the position's working orders (one it canceled or replaced itself: nothing to do).
   * - its working buy (the rest of an entry, a scale-in): the next add may be considered, and
   *   the exits are laid for what the position holds;
   * - a protective exit (stop or target OCO): the position is unprotected and repaired at once;
   * - its closing market order: the position is open and bare again; manage() tries the close
   *   again at the next bar.
   */
  onEnded(pos: OpenPosition, e: OrderEnded): boolean {
    const id = e.clientOrderId;
    if (pos.buyOrderId === id) {
      pos.buyOrderId = null;
      pos.buyOpenQtyShares = 0;
      if (!pos.closing) this.layExits(pos, e.timeMs);
      return true;
    }
    if (pos.exitOrderId === id) {
      pos.exitOrderId = null;
      pos.closing = false;
      this.emit(pos, id, "close", e, "none");
      return true;
    }
    if (pos.stopOrderId === id) {
      pos.stopOrderId = null;
      this.exitEnded(pos, id, "stop", e);
      return true;
    }
    const i = pos.targetOrderIds.indexOf(id);
    if (i < 0) return false;
    pos.targetOrderIds[i] = null;
    this.exitEnded(pos, id, pos.plan.targets[i].label, e);
    return true;
  }

  /** A scale-in (or a later piece of the entry) filled: grow the position; once its buy is done, lay the exits for the whole. */
  onBuyFill(pos: OpenPosition, f: Fill): void {
    pos.addEntry({ timeMs: f.timeMs, qtyShares: f.qtyShares, priceUsd: f.priceUsd, reason: f.purpose });
    if (f.clientOrderId === pos.buyOrderId) {
      pos.buyOpenQtyShares -= f.qtyShares;
      if (pos.buyOpenQtyShares > 0) return;
      pos.buyOrderId = null;
    }
    if (pos.closing) return this.sellLateShares(pos, f);
    if (pos.buyOrderId === null) this.layExits(pos, f.timeMs);
  }

  /**
   * A buy filled after the position began closing (its cancel raced the fill at a live broker):
   * the closing sell was sized without these shares, so they go out at market too.
   */
  private sellLateShares(pos: OpenPosition, f: Fill): void {
    const id = pos.nextLegId(pos.closeReason);
    this.venue.submit({ clientOrderId: id, symbol: pos.signal.symbol, symId: pos.symId, side: "sell", type: "market", qtyShares: f.qtyShares, timing: this.exitTiming(), purpose: pos.closeReason });
  }

  /**
   * How a scale-in goes out without tripping Alpaca's wash-trade protection ("Preventing Wash
   * Trades", User Protection page: a resting stop sell, limit sell or OCO refuses a new market
   * buy; 403 "potential wash trade detected. use complex orders"). The position's exits are
   * canceled, the add goes out as a market buy (the venue sends it only once those cancels are
   * confirmed), and when it has filled the exits are laid for the whole new size; if it ends
   * unfilled they are laid for what is held.
   *
   * Weighed and not taken: swapping the OCOs for one plain stop before the add (the table lists
   * "stop sell, then market buy: always rejected", so the add would still be refused); sending
   * the add as a bracket or OTO order (Alpaca exempts complex orders, but whether a new complex
   * buy passes a resting simple stop, or a resting OCO a new simple buy, is not documented);
   * a trailing stop as the guard while the add works (exempt by the same page and missing from
   * the table, but it is an order type neither the venue contract nor the local exchange has
   * yet, and it trails upward while it rests). Only "no sell rests when the buy is sent" holds
   * under every reading of the rule. The cost: the shares are bare from the cancels' round trip
   * until the add's market fill and the new exits' acceptance (in a backtest with next-open
   * fills, the bar the add fills on).
   */
  sendAdd(pos: OpenPosition, purpose: string, qtyShares: number): void {
    this.exits.cancelAll(pos);
    const id = pos.nextLegId(purpose);
    pos.buyOrderId = id;
    pos.buyOpenQtyShares = qtyShares;
    const res = this.venue.submit({ clientOrderId: id, symbol: pos.signal.symbol, symId: pos.symId, side: "buy", type: "market", qtyShares, timing: this.exitTiming(), purpose });
    if (res.accepted) return;
    pos.buyOrderId = null;
    pos.buyOpenQtyShares = 0;
    // Sent from a bar: the venue's last price is that bar's close, which the broker has too.
    this.layExits(pos, this.nowMs(), this.venue.lastPriceUsd(pos.symId));
  }

  /**
   * Closes the position at market: its exits and any working buy are canceled first (the venue
   * sends the sell once they are confirmed; a sell next to an open buy is a wash trade). A sell
   * refused at once leaves the position open and bare: manage() tries again at the next bar.
   */
  exitPosition(pos: OpenPosition, reason: string, timing: MarketTiming): void {
    this.exits.cancelAll(pos);
    if (pos.buyOrderId !== null) {
      this.venue.cancel(pos.buyOrderId);
      pos.buyOrderId = null;
      pos.buyOpenQtyShares = 0;
    }
    pos.closing = true;
    pos.closeReason = reason;
    const id = pos.nextLegId(reason);
    pos.exitOrderId = id;
    const res = this.venue.submit({ clientOrderId: id, symbol: pos.signal.symbol, symId: pos.symId, side: "sell", type: "market", qtyShares: pos.qtyShares, timing, purpose: reason });
    // Accepted, or already settled re-entrantly (a simulated fill closed the position).
    if (res.accepted || pos.exitOrderId !== id) return;
    pos.exitOrderId = null;
    pos.closing = false;
    this.emit(pos, id, reason, { clientOrderId: id, status: "rejected", reason: res.reason, timeMs: this.nowMs() }, "none");
  }

  /** A protective exit ended unasked: an OCO refused by the stop-leg rule gives way to one plain stop (see stopThrough); anything else is repaired. */
  private exitEnded(pos: OpenPosition, id: string, purpose: string, e: OrderEnded): void {
    if (e.status !== "rejected" || !isStopAboveMarketRefusal(e.reason) || pos.closing || pos.buyOrderId !== null) return this.repair(pos, id, purpose, e);
    // The plain stop's own refusal (if any) is reported by the repair it goes to.
    if (this.relayStopOnly(pos, e.timeMs)) this.emit(pos, id, purpose, e, "relaid");
  }

  /**
   * Re-protects a position whose exit ended unasked, in the same call. The refusal may have
   * been a passing one, so the exits are laid once more; a refusal of that re-lay (or a re-laid
   * exit ending too) means the broker will not hold this position's exits and would refuse
   * again at every bar, so the position is closed at market instead.
   */
  private repair(pos: OpenPosition, id: string, purpose: string, e: OrderEnded): void {
    if (pos.closing || pos.buyOrderId !== null) return;
    if (!pos.relaidExitIds.includes(id)) {
      const again = this.exits.resize(pos);
      pos.relaidExitIds = pos.workingExitIds();
      if (again === null) return this.emit(pos, id, purpose, e, "relaid");
    }
    this.exitPosition(pos, "exits_refused", this.exitTiming());
    this.emit(pos, id, purpose, e, pos.closing ? "closed_at_market" : "none");
  }

  private emit(pos: OpenPosition, id: string, purpose: string, e: OrderEnded, repairedBy: UnprotectedEvent["repairedBy"]): void {
    this.events.unprotected?.({ positionId: pos.id, symbol: pos.signal.symbol, qtyShares: pos.qtyShares, clientOrderId: id, purpose, status: e.status, reason: e.reason, repairedBy, timeMs: e.timeMs });
  }
}

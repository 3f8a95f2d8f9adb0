import type { Venue } from "../broker/venue.ts";
import type { Fill, OrderIntent } from "../core/types.ts";
import { isStopAboveMarketRefusal, sellStopBelowMarket } from "../broker/stop-legs.ts";
import { roundToTick } from "../core/tick.ts";
import type { OpenPosition } from "./position.ts";

/**
 * A stop price as it rests at the broker: on the tick grid (a sub-penny stop is refused), rounded
 * toward the market so the stop triggers no later than planned. On a $1.41 stock the rounding is
 * a large part of R, so sizing and the trade record use this price, not the unrounded level.
 */
export function restingStopUsd(stopUsd: number): number {
  return roundToTick(stopUsd, "up");
}

/**
 * An exit the venue refused when it was laid, leaving shares without a stop; or, with
 * `stopThrough`, a stop found at or above the last price before anything was sent
 * (`clientOrderId` null): no stop can protect the position, the caller closes it.
 */
export interface RefusedExit {
  readonly clientOrderId: string | null;
  readonly purpose: string;
  readonly reason: string;
  readonly stopThrough: boolean;
}

/**
 * Whether a sell stop at `stopUsd` is already through the market at `marketUsd` (NaN: not
 * known): at or above the last price, a resting stop would trigger at once.
 */
export function stopThroughMarket(stopUsd: number, marketUsd: number): boolean {
  return !Number.isNaN(marketUsd) && stopUsd >= marketUsd - 1e-9;
}

/**
 * Whether Alpaca would refuse an exit pair (OCO) with this stop at `marketUsd` (NaN: not known):
 * its sell stop must be below base_price - 0.01 (src/broker/stop-legs.ts). A plain stop has no
 * such check, so a stop within a cent of the market can still rest alone.
 */
export function ocoStopRefused(stopUsd: number, marketUsd: number): boolean {
  return !Number.isNaN(marketUsd) && !sellStopBelowMarket(stopUsd, marketUsd);
}

/**
 * The orders that protect and take profit on a position, laid out as a real broker accepts them:
 * brokers reserve shares for every open sell, so a separate stop for the whole position next to
 * target limits would be refused. Each unfilled target is one OCO for its slice (the target limit
 * plus the protective stop), and a plain stop covers the shares no target claims (the runner).
 * Every share is protected exactly once, and a stop fills the same way whichever order holds it.
 */
export class ExitOrders {
  constructor(private readonly venue: Venue) {}

  /**
   * Places the exits for what the position holds now. Returns null when every share is
   * protected; else the refused order that left shares bare. A refused target OCO leaves none
   * bare: its slice falls to the runner stop. `marketUsd` is the last price the broker has too
   * (NaN: not known): a stop at or above it is through the market (nothing is sent, `stopThrough`);
   * a stop within a cent of it cannot rest in an OCO, so one plain stop covers every share, as it
   * does with `stopOnly` (set after the broker refused an OCO's stop).
   */
  place(pos: OpenPosition, marketUsd = NaN, stopOnly = false): RefusedExit | null {
    const targets = pos.plan.targets;
    const sym = pos.signal.symbol;
    const stopUsd = this.stopPrice(pos);
    if (stopThroughMarket(stopUsd, marketUsd)) return { clientOrderId: null, purpose: "stop", reason: `stop ${stopUsd} is at or above the last price ${marketUsd}`, stopThrough: true };
    const withTargets = !stopOnly && !ocoStopRefused(stopUsd, marketUsd);
    let allocated = 0;
    for (let i = 0; withTargets && i < targets.length; i++) {
      if (pos.targetDone[i]) continue;
      const tgt = targets[i];
      const free = pos.qtyShares - allocated;
      const q = tgt.rest ? free : Math.min(free, Math.floor(pos.enteredQtyShares * tgt.fraction));
      if (q < 1) continue;
      const id = pos.nextLegId(tgt.label);
      const res = this.venue.submit({ clientOrderId: id, symbol: sym, symId: pos.symId, side: "sell", type: "oco", qtyShares: q, limitPriceUsd: roundToTick(tgt.priceUsd, "down"), stopPriceUsd: stopUsd, purpose: tgt.label });
      // Refused by the stop-leg rule, every OCO at this stop would be: the runner stop takes the rest.
      if (!res.accepted && isStopAboveMarketRefusal(res.reason)) break;
      if (!res.accepted) continue;
      pos.targetOrderIds[i] = id;
      pos.targetQtyShares[i] = q;
      allocated += q;
    }
    const runner = pos.qtyShares - allocated;
    if (runner < 1) return null;
    const id = pos.nextLegId("stop");
    const res = this.venue.submit({ clientOrderId: id, symbol: sym, symId: pos.symId, side: "sell", type: "stop", qtyShares: runner, stopPriceUsd: stopUsd, purpose: "stop" });
    if (res.accepted) {
      pos.stopOrderId = id;
      pos.stopQtyShares = runner;
      return null;
    }
    return { clientOrderId: id, purpose: "stop", reason: res.reason, stopThrough: false };
  }

  cancelAll(pos: OpenPosition): void {
    if (pos.stopOrderId !== null) this.venue.cancel(pos.stopOrderId);
    pos.stopOrderId = null;
    for (let i = 0; i < pos.targetOrderIds.length; i++) {
      const id = pos.targetOrderIds[i];
      if (id !== null) this.venue.cancel(id);
      pos.targetOrderIds[i] = null;
    }
  }

  /**
   * Moves the stop (never down). Each working exit is replaced in place (Alpaca PATCH
   * /v2/orders/{id}): an OCO keeps its limit and quantity, its stop changes; the runner stop
   * changes its stop. No share is without its order at any moment, and no cancel race can leave
   * a new sell refused for shares the old one still holds. A replace refused at once leaves the
   * old order working at the old stop (protected, if less tightly); it is tried again at the
   * next move. While no exit rests (a scale-in is working) only the level changes: the exits
   * are laid at it when the buy fills.
   *
   * Returns "through" when the new stop is at or above `marketUsd` (the last price the broker
   * has too; NaN: not known), and "stop_only" when it is within a cent of it (an OCO may not
   * hold it, see ocoStopRefused) while target OCOs work: nothing is sent then, the caller closes
   * the position or re-lays the exits as one plain stop. A replace refused at once by the
   * stop-leg rule leaves the old order working, like any refused replace.
   */
  moveStop(pos: OpenPosition, stopUsd: number, marketUsd = NaN): "moved" | "through" | "stop_only" {
    // Compared and kept as it will rest, so pos.stopUsd is always the working stop's price.
    const stopPx = restingStopUsd(stopUsd);
    if (!(stopPx > pos.stopUsd)) return "moved";
    pos.stopUsd = stopPx;
    if (stopThroughMarket(stopPx, marketUsd)) return "through";
    if (ocoStopRefused(stopPx, marketUsd) && pos.targetOrderIds.some((id) => id !== null)) return "stop_only";
    for (let i = 0; i < pos.targetOrderIds.length; i++) {
      const old = pos.targetOrderIds[i];
      if (old === null) continue;
      const next = this.replaced(pos, old, i, stopPx);
      if (next !== null) pos.targetOrderIds[i] = next;
    }
    if (pos.stopOrderId !== null) {
      const next = this.replaced(pos, pos.stopOrderId, -1, stopPx);
      if (next !== null) pos.stopOrderId = next;
    }
    return "moved";
  }

  /**
   * Re-lays the exits for a changed position size: cancel, then place. The venue sends each new
   * sell only after the cancels whose shares it needs are confirmed (the Venue contract), so
   * the shares are bare only for the broker's cancel round trip.
   */
  resize(pos: OpenPosition, marketUsd = NaN, stopOnly = false): RefusedExit | null {
    this.cancelAll(pos);
    return this.place(pos, marketUsd, stopOnly);
  }

  /**
   * Books a fill of one of the position's exits. A fill can come from an order the engine had
   * already replaced (a broker fills it before the replace lands): its target is taken all the
   * same. Returns true when the exits must be laid again for what is left.
   */
  onFill(pos: OpenPosition, f: Fill): boolean {
    if (f.clientOrderId === pos.stopOrderId) {
      pos.stopOrderId = null;
      return false;
    }
    const i = pos.targetOrderIds.indexOf(f.clientOrderId);
    if (i >= 0) {
      pos.targetOrderIds[i] = null;
      // The limit leg filled: the target is taken. A stop leg: the slice is gone, and so is its target.
      pos.targetDone[i] = true;
      return false;
    }
    const t = pos.plan.targets.findIndex((x) => x.label === f.purpose);
    if (t >= 0) pos.targetDone[t] = true;
    return pos.qtyShares > 0;
  }

  /**
   * Replaces working exit `old` (target slot `slot`, or -1 for the runner stop) by the same order
   * at a new stop price under a new client id; null when the venue refused.
   */
  private replaced(pos: OpenPosition, old: string, slot: number, stopPx: number): string | null {
    const tgt = slot >= 0 ? pos.plan.targets[slot] : null;
    const leg = tgt === null ? "stop" : tgt.label;
    const id = pos.nextLegId(leg);
    const base = { clientOrderId: id, symbol: pos.signal.symbol, symId: pos.symId, side: "sell" as const, stopPriceUsd: stopPx, purpose: leg };
    const next: OrderIntent =
      tgt === null
        ? { ...base, type: "stop", qtyShares: pos.stopQtyShares }
        : { ...base, type: "oco", qtyShares: pos.targetQtyShares[slot], limitPriceUsd: roundToTick(tgt.priceUsd, "down") };
    return this.venue.replace(old, next).accepted ? id : null;
  }

  // On the broker's price grid, toward the market: the stop triggers no later than planned
  // and a target asks no more than planned (a sub-penny price is refused outright).
  private stopPrice(pos: OpenPosition): number {
    return restingStopUsd(pos.stopUsd);
  }
}

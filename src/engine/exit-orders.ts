import type { Venue } from "../broker/venue.ts";
import type { Fill } from "../core/types.ts";
import { roundToTick } from "../core/tick.ts";
import type { OpenPosition } from "./position.ts";

/**
 * The orders that protect and take profit on a position, laid out as a real broker accepts them:
 * brokers reserve shares for every open sell, so a separate stop for the whole position next to
 * target limits would be refused. Each unfilled target is one OCO for its slice (the target limit
 * plus the protective stop), and a plain stop covers the shares no target claims (the runner).
 * Every share is protected exactly once, and a stop fills the same way whichever order holds it.
 */
export class ExitOrders {
  constructor(private readonly venue: Venue) {}

  /** Places the exits for what the position holds now. */
  place(pos: OpenPosition): void {
    const targets = pos.plan.targets;
    const sym = pos.signal.symbol;
    // On the broker's price grid, each toward the market: the stop triggers no later than planned
    // and a target asks no more than planned (a sub-penny price is refused outright).
    const stopUsd = roundToTick(pos.stopUsd, "up");
    let allocated = 0;
    for (let i = 0; i < targets.length; i++) {
      if (pos.targetDone[i]) continue;
      const tgt = targets[i];
      const free = pos.qtyShares - allocated;
      const q = tgt.rest ? free : Math.min(free, Math.floor(pos.enteredQtyShares * tgt.fraction));
      if (q < 1) continue;
      const id = pos.nextLegId(tgt.label);
      const res = this.venue.submit({ clientOrderId: id, symbol: sym, symId: pos.symId, side: "sell", type: "oco", qtyShares: q, limitPriceUsd: roundToTick(tgt.priceUsd, "down"), stopPriceUsd: stopUsd, purpose: tgt.label });
      if (!res.accepted) continue;
      pos.targetOrderIds[i] = id;
      allocated += q;
    }
    const runner = pos.qtyShares - allocated;
    if (runner < 1) return;
    const id = pos.nextLegId("stop");
    const res = this.venue.submit({ clientOrderId: id, symbol: sym, symId: pos.symId, side: "sell", type: "stop", qtyShares: runner, stopPriceUsd: stopUsd, purpose: "stop" });
    if (res.accepted) pos.stopOrderId = id;
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

  /** Moves the stop (never down) by replacing every exit at the new level. */
  moveStop(pos: OpenPosition, stopUsd: number): void {
    if (!(stopUsd > pos.stopUsd)) return;
    pos.stopUsd = stopUsd;
    this.cancelAll(pos);
    this.place(pos);
  }

  /** Re-lays the exits for a changed position size (a scale-in filled). */
  resize(pos: OpenPosition): void {
    this.cancelAll(pos);
    this.place(pos);
  }

  /**
   * Books a fill of one of the position's exits. A fill can come from an order the engine had
   * already replaced (a broker fills it before the cancel lands): its target is taken all the
   * same, and the exits are laid again for what is left.
   */
  onFill(pos: OpenPosition, f: Fill): void {
    if (f.clientOrderId === pos.stopOrderId) {
      pos.stopOrderId = null;
      return;
    }
    const i = pos.targetOrderIds.indexOf(f.clientOrderId);
    if (i >= 0) {
      pos.targetOrderIds[i] = null;
      // The limit leg filled: the target is taken. A stop leg: the slice is gone, and so is its target.
      pos.targetDone[i] = true;
      return;
    }
    const t = pos.plan.targets.findIndex((x) => x.label === f.purpose);
    if (t >= 0) pos.targetDone[t] = true;
    if (pos.qtyShares > 0) this.resize(pos);
  }
}

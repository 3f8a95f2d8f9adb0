import { BROKER_LIQUIDATION, type Fill, type Signal, type TradeRecord } from "../core/types.ts";
import type { RiskConfig } from "../config/schema.ts";
import type { OrderEnded, Venue } from "../broker/venue.ts";
import type { OpenPosition } from "./position.ts";
import type { LearningState } from "./learning.ts";
import type { ExitOrders } from "./exit-orders.ts";
import type { PositionOrders } from "./position-orders.ts";
import type { EngineEvents, EngineResult } from "./events.ts";
import type { DayBook } from "./day-book.ts";
import type { SlotTable } from "./slot-table.ts";
import type { EntryPath, PositionBook } from "./entry-path.ts";

/** What the fill path reads and writes besides the book. */
export interface FillDeps {
  readonly risk: RiskConfig;
  readonly broker: Venue;
  readonly events: EngineEvents;
  readonly learning: LearningState | null;
  readonly day: DayBook;
  readonly slots: SlotTable;
  readonly exits: ExitOrders;
  readonly orders: PositionOrders;
  readonly entry: EntryPath;
  readonly result: EngineResult;
  readonly reject: (sig: Signal, reason: string) => void;
}

/**
 * What comes back from the venue: fills (entries open positions, sales book realised P/L for the
 * account and the strategy, exits relay or close), broker liquidations, and orders that ended
 * without the engine asking. A closed position becomes a TradeRecord here.
 */
export class FillPath {
  constructor(
    private readonly d: FillDeps,
    private readonly book: PositionBook,
  ) {}

  /** A fill from the venue: at once in simulation, later from a real broker's order updates. */
  onFill(f: Fill): void {
    this.d.events.fill?.(f);
    const sym = f.symId;
    this.d.day.dayTrades.onFill(sym, f.side);
    const pos = this.book.positions[sym];
    // A real broker may fill an entry in pieces: the first piece opens the position, later ones grow it.
    if (f.purpose === "entry" && pos === null) {
      this.d.entry.openPosition(f);
      return;
    }
    if (pos === null) {
      if (f.purpose === BROKER_LIQUIDATION) this.d.events.adopted?.({ positionId: null, fill: f, qtyLeftShares: 0, outcome: "no_position" });
      return;
    }
    if (f.side === "buy") return this.d.orders.onBuyFill(pos, f);
    pos.addExit({ timeMs: f.timeMs, qtyShares: f.qtyShares, priceUsd: f.priceUsd, reason: f.purpose });
    const halt = this.d.day.bookPnl(this.d.slots.slotOf[sym], f.qtyShares * (f.priceUsd - pos.costUsd / pos.enteredQtyShares), this.d.risk);
    if (halt !== null) this.d.events.halt?.(halt, f.timeMs, "day");
    if (f.purpose === BROKER_LIQUIDATION) return this.onBrokerSale(pos, f);
    const relay = this.d.exits.onFill(pos, f);
    if (pos.qtyShares <= 0) return this.closePosition(pos);
    if (relay && !pos.closing && pos.buyOrderId === null) this.d.orders.layExits(pos, f.timeMs);
    const move = pos.plan.stopMoveAfter;
    if (move !== null && move.label === f.purpose) {
      pos.stopMoved = true;
      // Inside a fill the broker may have seen a later price than the engine: its refusal decides (PositionOrders.stopThrough).
      this.d.orders.moveStop(pos, move.stopUsd);
    }
  }

  /**
   * The broker sold shares the engine did not sell (a liquidation; the venue forwards it with
   * purpose BROKER_LIQUIDATION): booked as an exit above, the trade closed when nothing is left,
   * else the exits laid again for what is.
   */
  private onBrokerSale(pos: OpenPosition, f: Fill): void {
    if (pos.qtyShares <= 0) {
      this.d.events.adopted?.({ positionId: pos.id, fill: f, qtyLeftShares: 0, outcome: "closed" });
      return this.closePosition(pos);
    }
    this.d.events.adopted?.({ positionId: pos.id, fill: f, qtyLeftShares: pos.qtyShares, outcome: "exits_relaid" });
    if (!pos.closing && pos.buyOrderId === null) this.d.orders.layExits(pos, f.timeMs);
  }

  /**
   * An order ended without the engine asking: refused after it was accepted for sending, or
   * canceled or expired by the broker. What it was comes from where the engine keeps its id: a
   * pending entry frees its symbol (the signal is recorded as rejected); a position's order is
   * handled by PositionOrders.onEnded (a protective exit is repaired in this same call). Ids the
   * engine no longer keeps (orders it canceled or replaced itself) change nothing.
   */
  onOrderEnded(e: OrderEnded): void {
    const id = e.clientOrderId;
    const pending = this.book.pending;
    for (let s = 0; s < pending.length; s++) {
      const p = pending[s];
      if (p === null || p.orderId !== id) continue;
      pending[s] = null;
      this.d.reject(p.signal, `order ${e.status}: ${e.reason}`);
      return;
    }
    for (const pos of this.book.positions) if (pos !== null && this.d.orders.onEnded(pos, e)) return;
  }

  private closePosition(pos: OpenPosition): void {
    this.d.exits.cancelAll(pos);
    // A closing order still out (the stop filled first, before the broker took its cancel): the
    // shares it was to sell are gone. A live venue drops it if it has not left yet.
    if (pos.exitOrderId !== null) this.d.broker.cancel(pos.exitOrderId);
    this.book.positions[pos.symId] = null;
    const k = this.d.slots.slotOf[pos.symId];
    if (k >= 0) this.d.day.slotOpen[k]--;
    const trade: TradeRecord = pos.toTradeRecord();
    this.d.result.trades.push(trade);
    this.d.events.trade?.(trade);
    if (this.d.learning !== null) {
      const equity = this.d.entry.equityNow();
      const hwm = this.d.day.hwmUsd;
      const ddPct = hwm > 0 ? Math.max(0, (1 - equity / hwm) * 100) : 0;
      // The RL reward is P/L as % of the equity the entry was sized on.
      this.d.learning.onTradeClosed(trade, trade.sizing.equityUsd, ddPct);
    }
    if (--this.book.openCount === 0) this.d.result.exposedMs += this.d.day.marketMsBetween(this.book.exposedSinceMs, trade.exitTimeMs);
  }
}

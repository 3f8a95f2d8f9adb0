import type { ExitPlan } from "../core/strategy.ts";
import type { ExitLeg, Signal, SizingDecision, TradeRecord } from "../core/types.ts";

/**
 * One open position and the orders that manage it. Created at the entry fill (an event, not a
 * bar), so it may allocate; per-bar updates touch only numeric fields.
 */
export class OpenPosition {
  qtyShares: number;
  stopUsd: number;
  stopOrderId: string | null = null;
  /** Working order id per plan target, null once filled or cancelled. */
  readonly targetOrderIds: (string | null)[];
  stopMoved = false;
  closing = false;
  proceedsUsd = 0;
  readonly exits: ExitLeg[] = [];
  /** Ring of recent lows for the trailing stop. */
  private readonly lows: Float64Array;
  private lowsSeen = 0;

  constructor(
    readonly id: string,
    readonly symId: number,
    readonly signal: Signal,
    readonly sizing: SizingDecision,
    readonly plan: ExitPlan,
    readonly entryTimeMs: number,
    readonly entryPriceUsd: number,
    readonly entryQtyShares: number,
  ) {
    this.qtyShares = entryQtyShares;
    this.stopUsd = plan.stopUsd;
    this.targetOrderIds = plan.targets.map(() => null);
    this.lows = new Float64Array(Math.max(1, plan.trailBars));
  }

  /** Risk per share at entry, friction included. */
  get rPerShareUsd(): number {
    return this.entryPriceUsd - this.plan.stopUsd;
  }

  recordLow(lowUsd: number): void {
    this.lows[this.lowsSeen % this.lows.length] = lowUsd;
    this.lowsSeen++;
  }

  /** Lowest low of the last `trailBars` bars, NaN until that many bars were seen. */
  trailingLow(): number {
    if (this.lowsSeen < this.lows.length) return NaN;
    let m = Infinity;
    for (let i = 0; i < this.lows.length; i++) if (this.lows[i] < m) m = this.lows[i];
    return m;
  }

  addExit(leg: ExitLeg): void {
    this.exits.push(leg);
    this.proceedsUsd += leg.qtyShares * leg.priceUsd;
    this.qtyShares -= leg.qtyShares;
  }

  toTradeRecord(): TradeRecord {
    const last = this.exits[this.exits.length - 1];
    const sold = this.entryQtyShares - this.qtyShares;
    const pnl = this.proceedsUsd - sold * this.entryPriceUsd;
    const risk = this.rPerShareUsd * this.entryQtyShares;
    return {
      id: this.id,
      strategyId: this.signal.strategyId,
      symbol: this.signal.symbol,
      entryTimeMs: this.entryTimeMs,
      exitTimeMs: last.timeMs,
      entryTime: new Date(this.entryTimeMs).toISOString(),
      exitTime: new Date(last.timeMs).toISOString(),
      entryPriceUsd: this.entryPriceUsd,
      exitPriceUsd: sold > 0 ? this.proceedsUsd / sold : NaN,
      shares: this.entryQtyShares,
      initialStopUsd: this.plan.stopUsd,
      rPerShareUsd: this.rPerShareUsd,
      rMultiple: risk > 0 ? pnl / risk : 0,
      pnlUsd: pnl,
      exitReason: last.reason,
      exits: this.exits,
      sizing: this.sizing,
      signal: this.signal,
    };
  }
}

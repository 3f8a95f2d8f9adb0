import type { ExitPlan } from "../core/strategy.ts";
import type { ExitLeg, FullSize, Signal, SizingDecision, TradeRecord } from "../core/types.ts";
import { FAIL_SAFE_REGIME_CALL, type RegimeCall } from "../sizing/regime-port.ts";

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
  /** Shares of each working target OCO, and of the runner stop (a replace keeps them). */
  readonly targetQtyShares: Float64Array;
  stopQtyShares = 0;
  /** Targets taken, or whose slice a stop closed: they are not placed again. */
  readonly targetDone: boolean[];
  stopMoved = false;
  closing = false;
  proceedsUsd = 0;
  readonly exits: ExitLeg[] = [];
  readonly entries: ExitLeg[] = [];
  /** Sizing decisions of the adds, in order (the initial one is `sizing`). */
  readonly addSizing: SizingDecision[] = [];
  /** The full size the entry decided: each add is its template fraction of it (null: no template sizing). */
  readonly fullSize: FullSize | null;
  /** Shares bought so far (initial plus adds) and what they cost, friction included. */
  enteredQtyShares: number;
  costUsd: number;
  /** Dollars at risk to the initial stop over every entry. */
  riskUsd: number;
  /** Index of the next template add to watch for; a buy still working (`buyOrderId`) blocks the next. */
  nextAdd = 0;
  /** Orders placed for this position so far: the sequence part of their client order ids. */
  legSeq = 0;
  /**
   * The buy still working for this position: the rest of a partly filled entry, or a scale-in.
   * While it works no exit rests (a sell next to an open buy is a wash trade at Alpaca); the
   * exits are laid for the whole position when it fills or ends.
   */
  buyOrderId: string | null = null;
  /** Shares of `buyOrderId` not filled yet. */
  buyOpenQtyShares = 0;
  /** The market sell closing the position (time stop, flatten, repair), once sent, and why. */
  exitOrderId: string | null = null;
  closeReason = "";
  /** The exits laid by a repair (after an exit ended unasked): if one of them ends too, the position is closed at market. */
  relaidExitIds: readonly string[] = [];
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
    /** The regime call made at the entry; adds are sized under it. */
    readonly regime: RegimeCall = FAIL_SAFE_REGIME_CALL,
  ) {
    this.fullSize = sizing.fullSize ?? null;
    this.qtyShares = entryQtyShares;
    this.enteredQtyShares = entryQtyShares;
    this.costUsd = entryQtyShares * entryPriceUsd;
    // Without a stop the whole cost is at risk (a stop at zero): R is then the return on the cost.
    this.riskUsd = entryQtyShares * (entryPriceUsd - (plan.stopUsd > 0 ? plan.stopUsd : 0));
    this.entries.push({ timeMs: entryTimeMs, qtyShares: entryQtyShares, priceUsd: entryPriceUsd, reason: "entry" });
    this.stopUsd = plan.stopUsd;
    this.targetOrderIds = plan.targets.map(() => null);
    this.targetDone = plan.targets.map(() => false);
    this.targetQtyShares = new Float64Array(plan.targets.length);
    this.lows = new Float64Array(Math.max(1, plan.trailBars));
  }

  /** Records a scale-in fill. */
  addEntry(leg: ExitLeg): void {
    this.entries.push(leg);
    this.qtyShares += leg.qtyShares;
    this.enteredQtyShares += leg.qtyShares;
    this.costUsd += leg.qtyShares * leg.priceUsd;
    this.riskUsd += leg.qtyShares * Math.max(0, leg.priceUsd - (this.hasStop ? this.plan.stopUsd : 0));
  }

  /** Risk per share at entry, friction included (the whole entry price without a stop). */
  get rPerShareUsd(): number {
    return this.entryPriceUsd - (this.hasStop ? this.plan.stopUsd : 0);
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

  /** The ids of the exits working now (stop and target OCOs). */
  workingExitIds(): string[] {
    const out: string[] = [];
    if (this.stopOrderId !== null) out.push(this.stopOrderId);
    for (const id of this.targetOrderIds) if (id !== null) out.push(id);
    return out;
  }

  /**
   * Whether the plan has a stop at all. A plan without one (the strategy set `stopUsd` null: sized by
   * allocation, closed by its exit signal) keeps NaN as its stop and lays no exit orders.
   */
  get hasStop(): boolean {
    return this.plan.stopUsd > 0;
  }

  /** True while no exit protects the shares and no buy is working that will lay them (a repair failed). */
  get unprotected(): boolean {
    if (!this.hasStop || this.qtyShares <= 0 || this.closing || this.buyOrderId !== null || this.stopOrderId !== null) return false;
    // A loop, not .every: this runs on every bar of an open position.
    for (let i = 0; i < this.targetOrderIds.length; i++) if (this.targetOrderIds[i] !== null) return false;
    return true;
  }

  /** The client order id of this position's next order leg: its entry's id, the leg, a sequence number. */
  nextLegId(leg: string): string {
    return `${this.id}.${leg}.${++this.legSeq}`;
  }

  addExit(leg: ExitLeg): void {
    const last = this.exits[this.exits.length - 1];
    // Slices stopped out together (each OCO's stop leg and the runner's stop) are one exit.
    if (last !== undefined && last.reason === leg.reason && last.timeMs === leg.timeMs && last.priceUsd === leg.priceUsd) {
      this.exits[this.exits.length - 1] = { ...last, qtyShares: last.qtyShares + leg.qtyShares };
    } else this.exits.push(leg);
    this.proceedsUsd += leg.qtyShares * leg.priceUsd;
    this.qtyShares -= leg.qtyShares;
  }

  toTradeRecord(): TradeRecord {
    const last = this.exits[this.exits.length - 1];
    const sold = this.enteredQtyShares - this.qtyShares;
    const avgEntry = this.costUsd / this.enteredQtyShares;
    const pnl = this.proceedsUsd - sold * avgEntry;
    const risk = this.riskUsd;
    return {
      id: this.id,
      strategyId: this.signal.strategyId,
      symbol: this.signal.symbol,
      entryTimeMs: this.entryTimeMs,
      exitTimeMs: last.timeMs,
      entryTime: new Date(this.entryTimeMs).toISOString(),
      exitTime: new Date(last.timeMs).toISOString(),
      entryPriceUsd: avgEntry,
      exitPriceUsd: sold > 0 ? this.proceedsUsd / sold : NaN,
      shares: this.enteredQtyShares,
      initialStopUsd: this.plan.stopUsd,
      rPerShareUsd: this.rPerShareUsd,
      rMultiple: risk > 0 ? pnl / risk : 0,
      pnlUsd: pnl,
      exitReason: last.reason,
      exits: this.exits,
      entries: this.entries,
      template: this.plan.templateName ?? null,
      sizing: this.sizing,
      addSizing: this.addSizing,
      signal: this.signal,
    };
  }
}

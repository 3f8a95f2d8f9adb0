import type { AllocTrade } from "../whatif/allocate.ts";

/**
 * The allocator's evidence as of a decision: every strategy's last `window` trades that closed
 * strictly before the decision instant, and the configured allocation of each strategy. The
 * engine's LearningState builds it (allocatorView); the layer `alloc` reads it.
 */
export interface AllocatorView {
  /** Trades closed before the decision, at most `window` per strategy, oldest first. */
  readonly trades: readonly AllocTrade[];
  /**
   * Each configured strategy's allocation (any positive scale: fractions of equity, or 1 each for
   * equal shares). Empty = the strategies seen in `trades`, in equal shares.
   */
  readonly allocations: ReadonlyMap<string, number>;
}

/** One closed trade as the allocator counts it. */
export interface ClosedForAllocator {
  readonly strategyId: string;
  readonly entryTimeMs: number;
  readonly exitTimeMs: number;
  readonly rMultiple: number;
  readonly pnlUsd: number;
  readonly entryPriceUsd: number;
  readonly shares: number;
}

/**
 * A trade's outcome in units of one average loss: its R when it had a stop (finite R), else its
 * return on the capital it used (P/L / entry notional). Kelly's K = W - (1 - W) / B depends only on
 * the win rate and the payoff ratio, both free of the unit, so strategies sized by a stop and by
 * allocation are compared fairly as long as each uses one unit throughout. NaN when neither exists.
 */
export function allocatorUnits(t: ClosedForAllocator): number {
  if (Number.isFinite(t.rMultiple)) return t.rMultiple;
  const notional = t.entryPriceUsd * t.shares;
  return notional > 0 && Number.isFinite(t.pnlUsd) ? t.pnlUsd / notional : NaN;
}

/**
 * Closed trades per strategy for the allocator, bounded: each strategy keeps at most twice the
 * window (trimmed back to the window when it grows past that), and a view is cached until a trade
 * is added or the decision instant falls before the newest close.
 */
export class AllocatorHistory {
  private readonly byStrategy = new Map<string, AllocTrade[]>();
  private maxClosedMs = -Infinity;
  private cached: AllocatorView | null = null;
  private allocations: ReadonlyMap<string, number> = new Map();

  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 1) throw new Error(`allocator window must be a positive integer (got ${window})`);
  }

  /** The configured allocation of each strategy (from the engine's strategy slots). */
  setAllocations(allocations: ReadonlyMap<string, number>): void {
    const ok = new Map<string, number>();
    for (const [id, a] of allocations) if (Number.isFinite(a) && a > 0) ok.set(id, a);
    this.allocations = ok;
    this.cached = null;
  }

  /** Records a closed trade; a trade without a usable outcome is ignored (returns false). */
  add(t: ClosedForAllocator): boolean {
    const units = allocatorUnits(t);
    if (!Number.isFinite(units) || !Number.isFinite(t.exitTimeMs) || !Number.isFinite(t.entryTimeMs)) return false;
    let list = this.byStrategy.get(t.strategyId);
    if (!list) {
      list = [];
      this.byStrategy.set(t.strategyId, list);
    }
    list.push({ strategy: t.strategyId, units, openedMs: t.entryTimeMs, closedMs: t.exitTimeMs, pnlUsd: t.pnlUsd });
    if (list.length > 2 * this.window) list.splice(0, list.length - this.window);
    if (t.exitTimeMs > this.maxClosedMs) this.maxClosedMs = t.exitTimeMs;
    this.cached = null;
    return true;
  }

  /** The view as of `asOfMs`: only trades that closed strictly before it (no look-ahead). */
  view(asOfMs: number): AllocatorView {
    const allBefore = this.maxClosedMs < asOfMs;
    if (allBefore && this.cached) return this.cached;
    const trades: AllocTrade[] = [];
    for (const list of this.byStrategy.values()) {
      const before = allBefore ? list : list.filter((t) => t.closedMs < asOfMs);
      trades.push(...before.slice(-this.window));
    }
    const v: AllocatorView = { trades, allocations: this.allocations };
    if (allBefore) this.cached = v;
    return v;
  }

  /** Every trade kept, for a checkpoint. */
  toJSON(): AllocTrade[] {
    return [...this.byStrategy.values()].flat();
  }

  /** Restores trades saved by toJSON (entries that are not finite are dropped). */
  load(trades: readonly AllocTrade[]): void {
    for (const t of trades) {
      if (!Number.isFinite(t.units) || !Number.isFinite(t.closedMs) || !Number.isFinite(t.openedMs)) continue;
      let list = this.byStrategy.get(t.strategy);
      if (!list) {
        list = [];
        this.byStrategy.set(t.strategy, list);
      }
      list.push({ strategy: t.strategy, units: t.units, openedMs: t.openedMs, closedMs: t.closedMs, pnlUsd: t.pnlUsd ?? null });
      if (t.closedMs > this.maxClosedMs) this.maxClosedMs = t.closedMs;
    }
    for (const list of this.byStrategy.values()) {
      list.sort((a, b) => a.closedMs - b.closedMs);
      if (list.length > this.window) list.splice(0, list.length - this.window);
    }
    this.cached = null;
  }
}

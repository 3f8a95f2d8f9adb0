import type { BarView } from "./bars.ts";
import type { SymbolSnapshot } from "./snapshot.ts";
import type { Signal } from "./types.ts";

/** A take-profit level: sell `fraction` of the entry quantity when price trades through it. */
export interface ExitTarget {
  readonly label: string;
  readonly priceUsd: number;
  /** Of the shares entered so far (initial plus adds). */
  readonly fraction: number;
  /** Sell everything still held (the last target of a template, or an early exit). */
  readonly rest?: boolean;
}

/** A scale-in: when a bar closes at or above `priceUsd`, add a position sized by the pipeline then. */
export interface ExitAdd {
  readonly index: number;
  readonly priceUsd: number;
}

/** How a position is managed after its entry fills. */
export interface ExitPlan {
  readonly stopUsd: number;
  /** Ascending prices. */
  readonly targets: readonly ExitTarget[];
  /** After the target with this label fills, the stop moves up to `stopUsd` (never down). */
  readonly stopMoveAfter: { readonly label: string; readonly stopUsd: number } | null;
  /** Once the stop has moved, it also trails at the lowest low of the last N bars (0 = off). */
  readonly trailBars: number;
  readonly timeStopMinutes: number;
  /** Scale-ins (template modes only); ascending. */
  readonly adds?: readonly ExitAdd[];
  /** The template the plan came from, if any (adds are sized with it pinned). */
  readonly templateName?: string;
}

/**
 * A strategy: a pure function of (its own per-symbol state, a read-only snapshot, the bar).
 * It proposes entries and exit plans; it never places orders, and the engine guards each call.
 */
export interface Strategy<S> {
  readonly id: string;
  createState(): S;
  /**
   * Called on every eligible bar after the symbol's indicators took that bar. Must not allocate
   * unless it returns a Signal (rare): this is the per-bar hot path.
   */
  onBar(state: S, snap: SymbolSnapshot, bar: Readonly<BarView>): Signal | null;
  exitPlan(signal: Signal, entryPriceUsd: number): ExitPlan;
}

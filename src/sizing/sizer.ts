import type { FullSize, Signal, SizingDecision } from "../core/types.ts";
import type { AllocatorView } from "./allocator.ts";
import type { HeldPosition } from "./caps.ts";
import type { ConfidenceModel } from "./logistic.ts";
import type { KellySnapshot } from "./kelly-stats.ts";
import type { RegimeCall } from "./regime-port.ts";
import type { RlPolicy } from "./rl-port.ts";
import type { SizingStage } from "./template.ts";

/**
 * What the pipeline reads besides the prices: learned state, passed in so sizing stays a pure
 * function of its arguments (the engine owns the stores and takes snapshots as of the decision).
 */
export interface SizingContext {
  /** Closed-trade statistics as of the decision (see kellySnapshotFor); null or absent = none yet. */
  readonly kelly?: KellySnapshot | null;
  /** Trained only on trades closed before the signal; null or absent = not trained. */
  readonly confidenceModel?: ConfidenceModel | null;
  /** Overrides the sizer's default policy (NeutralRlPolicy unless createSizer got one). */
  readonly rlPolicy?: RlPolicy;
  /** Every strategy's closed trades as of the decision, for the allocator layer `alloc`; absent = neutral. */
  readonly allocator?: AllocatorView | null;
}

/** A strategy's allocation as the sizer reads it (see SizingInput.allocation). */
export interface SizingAllocation {
  /** Fraction of equity per symbol of the strategy (0.167 = 16.7%). */
  readonly weight: number;
  /** Largest position, % of equity. */
  readonly maxPositionPct: number;
}

/**
 * Everything a sizer may look at, taken at the decision bar. The first six fields are the
 * original contract; the rest are optional so existing callers keep working, and a missing one
 * makes its layer neutral (with a reason saying so), never a guess.
 */
export interface SizingInput {
  readonly signal: Signal;
  /** Expected entry price per share, friction included. */
  readonly entryPriceUsd: number;
  /**
   * The initial stop, or null when the strategy sets none: the entry is then sized by
   * `allocation` (notional) instead of risk to the stop, and layers that need a stop do not apply.
   */
  readonly stopUsd: number | null;
  /**
   * The strategy's allocation (issue 14): `weight` = the strategy's allocation / its symbol count
   * (a fraction of equity, from its slot), `maxPositionPct` = the most of equity one position may
   * hold, %. The base of an entry without a stop; ignored with a stop.
   */
  readonly allocation?: SizingAllocation;
  readonly equityUsd: number;
  readonly buyingPowerUsd: number;
  readonly openPositions: number;
  /** Equity high-water mark; absent = current equity (no drawdown). */
  readonly highWaterMarkUsd?: number;
  /** A halt reason (daily loss limit, manual) or null: size 0 in every mode. */
  readonly halted?: string | null;
  /** The regime model's call at entry; absent = fail-safe NORMAL. */
  readonly regime?: RegimeCall | null;
  /** ATR / its average at the decision bar; absent or NaN = unknown. */
  readonly volatilityRatio?: number;
  /** Trend strength for the RL state; absent or NaN = unknown. */
  readonly trendStrength?: number;
  /** Entry features in the confidence model's featureNames order; absent = ENTRY_FEATURES from the signal. */
  readonly features?: ArrayLike<number> | null;
  /** Initial entry (default) or the n-th add of a scaling template. */
  readonly stage?: SizingStage;
  readonly context?: SizingContext;
  /**
   * An add only: the position it joins. An add is a fraction of the full size its entry decided,
   * cut by the caps for the whole position; without this it is not sized (0 shares, with why).
   */
  readonly position?: PositionSoFar;
}

/** The open position an add is sized against: its entry's full size and what it holds now. */
export interface PositionSoFar extends HeldPosition {
  /** The entry decision's `fullSize`. */
  readonly fullSize: FullSize | null | undefined;
}

/**
 * The seam between the engine and the sizing pipeline: the engine asks for a decision and
 * records it whole; it never computes a size itself.
 */
export interface Sizer {
  size(input: SizingInput): SizingDecision;
}

import type { Signal, SizingDecision } from "../core/types.ts";

/** Everything a sizer may look at, taken at the decision bar. */
export interface SizingInput {
  readonly signal: Signal;
  /** Expected entry price per share, friction included. */
  readonly entryPriceUsd: number;
  readonly stopUsd: number;
  readonly equityUsd: number;
  readonly buyingPowerUsd: number;
  readonly openPositions: number;
}

/**
 * The seam between the engine and the sizing pipeline: the engine asks for a decision and
 * records it whole; it never computes a size itself.
 */
export interface Sizer {
  size(input: SizingInput): SizingDecision;
}

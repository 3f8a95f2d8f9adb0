import type { NamedFeatures } from "../features/entry-features.ts";

export type { NamedFeatures } from "../features/entry-features.ts";

/**
 * The seam to the regime model (src/regime/). The sizing pipeline never calls the
 * classifier itself: the engine classifies at entry and passes the call in, so sizing stays a pure
 * function of its arguments.
 */

export type Regime = "ADD_ALLOWED" | "ADD_NEUTRAL" | "NO_ADD";

export const REGIMES: readonly Regime[] = ["ADD_ALLOWED", "ADD_NEUTRAL", "NO_ADD"];

/** One classification with its top-class probability and a readable reason. */
export interface RegimeCall {
  readonly regime: Regime;
  readonly probability: number;
  readonly reason: string;
}

export interface RegimeClassifier {
  /**
   * The regime at an entry. `asOfMs` is the decision time (the signal bar's close), so a model can
   * refuse to answer for a moment it is too old for, or one inside its own training period.
   */
  classify(features: NamedFeatures, asOfMs?: number): RegimeCall;
}

/**
 * The fail-safe default until a trained model exists: always ADD_NEUTRAL, which maps to the
 * NORMAL template. SPEC requires NORMAL whenever the model is missing, so this is not a guess.
 */
export const FAIL_SAFE_REGIME_CALL: RegimeCall = Object.freeze({
  regime: "ADD_NEUTRAL",
  probability: 1,
  reason: "no regime model: fail-safe NORMAL",
});

export class NeutralRegimeStub implements RegimeClassifier {
  classify(_features: NamedFeatures): RegimeCall {
    return FAIL_SAFE_REGIME_CALL;
  }
}

import type { SizingDecision } from "../core/types.ts";
import type { KellyEstimate } from "./kelly.ts";
import type { RegimeCall } from "./regime-port.ts";
import type { ScalingTemplate, SizingStage } from "./template.ts";

/** The position right after an order fills at its expected price (what the whole-position caps bound). */
export interface PositionAfter {
  readonly qtyShares: number;
  /** Risk to the stop of every held share, % of equity at the decision. */
  readonly riskPct: number;
  /** Market value at the order's price (or cost, when higher), USD. */
  readonly notionalUsd: number;
}

/** A SizingDecision plus what the engine, the journal and the RL learner need afterwards. */
export interface PipelineDecision extends SizingDecision {
  readonly stage: SizingStage;
  /** Base risk % (riskPct clamped into [min, max]). */
  readonly baseRiskPct: number;
  /**
   * Entries: base x every factor (the template's initial fraction included), before caps and
   * integer shares. Adds: the add's template share of the full size, as risk from the add price.
   */
  readonly targetRiskPct: number;
  readonly drawdownPct: number;
  /** The confidence model's p, or null when it was not computed or not usable (always null for an add). */
  readonly probability: number | null;
  /** Null for an add: the entry's Kelly is the position's. */
  readonly kelly: KellyEstimate | null;
  /** The template chosen (template modes); the position manager takes adds and targets from it. */
  readonly template: ScalingTemplate | null;
  /** Hand back to the RL learner when the trade closes (rl and full modes; never for an add, which draws no action). */
  readonly rl: { readonly action: number; readonly stateKey: string } | null;
  /** The regime call the template or the RL state used, with its reason (null in modes that use neither). */
  readonly regime: RegimeCall | null;
  /** The position after this order, or null when no shares are ordered. */
  readonly positionAfter: PositionAfter | null;
}

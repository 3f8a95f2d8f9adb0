import type { SizingConfig } from "../../config/schema.ts";
import type { KellyEstimate } from "../kelly.ts";
import type { LayerResult } from "../layer.ts";
import type { RegimeCall } from "../regime-port.ts";
import type { RlPolicy } from "../rl-port.ts";
import type { SizingContext, SizingInput } from "../sizer.ts";
import type { ScalingTemplate, SizingStage } from "../template.ts";

export type { LayerResult } from "../layer.ts";

/**
 * A sizing layer: one multiplier with the reason a person reads. A mode is a list of layer names
 * (modes.ts); the pipeline multiplies the base by each layer's factor in that order, then applies
 * the caps. Layers are pure functions of the input and the per-decision context.
 */
export interface SizingLayer {
  /** The name in the decision's factors and summary ("kelly", "vol", ...). */
  readonly name: string;
  /**
   * The layer only means something relative to a stop (R multiples: Kelly's risk target, a
   * template's R triggers). For an entry sized by allocation (no stop) the pipeline does not call
   * it: the factor is 1.0 and the reason says it did not apply.
   */
  readonly needsStop?: boolean;
  /**
   * "scale" (default): the factor multiplies the position's full size. "portion": the factor is
   * the fraction of the full size ordered now (a scaling template); at most one per mode.
   */
  readonly kind?: "scale" | "portion";
  apply(input: SizingInput, ctx: LayerContext): LayerResult;
}

/** What the built-in layers hand back besides the factor, for the decision record. */
export interface LayerOutput extends LayerResult {
  /** kelly: the estimate behind the factor (null when neutral for lack of a sample). */
  readonly kelly?: KellyEstimate | null;
  /** rl: the action the learner is handed back when the trade closes. */
  readonly rl?: { readonly action: number; readonly stateKey: string };
  /** portion layers: the template whose fraction was ordered. */
  readonly template?: ScalingTemplate;
  /** The layer read the regime call (the decision records it). */
  readonly usedRegime?: boolean;
}

/** A portion layer also sizes adds: the template an add of `input.stage` follows, or why none. */
export interface PortionLayer extends SizingLayer {
  readonly kind: "portion";
  addTemplate(input: SizingInput): ScalingTemplate | string;
}

/** Per-decision facts every layer may read, computed once by the pipeline. */
export interface LayerContext {
  /** "risk": the base is risk to the stop; "alloc": the allocation's notional (no stop). */
  readonly base: "risk" | "alloc";
  /** The base in % of equity: risk % to the stop, or notional % for an allocation. */
  readonly basePct: number;
  readonly stage: SizingStage;
  /** Drawdown from the equity high-water mark, % as a magnitude. */
  readonly drawdownPct: number;
  /** The regime call at entry, or the fail-safe NORMAL call. */
  readonly regime: RegimeCall;
  /** Learned state as of the decision (input.context, or empty). */
  readonly learned: SizingContext;
  /**
   * The confidence model's calibrated win probability of this signal, NaN when unusable, with
   * why. Computed once per decision, on first use (the conf and rl layers share it).
   */
  probability(): { readonly p: number; readonly why: string };
}

/** What a layer is built from, once per sizer. */
export interface LayerSetup {
  readonly sizing: SizingConfig;
  /** Base risk % after the [min, max] clamp. */
  readonly baseRiskPct: number;
  /** The RL policy when the input's context has none. */
  readonly defaultRl: RlPolicy;
}

/**
 * A layer as a module exports it (default export of a layer file, or a built-in): its name and a
 * factory run once per sizer, so a layer may resolve its config and keep memos in a closure.
 */
export interface SizingLayerDefinition {
  readonly name: string;
  /** One line for docs and `--explain`. */
  readonly description: string;
  create(setup: LayerSetup): SizingLayer;
}

/** The identity: types a layer module's default export. */
export function defineSizingLayer(def: SizingLayerDefinition): SizingLayerDefinition {
  return def;
}

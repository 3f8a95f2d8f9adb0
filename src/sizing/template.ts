import type { SizingConfig, TemplateConfig } from "../config/schema.ts";
import { fmtFactor, type LayerResult } from "./layer.ts";
import { FAIL_SAFE_REGIME_CALL, type Regime, type RegimeCall } from "./regime-port.ts";

export type { Regime, RegimeCall, RegimeClassifier, NamedFeatures } from "./regime-port.ts";
export { NeutralRegimeStub, FAIL_SAFE_REGIME_CALL } from "./regime-port.ts";

/**
 * Scaling templates: what fraction of the full size to enter now, when to add, where to take
 * profit. They live in config (sizing.templates), so SPEC's "revised" variants are config edits.
 * The position manager reads `adds`, `targets` and `earlyExitR`; sizing only reads the fractions.
 */

export interface RStep {
  readonly atR: number;
  readonly fraction: number;
}

export interface ScalingTemplate {
  readonly name: string;
  /** Of the full size (base x the other layers). */
  readonly initialFraction: number;
  /** Each add is +fraction of the full size once price reaches entry + atR x R. */
  readonly adds: readonly RStep[];
  readonly maxFraction: number;
  /** Sell this fraction of the position at atR; fractions sum to at most 1. */
  readonly targets: readonly RStep[];
  /** Close whatever is still open at this R (the early-exit variant). */
  readonly earlyExitR?: number;
}

export type SizingStage = { readonly kind: "initial" } | { readonly kind: "add"; readonly index: number; readonly template?: string };

export const INITIAL_STAGE: SizingStage = Object.freeze({ kind: "initial" });

function toTemplate(name: string, t: TemplateConfig): ScalingTemplate {
  const base = { name, initialFraction: t.initialFraction, adds: t.adds, maxFraction: t.maxFraction, targets: t.targets };
  return t.earlyExitR === undefined ? base : { ...base, earlyExitR: t.earlyExitR };
}

/** All configured templates by name. Throws when the regime map names a missing template. */
export function templatesFromConfig(sizing: Pick<SizingConfig, "templates" | "regimeTemplates">): ReadonlyMap<string, ScalingTemplate> {
  const out = new Map<string, ScalingTemplate>();
  for (const [name, t] of Object.entries(sizing.templates)) out.set(name, toTemplate(name, t));
  for (const [regime, name] of Object.entries(sizing.regimeTemplates)) {
    if (!out.has(name)) throw new Error(`sizing.regimeTemplates.${regime}: no template named "${name}" in sizing.templates`);
  }
  return out;
}

/**
 * The template for a regime call. No call means no model: the fail-safe NORMAL (the ADD_NEUTRAL
 * template), as SPEC requires. The classifier owns its own probability threshold fail-safe.
 */
export function templateForRegime(
  templates: ReadonlyMap<string, ScalingTemplate>,
  regimeTemplates: Readonly<Record<Regime, string>>,
  call: RegimeCall | null | undefined,
): ScalingTemplate {
  const regime = (call ?? FAIL_SAFE_REGIME_CALL).regime;
  const t = templates.get(regimeTemplates[regime]) ?? templates.get(regimeTemplates.ADD_NEUTRAL);
  if (!t) throw new Error(`no template for regime ${regime}`);
  return t;
}

interface StageResults {
  readonly initial: LayerResult;
  readonly adds: readonly LayerResult[];
}

// A template's results are fixed by the template, so they are built once and shared (frozen).
const results = new WeakMap<ScalingTemplate, StageResults>();

function resultsOf(t: ScalingTemplate): StageResults {
  let r = results.get(t);
  if (!r) {
    r = {
      initial: Object.freeze({ factor: t.initialFraction, reason: `template ${t.name}: initial ${fmtFactor(t.initialFraction)} of full size` }),
      adds: t.adds.map((a, i) => Object.freeze({ factor: a.fraction, reason: `template ${t.name}: add #${i + 1} +${fmtFactor(a.fraction)} at +${a.atR}R` })),
    };
    results.set(t, r);
  }
  return r;
}

/** The template layer: the initial fraction for an entry, that add's fraction for an add (0 when the template has no such add). */
export function templateFactor(template: ScalingTemplate, stage: SizingStage): LayerResult {
  const r = resultsOf(template);
  if (stage.kind === "initial") return r.initial;
  return r.adds[stage.index] ?? { factor: 0, reason: `template ${template.name} has no add #${stage.index + 1}` };
}

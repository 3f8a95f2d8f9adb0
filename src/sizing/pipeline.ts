import type { RiskConfig, SizingConfig } from "../config/schema.ts";
import type { SizingDecision, SizingFactor } from "../core/types.ts";
import { baseRiskPct } from "./base-risk.ts";
import { applyCaps, type RiskCaps } from "./caps.ts";
import { confidenceFactor, confidenceProbability, type ConfidenceLayerResult } from "./confidence.ts";
import { drawdownFactor, drawdownPct } from "./drawdown.ts";
import { ENTRY_FEATURES, entryFeatures } from "./entry-features.ts";
import { kellyFactor, type KellyEstimate, type KellyLayerResult } from "./kelly.ts";
import type { KellySnapshot } from "./kelly-stats.ts";
import { fixed2, fmtFactor, fmtPct } from "./layer.ts";
import type { ConfidenceModel } from "./logistic.ts";
import { FAIL_SAFE_REGIME_CALL, type Regime, type RegimeCall } from "./regime-port.ts";
import { NeutralRlPolicy, rlLayer, type RlPolicy } from "./rl-port.ts";
import type { Sizer, SizingInput } from "./sizer.ts";
import { INITIAL_STAGE, templateFactor, templatesFromConfig, type ScalingTemplate, type SizingStage } from "./template.ts";
import { volatilityFactor } from "./volatility.ts";

/**
 * The sizing pipeline: base risk x the mode's layers x the drawdown cutback, then the caps.
 *
 *   mode              layers (besides base, drawdown and caps, which apply in every mode)
 *   fixed             -
 *   kelly             kelly
 *   kelly_confidence  kelly, confidence
 *   regime_template   template
 *   rl                rl
 *   full              kelly, confidence, volatility, rl, template
 *
 * Volatility applies in `full` only: SPEC's modes name the layers they measure, and a mode that
 * silently included volatility could not be compared against `fixed` for its own layer.
 * A layer not in the mode is neither applied nor listed. Adds exist only where a template does.
 */

export type SizingMode = SizingConfig["mode"];

const MODES: ReadonlySet<string> = new Set<SizingMode>(["fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"]);

/** A mode name read back from a file (the intent log) is one this build knows. */
export function isSizingMode(x: string): x is SizingMode {
  return MODES.has(x);
}

interface ModeLayers {
  readonly kelly: boolean;
  readonly conf: boolean;
  readonly vol: boolean;
  readonly rl: boolean;
  readonly tmpl: boolean;
}

export const MODE_LAYERS: Readonly<Record<SizingMode, ModeLayers>> = Object.freeze({
  fixed: { kelly: false, conf: false, vol: false, rl: false, tmpl: false },
  kelly: { kelly: true, conf: false, vol: false, rl: false, tmpl: false },
  kelly_confidence: { kelly: true, conf: true, vol: false, rl: false, tmpl: false },
  regime_template: { kelly: false, conf: false, vol: false, rl: false, tmpl: true },
  rl: { kelly: false, conf: false, vol: false, rl: true, tmpl: false },
  full: { kelly: true, conf: true, vol: true, rl: true, tmpl: true },
});

export interface SizerConfig {
  readonly sizing: SizingConfig;
  readonly risk: Pick<RiskConfig, "maxOpenPositions" | "maxNotionalUsd">;
}

export interface SizerDeps {
  /** Default RL policy when the input's context has none; NeutralRlPolicy when absent. */
  readonly rlPolicy?: RlPolicy;
}

/** A SizingDecision plus what the engine, the journal and the RL learner need afterwards. */
export interface PipelineDecision extends SizingDecision {
  readonly stage: SizingStage;
  /** Base risk % (riskPct clamped into [min, max]). */
  readonly baseRiskPct: number;
  /** Base x every factor, before caps and integer shares. */
  readonly targetRiskPct: number;
  readonly drawdownPct: number;
  /** The confidence model's p, or null when it was not computed or not usable. */
  readonly probability: number | null;
  readonly kelly: KellyEstimate | null;
  /** The template chosen (template modes); the position manager takes adds and targets from it. */
  readonly template: ScalingTemplate | null;
  /** Hand back to the RL learner when the trade closes (rl and full modes). */
  readonly rl: { readonly action: number; readonly stateKey: string } | null;
  /** The regime call the template or the RL state used, with its reason (null in modes that use neither). */
  readonly regime: RegimeCall | null;
}

export interface PipelineSizer extends Sizer {
  readonly mode: SizingMode;
  size(input: SizingInput): PipelineDecision;
}

const NEUTRAL_RL = new NeutralRlPolicy();

export function createSizer(config: SizerConfig, deps: SizerDeps = {}): PipelineSizer {
  const s = config.sizing;
  const mode = s.mode;
  const use = MODE_LAYERS[mode];
  if (!use) throw new Error(`unknown sizing mode ${JSON.stringify(mode)}`);
  const base = baseRiskPct(s.riskPct, s.minRiskPct, s.maxRiskPct);
  const baseFactor: SizingFactor = Object.freeze({ name: "risk", factor: base / 100, reason: `base ${fmtPct(base)}% of equity` });
  const caps: RiskCaps = { minRiskPct: s.minRiskPct, maxRiskPct: s.maxRiskPct, maxNotionalUsd: config.risk.maxNotionalUsd, maxOpenPositions: config.risk.maxOpenPositions };
  const templates = use.tmpl ? templatesFromConfig(s) : new Map<string, ScalingTemplate>();
  // Resolved once (templatesFromConfig has checked every name), not per decision.
  const byRegime: Readonly<Record<Regime, ScalingTemplate>> | null = use.tmpl
    ? { ADD_ALLOWED: templates.get(s.regimeTemplates.ADD_ALLOWED)!, ADD_NEUTRAL: templates.get(s.regimeTemplates.ADD_NEUTRAL)!, NO_ADD: templates.get(s.regimeTemplates.NO_ADD)! }
    : null;
  const defaultRl = deps.rlPolicy ?? NEUTRAL_RL;
  // Kelly's reason costs a few toFixed calls and its input changes only when a trade closes: a
  // one-entry memo on the (cached, immutable) snapshot object keeps the hot path cheap.
  let memoSnap: KellySnapshot | null | undefined;
  let memoKelly: KellyLayerResult | null = null;

  function kellyLayer(snap: KellySnapshot | null): KellyLayerResult {
    if (memoKelly === null || snap !== memoSnap) {
      memoKelly = kellyFactor(snap, s.kelly, base);
      memoSnap = snap;
    }
    return memoKelly;
  }

  function confidence(model: ConfidenceModel | null, input: SizingInput): ConfidenceLayerResult {
    let features = input.features ?? null;
    // A model trained on ENTRY_FEATURES can be fed straight from the signal, sparing the caller.
    if (features === null && model !== null && sameNames(model.featureNames, ENTRY_FEATURES)) features = entryFeatures(input.signal);
    if (use.conf) return confidenceFactor(model, features, s.confidence);
    const { p } = confidenceProbability(model, features, s.confidence);
    return { factor: 1, reason: "", p };
  }

  return {
    mode,
    size(input: SizingInput): PipelineDecision {
      const ctx = input.context;
      const stage = input.stage ?? INITIAL_STAGE;
      const r = input.entryPriceUsd - input.stopUsd;
      const factors: SizingFactor[] = [baseFactor];
      let target = base;
      let kelly: KellyEstimate | null = null;
      if (use.kelly) {
        const k = kellyLayer(ctx?.kelly ?? null);
        factors.push({ name: "kelly", factor: k.factor, reason: k.reason });
        target *= k.factor;
        kelly = k.estimate;
      }
      let p = NaN;
      if (use.conf || use.rl) {
        const c = confidence(ctx?.confidenceModel ?? null, input);
        p = c.p;
        if (use.conf) {
          factors.push({ name: "conf", factor: c.factor, reason: c.reason });
          target *= c.factor;
        }
      }
      const volRatio = input.volatilityRatio ?? NaN;
      if (use.vol) {
        const v = volatilityFactor(volRatio, s.volatility);
        factors.push({ name: "vol", factor: v.factor, reason: v.reason });
        target *= v.factor;
      }
      const dd = drawdownPct(input.equityUsd, input.highWaterMarkUsd);
      let rl: PipelineDecision["rl"] = null;
      if (use.rl) {
        const m = rlLayer(ctx?.rlPolicy ?? defaultRl, {
          volatilityRatio: volRatio,
          trendStrength: input.trendStrength ?? NaN,
          regime: (input.regime ?? FAIL_SAFE_REGIME_CALL).regime,
          confidence: p,
          drawdownPct: dd,
        });
        factors.push({ name: "rl", factor: m.factor, reason: m.reason });
        target *= m.factor;
        rl = { action: m.action, stateKey: m.stateKey };
      }
      const d = drawdownFactor(dd, s.drawdown);
      factors.push({ name: "dd", factor: d.factor, reason: d.reason });
      target *= d.factor;
      let template: ScalingTemplate | null = null;
      if (use.tmpl) {
        const pin = stage.kind === "add" ? stage.template : undefined;
        template = pin === undefined ? byRegime![(input.regime ?? FAIL_SAFE_REGIME_CALL).regime] : (templates.get(pin) ?? null);
        // An add pinned to a template that is no longer configured (config changed while the
        // position was open) is not sized with some other template's fractions.
        const t = template === null ? { factor: 0, reason: `template ${pin} is not configured: add not sized` } : templateFactor(template, stage);
        factors.push({ name: "tmpl", factor: t.factor, reason: t.reason });
        target *= t.factor;
      } else if (stage.kind === "add") {
        factors.push({ name: "tmpl", factor: 0, reason: `mode ${mode} has no scaling template: adds are not sized` });
        target = 0;
      }
      const capped = applyCaps(
        {
          targetRiskPct: target,
          equityUsd: input.equityUsd,
          entryPriceUsd: input.entryPriceUsd,
          rPerShareUsd: r,
          buyingPowerUsd: input.buyingPowerUsd,
          openPositions: input.openPositions,
          isAdd: stage.kind === "add",
          halted: input.halted ?? null,
        },
        caps,
      );
      const cap = capped.cap ?? (capped.qtyShares === 0 ? zeroFactorCap(factors) : null);
      return {
        mode,
        equityUsd: input.equityUsd,
        rPerShareUsd: r,
        riskPct: capped.riskPct,
        qtyShares: capped.qtyShares,
        factors,
        cap,
        summary: summarize(base, factors, target, capped.qtyShares, cap),
        stage,
        baseRiskPct: base,
        targetRiskPct: target,
        drawdownPct: dd,
        probability: Number.isNaN(p) ? null : p,
        kelly,
        template,
        rl,
        regime: use.tmpl || use.rl ? (input.regime ?? FAIL_SAFE_REGIME_CALL) : null,
      };
    },
  };
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** When a layer zeroed the size, that layer is what bound it: "dd 0: drawdown 21.3% >= 20%: ...". */
function zeroFactorCap(factors: readonly SizingFactor[]): string | null {
  for (const f of factors) if (f.factor === 0) return `${f.name} 0: ${f.reason}`;
  return null;
}

// Factors repeat (they come from config rungs, the Kelly memo, RL's action set), so their text is
// cached; the cap keeps a stream of distinct values (a custom policy) from growing it unbounded.
const factorText = new Map<number, string>();

function factorStr(x: number): string {
  let t = factorText.get(x);
  if (t === undefined) {
    t = fmtFactor(x);
    if (factorText.size >= 4096) factorText.clear();
    factorText.set(x, t);
  }
  return t;
}

/** SPEC's one-line form: "risk 1% x kelly 0.76 x conf 1.5 x vol 0.85 x rl 1.25 x dd 1.0 -> 1.21% -> 412 sh (cap: none)". */
export function summarize(basePct: number, factors: readonly SizingFactor[], targetPct: number, qty: number, cap: string | null): string {
  let s = `risk ${fmtPct(basePct)}%`;
  for (let i = 1; i < factors.length; i++) s += ` x ${factors[i].name} ${factorStr(factors[i].factor)}`;
  return `${s} -> ${fixed2(targetPct)}% -> ${qty} sh (cap: ${cap ?? "none"})`;
}

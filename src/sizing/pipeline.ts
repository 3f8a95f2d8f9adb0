import type { RiskConfig, SizingConfig } from "../config/schema.ts";
import type { SizingFactor } from "../core/types.ts";
import { sizeAdd, type AddSizingSetup } from "./add-sizing.ts";
import { baseRiskPct } from "./base-risk.ts";
import type { PipelineDecision } from "./decision.ts";
import { confidenceFactor, confidenceProbability, type ConfidenceLayerResult } from "./confidence.ts";
import { drawdownFactor, drawdownPct } from "./drawdown.ts";
import { ENTRY_FEATURES, entryFeatures } from "./entry-features.ts";
import { kellyFactor, type KellyEstimate, type KellyLayerResult } from "./kelly.ts";
import type { KellySnapshot } from "./kelly-stats.ts";
import { fixed2, fmtFactor, fmtPct } from "./layer.ts";
import { capFullSize, positionPlan, type RiskCaps } from "./caps.ts";
import type { ConfidenceModel } from "./logistic.ts";
import { FAIL_SAFE_REGIME_CALL, type Regime } from "./regime-port.ts";
import { NeutralRlPolicy, rlLayer, type RlPolicy } from "./rl-port.ts";
import type { Sizer, SizingInput } from "./sizer.ts";
import { INITIAL_STAGE, templateFactor, templatesFromConfig, type ScalingTemplate } from "./template.ts";
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
 *
 * An entry decides the position's FULL size (base x the layers x the drawdown cutback, raised to
 * the floor once, then cut so the whole planned position fits the caps: see caps.ts) and
 * orders the template's initial fraction of it. An add re-runs no layer: it is its template
 * fraction of that full size (see add-sizing.ts).
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

export type { PipelineDecision, PositionAfter } from "./decision.ts";

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

  const addSetup: AddSizingSetup = { mode, baseRiskPct: base, caps, drawdown: s.drawdown };

  /** An add: its template (pinned to the entry's) and, when the mode or template has none, why. */
  function add(input: SizingInput): PipelineDecision {
    const stage = input.stage!;
    if (!use.tmpl) return sizeAdd(input, null, { name: "tmpl", factor: 0, reason: `mode ${mode} has no scaling template: adds are not sized` }, addSetup);
    const pin = stage.kind === "add" ? stage.template : undefined;
    const template = pin === undefined ? byRegime![(input.regime ?? FAIL_SAFE_REGIME_CALL).regime] : (templates.get(pin) ?? null);
    // An add pinned to a template that is no longer configured (config changed while the
    // position was open) is not sized with some other template's fractions.
    if (template === null) return sizeAdd(input, null, { name: "tmpl", factor: 0, reason: `template ${pin} is not configured: add not sized` }, addSetup);
    return sizeAdd(input, template, null, addSetup);
  }

  return {
    mode,
    size(input: SizingInput): PipelineDecision {
      const stage = input.stage ?? INITIAL_STAGE;
      if (stage.kind === "add") return add(input);
      const ctx = input.context;
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
      // The full size: every layer but the template. The template says which fraction to order now.
      const fullTarget = target;
      let template: ScalingTemplate | null = null;
      let fraction = 1;
      if (use.tmpl) {
        template = byRegime![(input.regime ?? FAIL_SAFE_REGIME_CALL).regime];
        const t = templateFactor(template, stage);
        factors.push({ name: "tmpl", factor: t.factor, reason: t.reason });
        fraction = t.factor;
        target *= t.factor;
      }
      const refusal = entryRefusal(input, r, caps);
      let full = 0;
      let qty = 0;
      let cap: string | null = refusal;
      if (refusal === null && fullTarget > 0 && fraction > 0) {
        const f = capFullSize({ targetRiskPct: fullTarget, equityUsd: input.equityUsd, rPerShareUsd: r, buyingPowerUsd: input.buyingPowerUsd, plan: positionPlan(template, input.entryPriceUsd, r) }, caps);
        full = f.qtyShares;
        cap = f.cap;
        // The epsilon keeps 0.29 x 100 (28.999...) from losing a share to floating point.
        qty = template === null ? full : Math.floor(fraction * full + 1e-9);
        const guard = orderGuard(qty, input, r, caps);
        if (guard !== null) [qty, cap] = guard;
      }
      if (qty === 0 && cap === null) cap = zeroFactorCap(factors) ?? (full > 0 ? `tmpl ${fmtFactor(fraction)} of full ${full} sh is under 1 share` : null);
      const e = input.equityUsd;
      return {
        mode,
        equityUsd: e,
        rPerShareUsd: r,
        riskPct: qty > 0 ? ((qty * r) / e) * 100 : 0,
        qtyShares: qty,
        factors,
        cap,
        summary: template === null ? summarize(base, factors, target, qty, cap) : summarizeTemplate(base, factors, fullTarget, full, qty, cap),
        stage,
        baseRiskPct: base,
        targetRiskPct: target,
        drawdownPct: dd,
        probability: Number.isNaN(p) ? null : p,
        kelly,
        template,
        rl,
        regime: use.tmpl || use.rl ? (input.regime ?? FAIL_SAFE_REGIME_CALL) : null,
        fullSize: full > 0 ? { qtyShares: full, riskPct: ((full * r) / e) * 100, drawdownFactor: d.factor } : null,
        positionAfter: qty > 0 ? { qtyShares: qty, riskPct: ((qty * r) / e) * 100, notionalUsd: qty * input.entryPriceUsd } : null,
      };
    },
  };
}

/** Why an entry gets no shares whatever the layers say, in cap order: halt, bad inputs, max open positions. */
function entryRefusal(input: SizingInput, r: number, caps: RiskCaps): string | null {
  if (input.halted) return `halted: ${input.halted}`;
  if (!(r > 0) || !Number.isFinite(r)) return "no risk: R <= 0";
  const e = input.equityUsd;
  if (!(e > 0) || !Number.isFinite(e)) return "no equity";
  const px = input.entryPriceUsd;
  if (!(px > 0) || !Number.isFinite(px)) return "no entry price";
  if (input.openPositions >= caps.maxOpenPositions) return `max open positions ${caps.maxOpenPositions}`;
  return null;
}

/**
 * The entry order itself within every cap. The full size was built so its planned position fits,
 * so this only ever trims a share that floating point put a hair over a limit; with one order
 * (no template) it never changes anything.
 */
function orderGuard(qty: number, input: SizingInput, r: number, caps: RiskCaps): [number, string] | null {
  const px = input.entryPriceUsd;
  const e = input.equityUsd;
  const bp = Math.max(0, input.buyingPowerUsd);
  const over = (q: number): string | null =>
    q * px > caps.maxNotionalUsd ? `max notional $${caps.maxNotionalUsd}` : q * px > bp ? `buying power $${input.buyingPowerUsd.toFixed(2)}` : ((q * r) / e) * 100 > caps.maxRiskPct ? `max risk ${caps.maxRiskPct}%` : null;
  const cap = over(qty);
  if (cap === null) return null;
  let q = qty;
  while (q > 0 && over(q) !== null) q--;
  return [q, cap];
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

/**
 * A template entry: the layers give the full size, the template's fraction of it is ordered now:
 * "risk 1% x kelly 1.92 x ... x dd 0.5 -> 1.53% -> full 3064 sh x tmpl 0.33 -> 1011 sh (cap: none)".
 */
export function summarizeTemplate(basePct: number, factors: readonly SizingFactor[], fullPct: number, fullQty: number, qty: number, cap: string | null): string {
  let s = `risk ${fmtPct(basePct)}%`;
  let tmpl = "";
  for (let i = 1; i < factors.length; i++) {
    if (factors[i].name === "tmpl") tmpl = ` x tmpl ${factorStr(factors[i].factor)}`;
    else s += ` x ${factors[i].name} ${factorStr(factors[i].factor)}`;
  }
  return `${s} -> ${fixed2(fullPct)}% -> full ${fullQty} sh${tmpl} -> ${qty} sh (cap: ${cap ?? "none"})`;
}

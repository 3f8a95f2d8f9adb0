import type { RiskConfig, SizingConfig } from "../config/schema.ts";
import type { SizingFactor } from "../core/types.ts";
import { sizeAdd, type AddSizingSetup } from "./add-sizing.ts";
import { baseRiskPct } from "./base-risk.ts";
import { accountRefusal, allocationRefusal, capAllocation } from "./alloc-base.ts";
import type { PipelineDecision } from "./decision.ts";
import { confidenceProbability } from "./confidence.ts";
import { drawdownPct } from "./drawdown.ts";
import { ENTRY_FEATURES, entryFeatures } from "./entry-features.ts";
import type { KellyEstimate } from "./kelly.ts";
import { fixed1, fixed2, fmtFactor, fmtPct } from "./layer.ts";
import { capFullSize, positionPlan, type RiskCaps } from "./caps.ts";
import { knownLayers, type LayerContext, type LayerOutput, type LayerRegistry, type LayerSetup, type PortionLayer, type SizingLayer } from "./layers/index.ts";
import { BUILTIN_MODES, isBuiltinMode, isLayerFile, modeLayerList, type ModeLists } from "./modes.ts";
import { FAIL_SAFE_REGIME_CALL, type RegimeCall } from "./regime-port.ts";
import { NeutralRlPolicy, type RlPolicy } from "./rl-port.ts";
import type { Sizer, SizingContext, SizingInput } from "./sizer.ts";
import { INITIAL_STAGE, type ScalingTemplate, type SizingStage } from "./template.ts";

/**
 * The sizing pipeline: a base x the mode's layers, then the caps. A mode is a list of layer names
 * (modes.ts: the built-in modes, and the user's in config `sizing.modes`); each layer is a module
 * (layers/) that returns a factor and a reason. A layer not in the mode is neither applied nor
 * listed. Adds exist only where a "portion" layer (the scaling template) does.
 *
 * Two bases (issue 14):
 * - With a stop, the base is risk to the stop: base risk % of equity, quantity = risk $ / R
 *   (SPEC 3), with the risk caps (min/max risk %, notional, buying power).
 * - Without a stop (stopUsd null) the base is the allocation's notional: equity x the strategy's
 *   weight (input.allocation), times the layers, capped at allocation.maxPositionPct of equity, the
 *   max notional and buying power. Layers that need a stop (kelly, tmpl) answer 1.0 and say they did
 *   not apply, as do the risk caps. For such a decision every "risk" percentage of the decision
 *   (riskPct, baseRiskPct, targetRiskPct) is the position's NOTIONAL % of equity (what it loses if
 *   the price goes to zero), and rPerShareUsd is NaN (there is no R).
 *
 * An entry decides the position's FULL size (base x the layers, raised to the floor once, then cut
 * so the whole planned position fits the caps: see caps.ts) and orders the portion layer's
 * fraction of it. An add re-runs no layer: it is its template fraction of that full size
 * (add-sizing.ts).
 */

/** A built-in mode name or one defined in config `sizing.modes`. */
export type SizingMode = SizingConfig["mode"];

export type { BuiltinSizingMode } from "./modes.ts";

/** The built-in modes as layer lists (the former boolean table, now the lists in modes.ts). */
export const MODE_LAYERS = BUILTIN_MODES;

/** A mode name read back from a file (the intent log) is one this build, or this config, knows. */
export function isSizingMode(x: string, modes: ModeLists = {}): x is SizingMode {
  return isBuiltinMode(x) || Object.hasOwn(modes, x);
}

export interface SizerConfig {
  readonly sizing: SizingConfig;
  readonly risk: Pick<RiskConfig, "maxOpenPositions" | "maxNotionalUsd">;
}

export interface SizerDeps {
  /** Default RL policy when the input's context has none; NeutralRlPolicy when absent. */
  readonly rlPolicy?: RlPolicy;
  /** Layers by mode-list entry (loadSizingLayers adds layer files); the built-ins when absent. */
  readonly layers?: LayerRegistry;
}

export type { PipelineDecision, PositionAfter } from "./decision.ts";

export interface PipelineSizer extends Sizer {
  readonly mode: SizingMode;
  /** The layers the mode runs, in order. */
  readonly layers: readonly string[];
  size(input: SizingInput): PipelineDecision;
}

const NEUTRAL_RL = new NeutralRlPolicy();
const NO_CONTEXT: SizingContext = Object.freeze({});

/** The layer instances of a mode, in order. Throws for an unknown mode or layer. */
function buildLayers(mode: string, s: SizingConfig, registry: LayerRegistry, setup: LayerSetup): SizingLayer[] {
  const names = modeLayerList(mode, s.modes ?? {});
  if (names === null) throw new Error(`unknown sizing mode ${JSON.stringify(mode)}`);
  const layers = names.map((name) => {
    const def = registry.get(name);
    if (def) return def.create(setup);
    if (isLayerFile(name)) throw new Error(`sizing layer file ${name} (mode ${mode}) is not loaded: make the sizer with { layers: await loadSizingLayers(config.sizing) }`);
    throw new Error(`unknown sizing layer ${JSON.stringify(name)} in mode ${mode}`);
  });
  if (layers.filter((l) => l.kind === "portion").length > 1) throw new Error(`sizing mode ${mode} has more than one portion (template) layer`);
  return layers;
}

export function createSizer(config: SizerConfig, deps: SizerDeps = {}): PipelineSizer {
  const s = config.sizing;
  const mode = s.mode;
  const base = baseRiskPct(s.riskPct, s.minRiskPct, s.maxRiskPct);
  const baseFactor: SizingFactor = Object.freeze({ name: "risk", factor: base / 100, reason: `base ${fmtPct(base)}% of equity` });
  const caps: RiskCaps = { minRiskPct: s.minRiskPct, maxRiskPct: s.maxRiskPct, maxNotionalUsd: config.risk.maxNotionalUsd, maxOpenPositions: config.risk.maxOpenPositions };
  const layers = buildLayers(mode, s, deps.layers ?? knownLayers(), { sizing: s, baseRiskPct: base, defaultRl: deps.rlPolicy ?? NEUTRAL_RL });
  const portion = (layers.find((l) => l.kind === "portion") as PortionLayer | undefined) ?? null;
  // A layer that needs a stop says so once per sizer, not once per decision.
  const notApplied = new Map(layers.map((l) => [l, Object.freeze({ name: l.name, factor: 1, reason: `${l.name}: needs a stop; sized by allocation: not applied` })]));

  const addSetup: AddSizingSetup = { mode, baseRiskPct: base, caps, drawdown: s.drawdown };

  /** An add: its template (pinned to the entry's) and, when the mode or template has none, why. */
  function add(input: SizingInput): PipelineDecision {
    if (portion === null) return sizeAdd(input, null, { name: "tmpl", factor: 0, reason: `mode ${mode} has no scaling template: adds are not sized` }, addSetup);
    if (input.stopUsd === null) return sizeAdd(input, null, { name: "tmpl", factor: 0, reason: "no stop: a position sized by allocation has no adds" }, addSetup);
    const t = portion.addTemplate(input);
    if (typeof t === "string") return sizeAdd(input, null, { name: "tmpl", factor: 0, reason: t }, addSetup);
    return sizeAdd(input, t, null, addSetup);
  }

  /** The per-decision context the layers read; the confidence p is computed on first use. */
  function layerContext(input: SizingInput, stage: SizingStage, byRisk: boolean, dd: number, regime: RegimeCall): LayerContext & { readonly pUsed: () => number } {
    const learned = input.context ?? NO_CONTEXT;
    let prob: { p: number; why: string } | null = null;
    return {
      base: byRisk ? "risk" : "alloc",
      basePct: byRisk ? base : (input.allocation?.weight ?? 0) * 100,
      stage,
      drawdownPct: dd,
      regime,
      learned,
      probability() {
        if (prob === null) {
          const model = learned.confidenceModel ?? null;
          let features = input.features ?? null;
          // A model trained on ENTRY_FEATURES can be fed straight from the signal, sparing the caller.
          if (features === null && model !== null && sameNames(model.featureNames, ENTRY_FEATURES)) features = entryFeatures(input.signal);
          prob = confidenceProbability(model, features, s.confidence);
        }
        return prob;
      },
      pUsed: () => (prob === null ? NaN : prob.p),
    };
  }

  return {
    mode,
    layers: layers.map((l) => l.name),
    size(input: SizingInput): PipelineDecision {
      const stage = input.stage ?? INITIAL_STAGE;
      if (stage.kind === "add") return add(input);
      const byRisk = input.stopUsd !== null;
      const dd = drawdownPct(input.equityUsd, input.highWaterMarkUsd);
      const regimeCall = input.regime ?? FAIL_SAFE_REGIME_CALL;
      const ctx = layerContext(input, stage, byRisk, dd, regimeCall);
      const factors: SizingFactor[] = [byRisk ? baseFactor : allocFactor(input)];
      let fullTarget = ctx.basePct;
      let fraction = 1;
      let template: ScalingTemplate | null = null;
      let kelly: KellyEstimate | null = null;
      let rl: PipelineDecision["rl"] = null;
      let usedRegime = false;
      let ddFactor = 1;
      for (const layer of layers) {
        if (!byRisk && layer.needsStop) {
          factors.push(notApplied.get(layer)!);
          continue;
        }
        const out: LayerOutput = layer.apply(input, ctx);
        const f = safeFactor(out.factor);
        factors.push(f === out.factor ? { name: layer.name, factor: f, reason: out.reason } : { name: layer.name, factor: 1, reason: `${layer.name} returned factor ${String(out.factor)}: neutral 1.0` });
        if (out.kelly !== undefined) kelly = out.kelly;
        if (out.rl !== undefined) rl = out.rl;
        if (out.usedRegime) usedRegime = true;
        if (layer.kind === "portion") {
          fraction = f;
          template = out.template ?? null;
        } else {
          fullTarget *= f;
          if (layer.name === "dd") ddFactor = f;
        }
      }
      // The full size: every layer but the portion. The portion says which fraction to order now.
      const target = portion === null ? fullTarget : fullTarget * fraction;
      const part = byRisk ? sizeByRisk(input, fullTarget, fraction, template) : sizeByAllocation(input, fullTarget);
      let { cap } = part;
      const { qty, full } = part;
      if (qty === 0 && cap === null) cap = zeroFactorCap(factors) ?? (full > 0 ? `tmpl ${fmtFactor(fraction)} of full ${full} sh is under 1 share` : null);
      const e = input.equityUsd;
      const r = part.r;
      // Risk of held shares: to the stop with a stop, the notional without (see the module comment).
      const perShare = byRisk ? r : input.entryPriceUsd;
      const pctOf = (q: number): number => ((q * perShare) / e) * 100;
      const p = ctx.pUsed();
      return {
        mode,
        equityUsd: e,
        rPerShareUsd: r,
        riskPct: qty > 0 ? pctOf(qty) : 0,
        qtyShares: qty,
        factors,
        cap,
        summary: template === null ? summarizeWith(part.head, factors, target, qty, cap) : summarizeTemplateWith(part.head, factors, fullTarget, full, qty, cap),
        stage,
        baseRiskPct: ctx.basePct,
        targetRiskPct: target,
        drawdownPct: dd,
        probability: Number.isNaN(p) ? null : p,
        kelly,
        template,
        rl,
        regime: usedRegime ? regimeCall : null,
        fullSize: full > 0 ? { qtyShares: full, riskPct: pctOf(full), drawdownFactor: ddFactor } : null,
        positionAfter: qty > 0 ? { qtyShares: qty, riskPct: pctOf(qty), notionalUsd: qty * input.entryPriceUsd } : null,
      };
    },
  };

  /** Risk to the stop: R per share, the risk caps, the template's fraction of the full size. */
  function sizeByRisk(input: SizingInput, fullTarget: number, fraction: number, template: ScalingTemplate | null): SizedPart {
    const r = input.entryPriceUsd - input.stopUsd!;
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
    return { r, full, qty, cap, head: `risk ${fmtPct(base)}%` };
  }

  /** Allocation: the notional base, capped at maxPositionPct of equity, max notional and buying power. */
  function sizeByAllocation(input: SizingInput, fullTarget: number): SizedPart {
    const refusal = allocationRefusal(input, caps);
    let qty = 0;
    let cap: string | null = refusal;
    if (refusal === null && fullTarget > 0) ({ qtyShares: qty, cap } = capAllocation(input, fullTarget, caps));
    return { r: NaN, full: qty, qty, cap, head: `alloc ${fixed1((input.allocation?.weight ?? 0) * 100)}% of equity` };
  }
}

/** What a base decided: R per share (NaN by allocation), the full size, the order and the binding cap. */
interface SizedPart {
  readonly r: number;
  readonly full: number;
  readonly qty: number;
  readonly cap: string | null;
  /** The summary's first term: "risk 1%" or "alloc 16.7% of equity". */
  readonly head: string;
}

/** The base factor of an entry sized by allocation. */
function allocFactor(input: SizingInput): SizingFactor {
  const a = input.allocation;
  if (!a) return { name: "alloc", factor: 0, reason: "no stop and no allocation: not sized" };
  return {
    name: "alloc",
    factor: a.weight,
    reason: `base ${fixed1(a.weight * 100)}% of equity in notional (no stop: sized by allocation; at most ${fmtPct(a.maxPositionPct)}% of equity per position; the risk caps do not apply)`,
  };
}

/** A layer is foreign code: a NaN, infinite or negative factor is replaced by neutral 1.0 (caps still bound anything finite). */
function safeFactor(x: number): number {
  return typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : 1;
}

/** Why an entry gets no shares whatever the layers say, in cap order: halt, bad inputs, max open positions. */
function entryRefusal(input: SizingInput, r: number, caps: RiskCaps): string | null {
  if (input.halted) return `halted: ${input.halted}`;
  if (!(r > 0) || !Number.isFinite(r)) return "no risk: R <= 0";
  return accountRefusal(input, caps);
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
  return summarizeWith(`risk ${fmtPct(basePct)}%`, factors, targetPct, qty, cap);
}

/** The one-line form after any base: "alloc 16.7% of equity x vol 0.85 x dd 1.0 -> 14.17% -> 70 sh (cap: none)". */
function summarizeWith(head: string, factors: readonly SizingFactor[], targetPct: number, qty: number, cap: string | null): string {
  let s = head;
  for (let i = 1; i < factors.length; i++) s += ` x ${factors[i].name} ${factorStr(factors[i].factor)}`;
  return `${s} -> ${fixed2(targetPct)}% -> ${qty} sh (cap: ${cap ?? "none"})`;
}

/**
 * A template entry: the layers give the full size, the template's fraction of it is ordered now:
 * "risk 1% x kelly 1.92 x ... x dd 0.5 -> 1.53% -> full 3064 sh x tmpl 0.33 -> 1011 sh (cap: none)".
 */
export function summarizeTemplate(basePct: number, factors: readonly SizingFactor[], fullPct: number, fullQty: number, qty: number, cap: string | null): string {
  return summarizeTemplateWith(`risk ${fmtPct(basePct)}%`, factors, fullPct, fullQty, qty, cap);
}

function summarizeTemplateWith(head: string, factors: readonly SizingFactor[], fullPct: number, fullQty: number, qty: number, cap: string | null): string {
  let s = head;
  let tmpl = "";
  for (let i = 1; i < factors.length; i++) {
    if (factors[i].name === "tmpl") tmpl = ` x tmpl ${factorStr(factors[i].factor)}`;
    else s += ` x ${factors[i].name} ${factorStr(factors[i].factor)}`;
  }
  return `${s} -> ${fixed2(fullPct)}% -> full ${fullQty} sh${tmpl} -> ${qty} sh (cap: ${cap ?? "none"})`;
}

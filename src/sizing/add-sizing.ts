import type { DrawdownConfig } from "../config/schema.ts";
import type { SizingFactor } from "../core/types.ts";
import type { RiskCaps } from "./caps.ts";
import type { PipelineDecision } from "./decision.ts";
import { drawdownFactor, drawdownPct } from "./drawdown.ts";
import { fmtFactor } from "./layer.ts";
import { capAddOrder } from "./caps.ts";
import type { SizingInput } from "./sizer.ts";
import type { ScalingTemplate } from "./template.ts";

/**
 * Sizing a template add (issue 17). The position's full size was decided once, at the entry, by
 * every layer and the caps; an add is its template fraction of that full size, nothing more:
 *
 * - no learned layer runs again (Kelly, confidence, volatility and RL are the entry's: an add
 *   drawing a fresh RL action would take an exploratory step that is never learned from, since the
 *   learner is only handed the entry's action);
 * - a drawdown cutback deeper than the one the entry was sized under lowers the add in proportion
 *   (a lighter one never raises it), and a halt stops it;
 * - the caps bind the whole position after the add (see capAddOrder), and the 0.2% floor is not
 *   applied: it was applied once, to the full size.
 */

export interface AddSizingSetup {
  readonly mode: string;
  readonly baseRiskPct: number;
  readonly caps: RiskCaps;
  readonly drawdown: DrawdownConfig;
}

/**
 * The decision for an add at `input.stage` (kind "add") under `template`, or a 0-share decision
 * that says why. `refusal` is the caller's reason when the mode or the template has no such add.
 */
export function sizeAdd(input: SizingInput, template: ScalingTemplate | null, refusal: SizingFactor | null, setup: AddSizingSetup): PipelineDecision {
  const stage = input.stage!;
  const index = stage.kind === "add" ? stage.index : 0;
  const e = input.equityUsd;
  const px = input.entryPriceUsd;
  // No stop (a position sized by allocation): R is NaN and the add is refused as "no risk".
  const stop = input.stopUsd ?? NaN;
  const rAdd = px - stop;
  const ddPct = drawdownPct(e, input.highWaterMarkUsd);
  const pos = input.position;
  const full = pos?.fullSize ?? null;
  const step = template?.adds[index];

  const zero = (factors: SizingFactor[], cap: string, head: string): PipelineDecision =>
    decision(input, setup, template, factors, 0, 0, cap, `${head} -> 0 sh (cap: ${cap})`, ddPct, null);

  if (refusal !== null) return zero([refusal], `${refusal.name} 0: ${refusal.reason}`, `add ${index + 1}`);
  if (template === null || step === undefined) {
    const f = { name: "tmpl", factor: 0, reason: `template ${template?.name ?? "?"} has no add #${index + 1}` };
    return zero([f], `tmpl 0: ${f.reason}`, `add ${index + 1}`);
  }
  const head = `add ${index + 1}: ${fmtFactor(step.fraction)} of full ${full?.qtyShares ?? "?"} sh`;
  const tmpl: SizingFactor = {
    name: "tmpl",
    factor: step.fraction,
    reason:
      full === null
        ? `template ${template.name} add #${index + 1}: no full size recorded at entry`
        : `add ${index + 1}: ${fmtFactor(step.fraction)} of the full size ${full.qtyShares} sh decided at entry (template ${template.name}, at +${step.atR}R)`,
  };
  if (input.halted) return zero([tmpl], `halted: ${input.halted}`, head);
  if (pos === undefined || full === null) return zero([tmpl], "no position: an add is a fraction of its entry's full size", head);
  if (!(rAdd > 0) || !Number.isFinite(rAdd)) return zero([tmpl], "no risk: R <= 0", head);
  if (!(e > 0) || !Number.isFinite(e)) return zero([tmpl], "no equity", head);
  if (!(px > 0) || !Number.isFinite(px)) return zero([tmpl], "no entry price", head);

  const dNow = drawdownFactor(ddPct, setup.drawdown);
  const dEntry = full.drawdownFactor;
  const ratio = dEntry > 0 && dNow.factor < dEntry ? dNow.factor / dEntry : dEntry > 0 ? 1 : 0;
  const was = `the entry was sized under x${fmtFactor(dEntry)}`;
  const ddReason =
    ratio < 1 ? `${dNow.reason}; ${was}: add x${fmtFactor(ratio)}` : dNow.factor === dEntry ? `${dNow.reason}, as at entry` : `${dNow.reason}; ${was}: an add is never raised`;
  const dd: SizingFactor = { name: "dd", factor: ratio, reason: ddReason };
  const factors = [tmpl, dd];
  const summaryHead = `${head} x dd ${fmtFactor(ratio)}`;
  if (ratio === 0) return zero(factors, `dd 0: ${dNow.reason}`, summaryHead);

  // The epsilon keeps 0.29 x 100 (28.999...) from losing a share to floating point.
  const want = Math.floor(step.fraction * full.qtyShares * ratio + 1e-9);
  const capped = capAddOrder(
    { wantShares: want, priceUsd: px, stopUsd: stop, equityUsd: e, buyingPowerUsd: input.buyingPowerUsd, held: pos, maxBoughtShares: template.maxFraction * full.qtyShares },
    setup.caps,
  );
  const q = capped.qtyShares;
  const cap = capped.cap ?? (q === 0 ? `add ${index + 1} rounds to 0 sh` : null);
  const target = ((want * rAdd) / e) * 100;
  return decision(input, setup, template, factors, q, target, cap, `${summaryHead} -> ${q} sh (cap: ${cap ?? "none"})`, ddPct, q > 0 ? after(input, q) : null);
}

function after(input: SizingInput, q: number): PipelineDecision["positionAfter"] {
  const pos = input.position!;
  const px = input.entryPriceUsd;
  const s = input.stopUsd ?? NaN;
  const riskUsd = pos.heldQtyShares * Math.max(0, pos.avgPriceUsd - s) + q * (px - s);
  const notional = (pos.heldQtyShares + q) * px;
  const cost = pos.heldQtyShares * pos.avgPriceUsd + q * px;
  return { qtyShares: pos.heldQtyShares + q, riskPct: (riskUsd / input.equityUsd) * 100, notionalUsd: Math.max(notional, cost) };
}

function decision(
  input: SizingInput,
  setup: AddSizingSetup,
  template: ScalingTemplate | null,
  factors: SizingFactor[],
  q: number,
  targetPct: number,
  cap: string | null,
  summary: string,
  ddPct: number,
  positionAfter: PipelineDecision["positionAfter"],
): PipelineDecision {
  const r = input.entryPriceUsd - (input.stopUsd ?? NaN);
  const riskPct = q > 0 ? ((q * r) / input.equityUsd) * 100 : 0;
  return {
    mode: setup.mode,
    equityUsd: input.equityUsd,
    rPerShareUsd: r,
    riskPct,
    qtyShares: q,
    factors,
    cap,
    summary,
    stage: input.stage!,
    baseRiskPct: setup.baseRiskPct,
    targetRiskPct: Number.isFinite(targetPct) && targetPct > 0 ? targetPct : 0,
    drawdownPct: ddPct,
    probability: null,
    kelly: null,
    template,
    rl: null,
    regime: input.regime ?? null,
    fullSize: input.position?.fullSize ?? null,
    positionAfter,
  };
}

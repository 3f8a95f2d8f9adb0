import { baseQuantity } from "./base-risk.ts";

/** Integer-share caps applied after the pipeline chose a risk: each returns the bound quantity. */
export interface CapLimits {
  readonly maxNotionalUsd: number;
  readonly buyingPowerUsd: number;
}

/**
 * Largest integer q <= floor(want) with q x unit <= limit. floor(limit / unit) alone can land one
 * share over the limit when the division rounds up in the last bit, hence the check-and-step.
 */
function boundedShares(limit: number, unit: number): number {
  let q = Math.floor(limit / unit);
  if (q > 0 && q * unit > limit) q--;
  return q > 0 ? q : 0;
}

/** Applies the notional and buying-power caps; reports which one bound, if any. */
export function capShares(
  wantShares: number,
  priceUsd: number,
  limits: CapLimits,
): { qtyShares: number; cap: string | null } {
  let qty = Math.max(0, Math.floor(wantShares));
  let cap: string | null = null;
  const byNotional = boundedShares(limits.maxNotionalUsd, priceUsd);
  if (qty > byNotional) {
    qty = byNotional;
    cap = `max notional $${limits.maxNotionalUsd}`;
  }
  const byBp = boundedShares(Math.max(0, limits.buyingPowerUsd), priceUsd);
  if (qty > byBp) {
    qty = byBp;
    cap = `buying power $${limits.buyingPowerUsd.toFixed(2)}`;
  }
  return { qtyShares: Math.max(0, qty), cap };
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Config-side limits of the final size. */
export interface RiskCaps {
  readonly minRiskPct: number;
  readonly maxRiskPct: number;
  readonly maxNotionalUsd: number;
  readonly maxOpenPositions: number;
}

/** Decision-side facts the caps read. */
export interface CapInput {
  /** The pipeline's product: base risk % x every factor. */
  readonly targetRiskPct: number;
  readonly equityUsd: number;
  readonly entryPriceUsd: number;
  readonly rPerShareUsd: number;
  readonly buyingPowerUsd: number;
  readonly openPositions: number;
  /** An add scales an open position, so it does not count against max open positions. */
  readonly isAdd: boolean;
  /** A halt reason (e.g. the daily loss limit) or null. */
  readonly halted: string | null;
}

export interface CapResult {
  /** Integer, >= 0, never NaN. */
  readonly qtyShares: number;
  /** Risk of qtyShares as % of equity (0 when no shares). */
  readonly riskPct: number;
  /** The cap that bound, or null when none did (including a target of 0 from a layer). */
  readonly cap: string | null;
}

const ZERO = (cap: string | null): CapResult => ({ qtyShares: 0, riskPct: 0, cap });

/**
 * Every cap, in order: halt, invalid inputs (R <= 0, no equity or price), max open positions,
 * min risk (a smaller positive target is raised to it), max risk, then notional and
 * buying power on integer shares. The min applies to the pipeline's target, not to the
 * post-rounding risk: a notional cap shrinking a trade is a cash limit, not a reason to skip it.
 */
export function applyCaps(c: CapInput, caps: RiskCaps): CapResult {
  if (c.halted) return ZERO(`halted: ${c.halted}`);
  const { equityUsd: e, rPerShareUsd: r, entryPriceUsd: px } = c;
  if (!(r > 0) || !Number.isFinite(r)) return ZERO("no risk: R <= 0");
  if (!(e > 0) || !Number.isFinite(e)) return ZERO("no equity");
  if (!(px > 0) || !Number.isFinite(px)) return ZERO("no entry price");
  if (!c.isAdd && c.openPositions >= caps.maxOpenPositions) return ZERO(`max open positions ${caps.maxOpenPositions}`);
  const target = c.targetRiskPct;
  if (!(target > 0)) return ZERO(null);
  let riskPct = target;
  let cap: string | null = null;
  // The layers advise how much, never whether (SPEC 2): a small target is raised to the floor
  // rather than skipped. Only a zero target (a halt, a drawdown stop, an add a template lacks) is 0.
  if (riskPct < caps.minRiskPct) {
    riskPct = caps.minRiskPct;
    cap = `min risk ${caps.minRiskPct}%`;
  }
  if (!(riskPct <= caps.maxRiskPct)) {
    riskPct = caps.maxRiskPct;
    cap = `max risk ${caps.maxRiskPct}%`;
  }
  // One formula for every mode, so a mode whose layers are all neutral reproduces `fixed` exactly.
  let qty = Math.floor(baseQuantity(e, riskPct, r));
  if (qty > 0 && ((qty * r) / e) * 100 > caps.maxRiskPct) qty--;
  const capped = capShares(qty, px, { maxNotionalUsd: caps.maxNotionalUsd, buyingPowerUsd: c.buyingPowerUsd });
  if (capped.cap !== null) cap = capped.cap;
  qty = capped.qtyShares;
  return { qtyShares: qty, riskPct: qty > 0 ? ((qty * r) / e) * 100 : 0, cap };
}

import { baseQuantity } from "./base-risk.ts";
import type { ScalingTemplate } from "./template.ts";

/**
 * Caps that hold for a whole position, not for one order (issue 17). A template position is
 * built by several orders (the initial one and its adds, each a fraction of one full size), so a
 * cap checked per order lets the sum through: three orders of 4.9% each are 14.7% at risk. Two
 * checks keep the position inside the caps:
 *
 * - at the entry, the full size is chosen so that the position the template PLANS (every add at
 *   its trigger price) fits: risk to the stop, notional after each add, buying power for all of it;
 * - at each add, the order is cut so that the position as it STANDS (real fills, today's equity
 *   and buying power) plus the add still fits.
 *
 * The 0.2% floor is applied once, to the full size at the entry, never to an order.
 */

/** Config-side limits of a position (applied to the whole position). */
export interface RiskCaps {
  readonly minRiskPct: number;
  readonly maxRiskPct: number;
  readonly maxNotionalUsd: number;
  readonly maxOpenPositions: number;
}

/**
 * Largest integer q <= floor(want) with q x unit <= limit. floor(limit / unit) alone can land one
 * share over the limit when the division rounds up in the last bit, hence the check-and-step.
 */
export function boundedShares(limit: number, unit: number): number {
  let q = Math.floor(limit / unit);
  if (q > 0 && q * unit > limit) q--;
  return q > 0 ? q : 0;
}

/** The order plan of a position as a multiple of its full size (fraction 1 = the full size). */
export interface PositionPlan {
  /** Risk to the stop of the whole plan per full-size share, USD: sum of fraction x (price - stop). */
  readonly riskPerShareUsd: number;
  /** Largest market value per full-size share right after an order: max of cumulative fraction x its price. */
  readonly peakValuePerShareUsd: number;
  /** Cash the whole plan needs per full-size share: sum of fraction x price. */
  readonly costPerShareUsd: number;
  /** Whether the plan has adds (cap reasons then say the cap is the position's, not the order's). */
  readonly hasAdds: boolean;
}

/**
 * The plan of a position entered at `entryUsd` with R per share `rUsd`: the template's orders at
 * their triggers (entry + atR x R), or one order of the full size without a template. With one
 * order of fraction 1 every figure is the entry price or R exactly, so a mode without templates
 * sizes bit for bit as a single capped order does.
 */
export function positionPlan(template: ScalingTemplate | null, entryUsd: number, rUsd: number): PositionPlan {
  if (template === null) return { riskPerShareUsd: rUsd, peakValuePerShareUsd: entryUsd, costPerShareUsd: entryUsd, hasAdds: false };
  const f0 = template.initialFraction;
  let risk = f0 * rUsd;
  let cost = f0 * entryUsd;
  let cum = f0;
  let peak = f0 * entryUsd;
  for (const a of template.adds) {
    const px = entryUsd + a.atR * rUsd;
    cum += a.fraction;
    risk += a.fraction * (px - entryUsd + rUsd);
    cost += a.fraction * px;
    if (cum * px > peak) peak = cum * px;
  }
  return { riskPerShareUsd: risk, peakValuePerShareUsd: peak, costPerShareUsd: cost, hasAdds: template.adds.length > 0 };
}

export interface FullSizeInput {
  /** Base risk x every layer but the template, % of equity. */
  readonly targetRiskPct: number;
  readonly equityUsd: number;
  readonly rPerShareUsd: number;
  readonly buyingPowerUsd: number;
  readonly plan: PositionPlan;
}

export interface FullSizeResult {
  /** Integer, >= 0. */
  readonly qtyShares: number;
  /** The cap that bound the full size, or null. */
  readonly cap: string | null;
}

/**
 * The full size in shares: the target raised to the floor (once, here), then cut so the planned
 * position stays within max risk, max notional and buying power. Callers have already refused
 * halts, R <= 0, no equity or price, and a zero target.
 */
export function capFullSize(c: FullSizeInput, caps: RiskCaps): FullSizeResult {
  const { equityUsd: e, rPerShareUsd: r, plan } = c;
  const whole = plan.hasAdds ? " (position with its adds)" : "";
  let riskPct = c.targetRiskPct;
  let cap: string | null = null;
  // The layers advise how much, never whether (SPEC 2): a small target is raised to the floor
  // rather than skipped. It is the full size that is raised, so a template's fractions of it
  // (and a drawdown cut) keep their proportions instead of each order being lifted to the floor.
  if (riskPct < caps.minRiskPct) {
    riskPct = caps.minRiskPct;
    cap = `min risk ${caps.minRiskPct}%`;
  }
  // The ceiling divides the plan's risk per full-size share: R for one order, more when adds are
  // bought above the entry, less when the template only ever holds a fraction of the full size.
  const rho = plan.riskPerShareUsd;
  let byRisk = Math.floor(baseQuantity(e, caps.maxRiskPct, rho));
  if (byRisk > 0 && ((byRisk * rho) / e) * 100 > caps.maxRiskPct) byRisk--;
  const over = !(riskPct <= caps.maxRiskPct);
  // One formula for every mode, so a mode whose layers are all neutral reproduces `fixed` exactly.
  let qty = over ? byRisk : Math.floor(baseQuantity(e, riskPct, r));
  if (over) cap = `max risk ${caps.maxRiskPct}%${whole}`;
  else if (qty > byRisk) {
    qty = byRisk;
    // With one order this is a rounding hair over the ceiling, not a binding cap.
    if (rho !== r) cap = `max risk ${caps.maxRiskPct}%${whole}`;
  }
  const byNotional = boundedShares(caps.maxNotionalUsd, plan.peakValuePerShareUsd);
  if (qty > byNotional) {
    qty = byNotional;
    cap = `max notional $${caps.maxNotionalUsd}${whole}`;
  }
  const byBp = boundedShares(Math.max(0, c.buyingPowerUsd), plan.costPerShareUsd);
  if (qty > byBp) {
    qty = byBp;
    cap = `buying power $${c.buyingPowerUsd.toFixed(2)}${whole}`;
  }
  return { qtyShares: Math.max(0, qty), cap };
}

/** The position an add joins, as it stands at the add. */
export interface HeldPosition {
  readonly heldQtyShares: number;
  /** Average price of the held shares, USD (friction included). */
  readonly avgPriceUsd: number;
  /** Shares bought so far (initial and adds): the template's maxFraction bounds them. */
  readonly boughtQtyShares: number;
}

export interface AddOrderInput {
  /** The template fraction of the full size (after any drawdown cut), before the caps. */
  readonly wantShares: number;
  readonly priceUsd: number;
  readonly stopUsd: number;
  readonly equityUsd: number;
  readonly buyingPowerUsd: number;
  readonly held: HeldPosition;
  /** The template's maxFraction x the full size: shares the position may ever have bought. */
  readonly maxBoughtShares: number;
}

/**
 * An add cut so that the position after it stays within every cap: shares bought <= the
 * template's maximum, risk to the stop (held shares from their price, the add from its own)
 * <= max risk of equity now, market value <= max notional (valued at the higher of cost and the
 * add price, so neither reading of "notional" is exceeded), the add's cash <= buying power.
 * No floor: an add is a fraction of a full size that was floored once.
 */
export function capAddOrder(c: AddOrderInput, caps: RiskCaps): { qtyShares: number; cap: string | null } {
  const { held, priceUsd: px, equityUsd: e } = c;
  let qty = Math.max(0, Math.floor(c.wantShares));
  let cap: string | null = null;
  const byTemplate = Math.max(0, Math.floor(c.maxBoughtShares + 1e-9) - held.boughtQtyShares);
  if (qty > byTemplate) {
    qty = byTemplate;
    cap = "template maximum of the full size";
  }
  const heldRiskUsd = held.heldQtyShares * Math.max(0, held.avgPriceUsd - c.stopUsd);
  const byRisk = boundedShares((caps.maxRiskPct * e) / 100 - heldRiskUsd, px - c.stopUsd);
  if (qty > byRisk) {
    qty = byRisk;
    cap = `position risk ${caps.maxRiskPct}%`;
  }
  const heldValueUsd = held.heldQtyShares * Math.max(held.avgPriceUsd, px);
  const byNotional = boundedShares(caps.maxNotionalUsd - heldValueUsd, px);
  if (qty > byNotional) {
    qty = byNotional;
    cap = `position notional $${caps.maxNotionalUsd}`;
  }
  const byBp = boundedShares(Math.max(0, c.buyingPowerUsd), px);
  if (qty > byBp) {
    qty = byBp;
    cap = `buying power $${c.buyingPowerUsd.toFixed(2)}`;
  }
  return { qtyShares: qty, cap };
}

import { boundedShares, type RiskCaps } from "./caps.ts";
import { fmtPct } from "./layer.ts";
import type { SizingInput } from "./sizer.ts";

/**
 * Sizing by allocation, for an entry without a stop (a strategy such as the daily trend follower
 * that exits on its own signal). There is no R, so no risk to size by: the base is the strategy's
 * share of equity in notional (input.allocation.weight = its allocation / its symbol count), the
 * layers multiply it, and the caps are on notional: allocation.maxPositionPct of equity, the max
 * notional per position and buying power. The risk floor and ceiling (min/max risk %) are about
 * risk to a stop and do not apply.
 */

/** Why an allocation entry gets no shares whatever the layers say: halt, bad inputs, no allocation, max open positions. */
export function allocationRefusal(input: SizingInput, caps: RiskCaps): string | null {
  if (input.halted) return `halted: ${input.halted}`;
  const a = input.allocation;
  if (!a) return "no stop and no allocation: not sized";
  if (!(a.weight > 0) || !Number.isFinite(a.weight)) return `no allocation: weight ${a.weight}`;
  return accountRefusal(input, caps);
}

/** The refusals every entry shares, whatever its base: no equity, no entry price, max open positions. */
export function accountRefusal(input: SizingInput, caps: RiskCaps): string | null {
  const e = input.equityUsd;
  if (!(e > 0) || !Number.isFinite(e)) return "no equity";
  const px = input.entryPriceUsd;
  if (!(px > 0) || !Number.isFinite(px)) return "no entry price";
  if (input.openPositions >= caps.maxOpenPositions) return `max open positions ${caps.maxOpenPositions}`;
  return null;
}

/**
 * Shares for a notional target of `targetPct` % of equity, cut to the position limit, the max
 * notional and buying power, with the cap that bound it. Callers have refused the bad inputs.
 */
export function capAllocation(input: SizingInput, targetPct: number, caps: RiskCaps): { qtyShares: number; cap: string | null } {
  const e = input.equityUsd;
  const px = input.entryPriceUsd;
  const maxPct = input.allocation!.maxPositionPct;
  let cap: string | null = null;
  let pct = targetPct;
  if (Number.isFinite(maxPct) && pct > maxPct) {
    pct = maxPct;
    cap = `max position ${fmtPct(maxPct)}% of equity`;
  }
  let qty = boundedShares((e * pct) / 100, px);
  const byNotional = boundedShares(caps.maxNotionalUsd, px);
  if (qty > byNotional) {
    qty = byNotional;
    cap = `max notional $${caps.maxNotionalUsd}`;
  }
  const byBp = boundedShares(Math.max(0, input.buyingPowerUsd), px);
  if (qty > byBp) {
    qty = byBp;
    cap = `buying power $${input.buyingPowerUsd.toFixed(2)}`;
  }
  return { qtyShares: qty, cap };
}

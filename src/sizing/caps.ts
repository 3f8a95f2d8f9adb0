/** Integer-share caps applied after the pipeline chose a risk: each returns the bound quantity. */
export interface CapLimits {
  readonly maxNotionalUsd: number;
  readonly buyingPowerUsd: number;
}

/** Applies the notional and buying-power caps; reports which one bound, if any. */
export function capShares(
  wantShares: number,
  priceUsd: number,
  limits: CapLimits,
): { qtyShares: number; cap: string | null } {
  let qty = Math.max(0, Math.floor(wantShares));
  let cap: string | null = null;
  const byNotional = Math.floor(limits.maxNotionalUsd / priceUsd);
  if (qty > byNotional) {
    qty = byNotional;
    cap = `max notional $${limits.maxNotionalUsd}`;
  }
  const byBp = Math.floor(Math.max(0, limits.buyingPowerUsd) / priceUsd);
  if (qty > byBp) {
    qty = byBp;
    cap = `buying power $${limits.buyingPowerUsd.toFixed(2)}`;
  }
  return { qtyShares: Math.max(0, qty), cap };
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

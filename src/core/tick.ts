/**
 * US equity price increments as Alpaca enforces them (alpaca-protocol.md: 422 42210000, sub-penny
 * price): at or above $1 whole cents, below $1 hundredths of a cent. A stop or limit off this grid
 * is refused, so every order price is put on it before it leaves the engine.
 */

/** Grid steps per dollar at this price. */
function stepsPerUsd(priceUsd: number): number {
  return priceUsd >= 1 ? 100 : 10_000;
}

/** Slack for binary fractions: 9.13 * 100 is 912.9999999999999, and that is on the grid. */
const EPS_STEPS = 1e-6;

/** The nearest grid price in `direction` (a price on the grid is returned as the grid's own double). */
export function roundToTick(priceUsd: number, direction: "up" | "down"): number {
  if (!Number.isFinite(priceUsd)) return priceUsd;
  const k = stepsPerUsd(priceUsd);
  const steps = priceUsd * k;
  const n = direction === "up" ? Math.ceil(steps - EPS_STEPS) : Math.floor(steps + EPS_STEPS);
  return n / k;
}

/** True when Alpaca would accept this as an order price (positive, finite and on the grid). */
export function isOnTick(priceUsd: number): boolean {
  if (!(priceUsd > 0) || !Number.isFinite(priceUsd)) return false;
  const steps = priceUsd * stepsPerUsd(priceUsd);
  return Math.abs(steps - Math.round(steps)) < EPS_STEPS;
}

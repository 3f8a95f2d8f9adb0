/**
 * The fill model shared by the simulated broker and the local exchange. Pure functions over a
 * bar's prices; NaN means "no fill on this bar". A bar that does not exist cannot fill anything:
 * callers only evaluate orders against bars that arrived.
 */

/** Friction per side as a fraction, from a round-trip percentage (0.125 -> 0.000625). */
export function frictionPerSide(roundTripPct: number): number {
  return roundTripPct / 200;
}

/** A buy pays friction on top of the price; a sell receives the price less friction. */
export function withFriction(side: "buy" | "sell", priceUsd: number, frictionFrac: number): number {
  return side === "buy" ? priceUsd * (1 + frictionFrac) : priceUsd * (1 - frictionFrac);
}

/**
 * Sell stop: a bar that opens at or through the stop fills at its open (the gap is the trader's
 * loss, not the stop price); otherwise a bar whose low touches the stop fills at the stop.
 */
export function sellStopFill(stopUsd: number, openUsd: number, lowUsd: number): number {
  if (openUsd <= stopUsd) return openUsd;
  if (lowUsd <= stopUsd) return stopUsd;
  return NaN;
}

/**
 * Sell limit: a bar that opens above the limit fills at its open (price improvement); otherwise
 * the bar must trade THROUGH the limit (high strictly above it): a touch is not a fill, because
 * resting orders at the touch are not guaranteed to execute.
 */
export function sellLimitFill(limitUsd: number, openUsd: number, highUsd: number): number {
  if (openUsd > limitUsd) return openUsd;
  if (highUsd > limitUsd) return limitUsd;
  return NaN;
}

/** Buy stop (for adds above the market): mirror of the sell stop. */
export function buyStopFill(stopUsd: number, openUsd: number, highUsd: number): number {
  if (openUsd >= stopUsd) return openUsd;
  if (highUsd >= stopUsd) return stopUsd;
  return NaN;
}

/** Buy limit: mirror of the sell limit. */
export function buyLimitFill(limitUsd: number, openUsd: number, lowUsd: number): number {
  if (openUsd < limitUsd) return openUsd;
  if (lowUsd < limitUsd) return limitUsd;
  return NaN;
}

/**
 * Brokers value a market buy above the last price when checking buying power (Alpaca: a few
 * percent), so a size that spends every dollar at the last price is refused. Sizing leaves this
 * room, and the simulated broker applies the same rule, so a backtest refuses what a broker would.
 */
export const MARKET_BUY_CUSHION = 1.03;

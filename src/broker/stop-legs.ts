/**
 * Alpaca's check on the sell stop of an oco or bracket exit pair: the stop must be below the
 * market, else 422 "stop price must be less than base_price - 0.01" (seen in public reports).
 * The base price is the last trade (a bar close here), or a limit bracket entry's limit. No I/O:
 * the simulated backtest broker and the local exchange use this one rule.
 */

export const STOP_ABOVE_MARKET_MESSAGE = "stop price must be less than base_price - 0.01";

/** Whether a sell stop at `stopUsd` passes against `baseUsd` (unknown base: nothing to compare). */
export function sellStopBelowMarket(stopUsd: number, baseUsd: number | undefined): boolean {
  if (baseUsd === undefined || !Number.isFinite(baseUsd) || !Number.isFinite(stopUsd)) return true;
  // Strictly below base - 0.01, with a hair of tolerance for binary fractions (9.99 against 10 fails, 9.98 passes).
  return stopUsd < baseUsd - 0.01 - 1e-9;
}

/**
 * Whether a broker's refusal text is this rule's: the stop was already through the market when
 * the order arrived. Matched loosely (stop price ... base price), since only the wording in
 * public reports is known, not a documented code; the caller treats such a refusal as "the stop
 * has been hit", not as an exit the broker will not hold.
 */
export function isStopAboveMarketRefusal(reason: string): boolean {
  return /stop[_ ]?price.*base[_ ]?price/i.test(reason);
}

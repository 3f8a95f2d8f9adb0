/**
 * Alpaca's check on the sell stop of an oco or bracket exit pair: the stop must be below the
 * market, else 422 "stop price must be less than base_price - 0.01" (seen in public reports).
 * The base price is the last trade (a bar close here), or a limit bracket entry's limit. No I/O:
 * the simulated backtest broker can share it.
 */

export const STOP_ABOVE_MARKET_MESSAGE = "stop price must be less than base_price - 0.01";

/** Whether a sell stop at `stopUsd` passes against `baseUsd` (unknown base: nothing to compare). */
export function sellStopBelowMarket(stopUsd: number, baseUsd: number | undefined): boolean {
  if (baseUsd === undefined || !Number.isFinite(stopUsd)) return true;
  // Strictly below base - 0.01, with a hair of tolerance for binary fractions (9.99 against 10 fails, 9.98 passes).
  return stopUsd < baseUsd - 0.01 - 1e-9;
}

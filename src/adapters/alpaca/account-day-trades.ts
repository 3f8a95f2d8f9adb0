/** What the pattern-day-trader gate needs from the broker's account (GET /v2/account). */
export interface AccountDayTrades {
  /** Day trades the broker counts in the last 5 business days (`daytrade_count`); 0 when absent. */
  readonly count: number;
  /** Equity at the previous close (`last_equity`); NaN when absent. */
  readonly lastEquityUsd: number;
}

/**
 * Reads the day-trade count and previous-day equity off an account as the SDK returns it. SDK
 * 4.x's Account model has `lastEquity` but no camelCase field for `daytrade_count`; its parser
 * spreads the wire object first, so the wire key survives on the result (test/adapters/client.test.ts).
 */
export function accountDayTrades(account: object): AccountDayTrades {
  const a = account as { readonly daytrade_count?: unknown; readonly daytradeCount?: unknown; readonly lastEquity?: unknown; readonly last_equity?: unknown };
  const count = Number(a.daytrade_count ?? a.daytradeCount ?? 0);
  const lastEquityUsd = Number(a.lastEquity ?? a.last_equity ?? NaN);
  return { count: Number.isFinite(count) && count > 0 ? Math.floor(count) : 0, lastEquityUsd: Number.isFinite(lastEquityUsd) ? lastEquityUsd : NaN };
}

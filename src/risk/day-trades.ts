/**
 * Pattern-day-trader facts (FINRA rule 4210, as Alpaca's "User Protection" page applies them):
 * an account whose previous-day closing equity is under $25,000 may make at most 3 day trades in
 * 5 business days; Alpaca refuses (403, code 40310100) an order that could make the 4th.
 */
export const PDT_EQUITY_FLOOR_USD = 25_000;
/** Day trades allowed in the window; the next one is refused. */
export const PDT_MAX_DAY_TRADES = 3;
/** Business days in the counting window, today included. */
export const PDT_WINDOW_DAYS = 5;

/**
 * Counts day trades the way FINRA's published examples do (quoted on Alpaca's User Protection
 * page): a sell of a symbol is a day trade when the symbol was bought today since its last sell.
 * Buy, buy, sell = 1; buy, sell, sell = 1; buy, sell, buy, sell = 2. Share counts do not matter.
 *
 * The window is the last `PDT_WINDOW_DAYS` trading days this counter saw (days with bars), which
 * is never shorter than 5 business days: a count that errs, errs toward refusing.
 * Allocation-free after construction.
 */
export class DayTradeCounter {
  private day = -1;
  private slot = 0;
  private readonly days = new Int32Array(PDT_WINDOW_DAYS).fill(-1);
  private readonly counts = new Int32Array(PDT_WINDOW_DAYS);
  /** Per symbol: bought today since its last sell (a sell now would be a day trade). */
  private readonly boughtSinceSell: Uint8Array;
  /** Day trades the broker reported before the first day this counter saw. */
  private seeded = 0;

  constructor(symbols: number) {
    this.boughtSinceSell = new Uint8Array(symbols);
  }

  /** Moves to the trading day `etDay` (days since the epoch, New York); a no-op within the day. */
  rollTo(etDay: number): void {
    if (etDay === this.day) return;
    this.day = etDay;
    this.slot = (this.slot + 1) % PDT_WINDOW_DAYS;
    this.days[this.slot] = etDay;
    this.counts[this.slot] = this.seeded;
    this.seeded = 0;
    this.boughtSinceSell.fill(0);
  }

  /**
   * Sets the day trades the broker counts now (Alpaca's account `daytrade_count`). The broker
   * does not say on which days they were made: they are booked on today, so they leave the
   * window no earlier than they would at the broker.
   */
  seed(count: number): void {
    const n = Number.isFinite(count) && count > 0 ? Math.floor(count) : 0;
    if (this.day < 0) {
      this.seeded = n;
      return;
    }
    // Replaces what was seeded and counted so far: the broker's count already includes it.
    for (let i = 0; i < PDT_WINDOW_DAYS; i++) if (i !== this.slot) this.counts[i] = 0;
    this.counts[this.slot] = n;
  }

  onFill(symId: number, side: "buy" | "sell"): void {
    if (side === "buy") this.boughtSinceSell[symId] = 1;
    else if (this.boughtSinceSell[symId] === 1) {
      this.boughtSinceSell[symId] = 0;
      if (this.day >= 0) this.counts[this.slot]++;
      else this.seeded++;
    }
  }

  /** True when a sell of the symbol now would be a day trade. */
  sellWouldDayTrade(symId: number): boolean {
    return this.boughtSinceSell[symId] === 1;
  }

  /** Day trades in the window, today included. */
  inWindow(): number {
    let n = this.day < 0 ? this.seeded : 0;
    for (let i = 0; i < PDT_WINDOW_DAYS; i++) if (this.days[i] >= 0) n += this.counts[i];
    return n;
  }
}

/** True when an account with this previous-day equity and day-trade count may not make another day trade. */
export function pdtBlocks(dayTrades: number, prevDayEquityUsd: number): boolean {
  return prevDayEquityUsd < PDT_EQUITY_FLOOR_USD && dayTrades >= PDT_MAX_DAY_TRADES;
}

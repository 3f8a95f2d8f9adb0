import { afterEach, describe, expect, it } from "vitest";
import type { Exchange, ExchangeOptions } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { MIN, OPEN_MS, series } from "./helpers.ts";
import { client, KEY, SECRET } from "./sdk-helpers.ts";

/** Issue 13, item 3 (the exchange's side): one absurd bar used to fill resting orders at 1e300. */

let ex: Exchange;
afterEach(async () => {
  await ex.close();
});

const ROWS: [number, number, number, number][] = [
  [10, 10.2, 9.9, 10.1],
  [10.1, 10.3, 10, 10.2],
  [1e300, 1e300, 1e300, 1e300],
  [1e-300, 1e-300, 1e-300, 1e-300],
  [10.2, 10.4, 10.1, 10.3],
];

async function open(o: Partial<ExchangeOptions> = {}): Promise<string[]> {
  const log: string[] = [];
  ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [series("ABC", ROWS)], speed: "max", initialCashUsd: 10_000, frictionPctRoundTrip: 0, log: (l) => log.push(l), ...o });
  return log;
}

describe("the exchange refuses to fill at an implausible price", () => {
  it("fills no resting order on a 1e300 or 1e-300 bar, keeps the last price, counts and logs each with symbol and time", async () => {
    const log = await open();
    const alpaca = client(ex);
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 10, side: "buy" });
    ex.stepBars(2); // the buy fills at the first bar's open
    const cashAfterBuy = ex.book.cashUsd;
    await alpaca.trading.orders.limit({ symbol: "ABC", qty: 10, side: "sell", limitPrice: 20, timeInForce: "gtc" });
    await alpaca.trading.orders.stop({ symbol: "ABC", qty: 10, side: "sell", stopPrice: 5, timeInForce: "gtc" }).catch(() => undefined);
    ex.stepBars(2); // the absurd bars
    expect(ex.book.cashUsd).toBe(cashAfterBuy);
    expect(ex.book.price("ABC")).toBe(10.2);
    expect(ex.barsRefused).toBe(2);
    expect(log).toEqual([
      expect.stringMatching(new RegExp(`ABC ${new Date(OPEN_MS + 2 * MIN).toISOString()} refused for fills \\(price above`)),
      expect.stringMatching(new RegExp(`ABC ${new Date(OPEN_MS + 3 * MIN).toISOString()} refused for fills \\(price below`)),
    ]);
    const pos = await alpaca.trading.positions.getOpenPosition({ symbolOrAssetId: "ABC" });
    expect(Number(pos.currentPrice)).toBe(10.2);
    ex.stepBars(1); // a plausible bar again: prices and fills resume (the limit at 20 still rests)
    expect(ex.book.price("ABC")).toBe(10.3);
    expect(ex.book.cashUsd).toBe(cashAfterBuy);
  });

  it("fills on those bars when the check is off (plausibility: null), as before", async () => {
    await open({ plausibility: null });
    const alpaca = client(ex);
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 10, side: "buy" });
    ex.stepBars(2);
    await alpaca.trading.orders.limit({ symbol: "ABC", qty: 10, side: "sell", limitPrice: 20, timeInForce: "gtc" });
    ex.stepBars(1);
    expect(ex.book.cashUsd).toBeGreaterThan(1e300);
  });
});

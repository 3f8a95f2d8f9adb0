import { afterEach, describe, expect, it } from "vitest";
import type { Exchange } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { series } from "./helpers.ts";
import { client, KEY, SECRET } from "./sdk-helpers.ts";

/**
 * stepFills / publishHeld: a lock-step driver takes a minute's fills before its bars, the order
 * Alpaca delivers them in (a fill inside a minute before the bar published after the minute ends).
 */

const ABC = series("ABC", Array.from({ length: 5 }, () => [10, 10.1, 9.9, 10] as [number, number, number, number]));
let ex: Exchange;
afterEach(async () => {
  await ex.close();
});

describe("exchange stepFills", () => {
  it("fills a minute and publishes its fills, and holds its bars until publishHeld", async () => {
    ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [ABC], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 });
    const alpaca = client(ex);
    ex.stepBars(1);
    expect(ex.barsPublished).toBe(1);
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 10, side: "buy" });
    expect(ex.stepFills()).toBe(true);
    expect([ex.fillsPublished, ex.barsPublished]).toEqual([1, 1]);
    ex.publishHeld();
    expect(ex.barsPublished).toBe(2);
    ex.publishHeld();
    expect(ex.barsPublished).toBe(2);
    // A held minute goes out before the next one is replayed.
    ex.stepFills();
    ex.stepBars(1);
    expect(ex.barsPublished).toBe(4);
  });
});

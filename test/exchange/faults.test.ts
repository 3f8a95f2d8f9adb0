import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import type { Exchange } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { series } from "./helpers.ts";
import { client, KEY, SECRET } from "./sdk-helpers.ts";

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const rows = Array.from({ length: 10 }, (_v, i) => [10 + i, 10 + i, 10 + i, 10 + i] as const);
let ex: Exchange;
let alpaca: Alpaca;

beforeEach(async () => {
  ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [series("ABC", rows), series("XYZ", rows)], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0, partialFill: { fraction: 1, seed: 1 } });
  alpaca = client(ex);
});
afterEach(async () => {
  await ex.close();
});

/** Both SDK streams, reconnecting fast, with what they received and how often they (re)connected. */
async function streams(): Promise<{ bars: string[]; events: string[]; drops: { stocks: number; trading: number }; back: { stocks: number; trading: number }; stop: () => void }> {
  const fast = { pingIntervalMs: 60_000, initialReconnectMs: 20, reconnectJitter: 0 };
  const stocks = alpaca.marketData.stockStream({ feed: "iex", url: `${ex.wsUrl}/v2/iex`, ...fast });
  const trading = alpaca.trading.stream({ url: `${ex.wsUrl}/stream`, ...fast });
  const out = { bars: [] as string[], events: [] as string[], drops: { stocks: 0, trading: 0 }, back: { stocks: 0, trading: 0 } };
  stocks.onBar((b) => out.bars.push(b.symbol));
  stocks.onConnect(() => stocks.subscribeForBars(["ABC"]));
  stocks.onDisconnect(() => out.drops.stocks++);
  stocks.onReconnected(() => out.back.stocks++);
  trading.onTradeUpdate((u) => out.events.push(u.event));
  trading.onConnect(() => trading.subscribeTradeUpdates());
  trading.onDisconnect(() => out.drops.trading++);
  trading.onReconnected(() => out.back.trading++);
  stocks.connect();
  trading.connect();
  await stocks.whenAuthenticated();
  await trading.whenAuthenticated();
  await new Promise((r) => setTimeout(r, 100)); // subscribe and listen acks
  return { ...out, stop: () => (stocks.disconnect(), trading.disconnect()) };
}

describe("fault hooks", () => {
  it("counts the bars and fills it publishes, whether or not anyone listens", async () => {
    ex.stepBars(1);
    expect([ex.barsPublished, ex.fillsPublished]).toEqual([2, 0]);
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 4, side: "buy" }); // fills 2 + 2
    await alpaca.trading.orders.market({ symbol: "XYZ", qty: 1, side: "buy" });
    ex.stepBars(1);
    expect([ex.barsPublished, ex.fillsPublished]).toEqual([4, 2]);
    ex.stepBars(1);
    expect([ex.barsPublished, ex.fillsPublished]).toEqual([6, 3]);
    const lim = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 1, timeInForce: "gtc" });
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: lim.id ?? "" });
    expect(ex.fillsPublished).toBe(3); // new and canceled updates are not fills
  });

  it("drops one hub's connections at a time; the SDK reconnects and receives again", async () => {
    const s = await streams();
    try {
      ex.stepBars(1);
      await until(() => s.bars.length === 1);
      ex.dropStreams("stocks");
      await until(() => s.drops.stocks === 1);
      expect(s.drops.trading).toBe(0);
      // The bar of the minute while nobody is subscribed is lost, as on Alpaca; the counter still counts it.
      ex.stepBars(1);
      expect(ex.barsPublished).toBe(4);
      await until(() => s.back.stocks === 1); // reconnected, re-authenticated, resubscribed
      await new Promise((r) => setTimeout(r, 100)); // the subscription ack
      ex.stepBars(1);
      await until(() => s.bars.length >= 2);

      await alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" });
      await until(() => s.events.includes("new"));
      ex.dropStreams("trading");
      await until(() => s.drops.trading === 1);
      expect(s.drops.stocks).toBe(1);
      await until(() => s.back.trading === 1);
      await new Promise((r) => setTimeout(r, 100)); // the listen ack
      ex.stepBars(1);
      await until(() => s.events.includes("fill"));
      expect(ex.fillsPublished).toBe(1);

      ex.dropStreams("both");
      await until(() => s.drops.stocks === 2 && s.drops.trading === 2);
    } finally {
      s.stop();
    }
  });
});

import { networkInterfaces } from "node:os";
import { connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import { AuthError, NotFoundError, PermissionError, TimeFrame, ValidationError } from "@alpacahq/alpaca-trade-api";
import type { Exchange, ExchangeOptions } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { MIN, OPEN_MS, series } from "./helpers.ts";
import { apiError, client, idOf, KEY, SECRET } from "./sdk-helpers.ts";

const ABC = series("ABC", [
  [10, 10.2, 9.9, 10.1],
  [10.2, 10.5, 10.1, 10.4],
  [10.4, 10.6, 9.4, 9.6], // touches a 9.5 stop
  [9.0, 9.2, 8.9, 9.1], // gaps through a 9.3 stop; touches (not through) an 8.9 limit
  [9.1, 9.3, 8.85, 9.2], // trades through the 8.9 limit
  [9.2, 9.4, 9.1, 9.3],
]);
const XYZ = series("XYZ", [[50, 51, 49, 50.5], [50.5, 52, 50, 51]]);

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

let ex: Exchange;
let alpaca: Alpaca;
const base: ExchangeOptions = { keyId: KEY, secretKey: SECRET, bars: [ABC, XYZ], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 };

beforeEach(async () => {
  ex = await startExchange(base);
  alpaca = client(ex);
});
afterEach(async () => {
  await ex.close();
});

describe("local exchange through the official SDK", () => {
  it("reports the account", async () => {
    const a = await alpaca.trading.account.getAccount();
    expect(a.status).toBe("ACTIVE");
    expect(a.cash).toBe("100000");
    expect(a.buyingPower).toBe("100000");
    expect(a.currency).toBe("USD");
    expect(await alpaca.trading.positions.getAllOpenPositions()).toEqual([]);
  });

  it("refuses wrong keys over REST with 401 unauthorized.", async () => {
    const e = await apiError(client(ex, KEY, "wrong").trading.account.getAccount());
    expect(e).toBeInstanceOf(AuthError);
    expect(e.status).toBe(401);
    const res = await fetch(`${ex.url}/v2/account`);
    expect([res.status, await res.json()]).toEqual([401, { message: "unauthorized." }]);
  });

  it("listens on 127.0.0.1 only", async () => {
    expect(ex.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(startExchange({ ...base, host: "0.0.0.0" as "127.0.0.1" })).rejects.toThrow(/127\.0\.0\.1 only/);
    const lan = Object.values(networkInterfaces()).flat().find((n) => n && n.family === "IPv4" && !n.internal);
    if (lan) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect({ host: lan.address, port: ex.port }, () => { s.destroy(); resolve(false); });
        s.on("error", () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });

  it("fills a market order by client_order_id at the next open with friction; refuses a reused id", async () => {
    await ex.close();
    ex = await startExchange({ ...base, frictionPctRoundTrip: 0.1 });
    alpaca = client(ex);
    ex.stepBars(1);
    const o = await alpaca.trading.orders.market({ symbol: "ABC", qty: 10, side: "buy", clientOrderId: "bt-1" });
    expect([o.status, o.clientOrderId, o.qty]).toEqual(["new", "bt-1", "10"]);
    const dup = await apiError(alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy", clientOrderId: "bt-1" }));
    expect(dup).toBeInstanceOf(ValidationError);
    expect([dup.status, dup.code, dup.message]).toEqual([422, 40010001, "client_order_id must be unique"]);
    const byCid = await alpaca.trading.orders.getOrderByClientOrderId({ clientOrderId: "bt-1" });
    expect(byCid.id).toBe(o.id);
    ex.stepBars(1);
    const filled = await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(o) });
    expect(filled.status).toBe("filled");
    expect(Number(filled.filledAvgPrice)).toBeCloseTo(10.2 * 1.0005, 9);
    const pos = await alpaca.trading.positions.getOpenPosition({ symbolOrAssetId: "ABC" });
    expect([pos.qty, pos.side, pos.avgEntryPrice]).toEqual(["10", "long", "10.2051"]);
    const closed = await alpaca.trading.orders.getAllOrders({ status: "closed" });
    expect(closed.map((x) => x.id)).toEqual([o.id]);
  });

  it("refuses an order beyond buying power with 403 40310000", async () => {
    ex.stepBars(1);
    const e = await apiError(alpaca.trading.orders.market({ symbol: "ABC", qty: 20_000, side: "buy", clientOrderId: "big" }));
    expect(e).toBeInstanceOf(PermissionError);
    expect([e.status, e.code, e.message]).toEqual([403, 40310000, "insufficient buying power"]);
  });

  it("cancels, and answers 404 and 422 like Alpaca", async () => {
    ex.stepBars(1);
    const o = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    expect((await alpaca.trading.orders.getAllOrders({ status: "open" })).map((x) => x.id)).toEqual([o.id]);
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(o) });
    // Alpaca's cancel is asynchronous: pending_cancel, then canceled a macrotask later (sooner or later
    // than this GET on a loaded machine), so wait for the book before asking.
    await until(() => ex.book.openOrderIds().length === 0);
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(o) })).status).toBe("canceled");
    const again = await apiError(alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(o) }));
    expect(again.status).toBe(422);
    const unknown = await apiError(alpaca.trading.orders.getOrderByOrderID({ orderId: "00000000-0000-0000-0000-000000000000" }));
    expect(unknown).toBeInstanceOf(NotFoundError);
    const noCid = await apiError(alpaca.trading.orders.getOrderByClientOrderId({ clientOrderId: "never" }));
    expect(noCid.status).toBe(404);
    const noPos = await apiError(alpaca.trading.positions.getOpenPosition({ symbolOrAssetId: "ABC" }));
    expect([noPos.status, noPos.code, noPos.message]).toEqual([404, 40410000, "position does not exist"]);
  });

  it("cancels all open orders with a 207 multi-status", async () => {
    ex.stepBars(1);
    await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    await alpaca.trading.orders.limit({ symbol: "XYZ", qty: 1, side: "buy", limitPrice: 5, timeInForce: "day" });
    const res = await fetch(`${ex.url}/v2/orders`, { method: "DELETE", headers: { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET } });
    expect(res.status).toBe(207);
    expect(((await res.json()) as unknown[]).length).toBe(2);
    // The cancels complete asynchronously (pending_cancel first), as on Alpaca.
    await until(() => ex.book.openOrderIds().length === 0);
    expect(await alpaca.trading.orders.getAllOrders({ status: "open" })).toEqual([]);
  });

  it("fills stops at the stop or at a gapped open, and limits only when traded through", async () => {
    // A buy limit beside resting sell stops: the kinder wash-trade reading, so the fill rules are what is tested here.
    await ex.close();
    ex = await startExchange({ ...base, rules: { washTradeStopsCount: false } });
    alpaca = client(ex);
    ex.stepBars(1);
    const buy = await alpaca.trading.orders.market({ symbol: "ABC", qty: 20, side: "buy" });
    ex.stepBars(1);
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(buy) })).filledAvgPrice).toBe("10.2");
    const s1 = await alpaca.trading.orders.stop({ symbol: "ABC", qty: 10, side: "sell", stopPrice: 9.5, timeInForce: "gtc" });
    const s2 = await alpaca.trading.orders.stop({ symbol: "ABC", qty: 10, side: "sell", stopPrice: 9.3, timeInForce: "gtc" });
    const lim = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 8.9, timeInForce: "gtc" });
    const get = (id: string): ReturnType<typeof alpaca.trading.orders.getOrderByOrderID> => alpaca.trading.orders.getOrderByOrderID({ orderId: id });
    ex.stepBars(1); // low 9.4: the 9.5 stop fills at 9.5
    expect([(await get(idOf(s1))).filledAvgPrice, (await get(idOf(s2))).status]).toEqual(["9.5", "new"]);
    ex.stepBars(1); // opens 9.0: the 9.3 stop fills at the open; the 8.9 limit is only touched
    expect([(await get(idOf(s2))).filledAvgPrice, (await get(idOf(lim))).status]).toEqual(["9", "new"]);
    ex.stepBars(1); // low 8.85 trades through 8.9
    expect((await get(idOf(lim))).filledAvgPrice).toBe("8.9");
    const a = await alpaca.trading.account.getAccount();
    expect(Number(a.cash)).toBeCloseTo(100_000 - 204 + 95 + 90 - 8.9, 6);
  });

  it("streams replayed bars over msgpack, and a fill's trade_update during the bar that fills it", async () => {
    const stocks = alpaca.marketData.stockStream({ feed: "iex", url: `${ex.wsUrl}/v2/iex`, pingIntervalMs: 60_000 });
    const bars: { symbol: string; open: number; timestamp: Date }[] = [];
    stocks.onBar((b) => bars.push(b));
    stocks.onConnect(() => stocks.subscribeForBars(["ABC"]));
    const trading = alpaca.trading.stream({ url: `${ex.wsUrl}/stream`, pingIntervalMs: 60_000 });
    const updates: { event: string; price?: string; timestamp?: Date }[] = [];
    trading.onTradeUpdate((u) => updates.push(u));
    trading.onConnect(() => trading.subscribeTradeUpdates());
    stocks.connect();
    trading.connect();
    try {
      expect((await stocks.whenAuthenticated()).authenticated).toBe(true);
      expect((await trading.whenAuthenticated()).authenticated).toBe(true);
      await new Promise((r) => setTimeout(r, 100)); // let the subscribe/listen acks land
      ex.stepBars(1);
      await until(() => bars.length === 1);
      expect(bars[0]).toMatchObject({ symbol: "ABC", open: 10, high: 10.2, low: 9.9, close: 10.1 });
      expect(bars[0].timestamp.getTime()).toBe(OPEN_MS);
      await alpaca.trading.orders.market({ symbol: "ABC", qty: 3, side: "buy", clientOrderId: "s-1" });
      await until(() => updates.some((u) => u.event === "new"));
      await new Promise((r) => setTimeout(r, 50));
      expect(updates.some((u) => u.event === "fill")).toBe(false); // nothing fills between bars
      ex.stepBars(1);
      await until(() => updates.some((u) => u.event === "fill") && bars.length === 2);
      const fill = updates.find((u) => u.event === "fill");
      expect(fill?.price).toBe(String(bars[1].open));
      // A market order fills at the next bar's open, stamped at that bar's start.
      expect(fill?.timestamp?.getTime()).toBe(bars[1].timestamp.getTime());
      expect(bars.every((b) => b.symbol === "ABC")).toBe(true); // XYZ was not subscribed
    } finally {
      stocks.disconnect();
      trading.disconnect();
    }
  });

  it("refuses a wrong key on the stocks stream with 402", async () => {
    const bad = client(ex, KEY, "wrong").marketData.stockStream({ feed: "iex", url: `${ex.wsUrl}/v2/iex`, reconnect: false });
    bad.connect();
    const r = await bad.whenAuthenticated();
    bad.disconnect();
    expect(r.authenticated).toBe(false);
    expect(r.code).toBe(402);
  });

  it("serves replayed bars (never future ones) over REST with paging, and the clock", async () => {
    ex.stepBars(3);
    const got = await alpaca.marketData.getStockBars({ symbols: ["ABC", "XYZ"], timeframe: TimeFrame.Minute, start: new Date(OPEN_MS) });
    expect(got.ABC.map((b) => b.open)).toEqual([10, 10.2, 10.4]);
    expect(got.XYZ.map((b) => b.close)).toEqual([50.5, 51]);
    const page = await alpaca.marketData.stocks.stockBars({ symbols: "ABC", timeframe: TimeFrame.Minute, limit: 2 });
    expect(page.bars.ABC).toHaveLength(2);
    expect(page.nextPageToken).toBeTruthy();
    const clock = await alpaca.trading.clock.legacyClock();
    expect(clock.isOpen).toBe(true);
    expect(clock.timestamp.getTime()).toBe(OPEN_MS + 3 * MIN);
  });

  it("replays everything at max speed", async () => {
    await ex.play();
    expect(ex.done).toBe(true);
    expect(ex.nowMs).toBe(OPEN_MS + 6 * MIN);
  });
});

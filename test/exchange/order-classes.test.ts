import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import { PermissionError, ValidationError } from "@alpacahq/alpaca-trade-api";
import type { Exchange, ExchangeOptions } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import type { TradeUpdate } from "../../src/exchange/types.ts";
import { series } from "./helpers.ts";
import { apiError, client, idOf, KEY, SECRET } from "./sdk-helpers.ts";

// Exit pairs below use take-profit 10.5 and stop 9.5 unless a test says otherwise.
const ABC = series("ABC", [
  [10, 10.1, 9.9, 10], // 0: prices known
  [10, 10.2, 9.9, 10.1], // 1: a market buy placed after bar 0 fills at 10
  [10.1, 10.4, 9.6, 10.3], // 2: inside 9.5..10.5: no exit fills
  [10.3, 10.8, 10.2, 10.7], // 3: trades through 10.5: the limit leg fills at 10.5
  [10.7, 11, 9, 9.5], // 4: through both 10.9 and 9.5: the stop wins, at 9.5
  [9.5, 9.6, 9.4, 9.5], // 5
]);

let ex: Exchange;
let alpaca: Alpaca;
let updates: TradeUpdate[];
const base: ExchangeOptions = { keyId: KEY, secretKey: SECRET, bars: [ABC], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 };

beforeEach(async () => {
  ex = await startExchange(base);
  alpaca = client(ex);
  updates = [];
  // The book reports synchronously; the stream path is covered by sdk.test.ts.
  ex.book.onUpdate((u) => updates.push(u));
});
afterEach(async () => {
  await ex.close();
});

/** Steps past bar 0, buys `qty` at market and lets bar 1 fill it. */
async function holdLong(qty: number): Promise<void> {
  ex.stepBars(1);
  await alpaca.trading.orders.market({ symbol: "ABC", qty, side: "buy" });
  ex.stepBars(1);
}

/** Lets pending cancels complete (the default cancel delay is one macrotask of wall-clock time). */
async function settled(): Promise<void> {
  await new Promise((r) => setTimeout(r, 5));
}

function events(): string[] {
  return updates.map((u) => `${u.event}:${u.order.type}`);
}

const get = (id: string): ReturnType<Alpaca["trading"]["orders"]["getOrderByOrderID"]> => alpaca.trading.orders.getOrderByOrderID({ orderId: id });
const exits = { takeProfit: { limitPrice: 10.5 }, stopLoss: { stopPrice: 9.5 } };

describe("oco orders", () => {
  it("reserve the qty once: two OCOs and a plain stop cover 100 shares; one more share is refused", async () => {
    await holdLong(100);
    const a = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 40, timeInForce: "gtc", clientOrderId: "oco-a", ...exits });
    await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 30, timeInForce: "gtc", ...exits });
    await alpaca.trading.orders.stop({ symbol: "ABC", side: "sell", qty: 30, stopPrice: 9.5, timeInForce: "gtc" });
    const more = await apiError(alpaca.trading.orders.limit({ symbol: "ABC", side: "sell", qty: 1, limitPrice: 11, timeInForce: "gtc" }));
    expect(more).toBeInstanceOf(PermissionError);
    expect([more.status, more.code, more.message]).toEqual([403, 40310000, "insufficient qty available for order (requested: 1, available: 0)"]);

    expect([a.orderClass, a.type, a.side, a.qty, a.limitPrice, a.status]).toEqual(["oco", "limit", "sell", "40", "10.5", "new"]);
    expect(a.legs?.map((l) => [l.orderClass, l.type, l.side, l.qty, l.stopPrice, l.status])).toEqual([["oco", "stop", "sell", "40", "9.5", "new"]]);
    const byId = await get(idOf(a));
    expect(byId.legs?.map((l) => l.id)).toEqual(a.legs?.map((l) => l.id));
    const byCid = await alpaca.trading.orders.getOrderByClientOrderId({ clientOrderId: "oco-a" });
    expect(byCid.legs).toHaveLength(1);
    const nested = await alpaca.trading.orders.getAllOrders({ status: "open", nested: true });
    expect(nested.map((o) => [o.orderClass, o.legs?.length ?? 0])).toEqual([["simple", 0], ["oco", 1], ["oco", 1]]);
    const flat = await alpaca.trading.orders.getAllOrders({ status: "open" });
    expect(flat).toHaveLength(5); // legs listed on their own when not nested
  });

  it("fills the limit leg and cancels the stop leg", async () => {
    await holdLong(10);
    const o = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", ...exits });
    updates.length = 0;
    ex.stepBars(1); // bar 2: neither
    expect((await get(idOf(o))).status).toBe("new");
    ex.stepBars(1); // bar 3: high 10.8 trades through 10.5
    const after = await get(idOf(o));
    expect([after.status, after.filledAvgPrice, after.legs?.[0]?.status]).toEqual(["filled", "10.5", "canceled"]);
    expect(events()).toEqual(["fill:limit", "canceled:stop"]);
    expect(Number((await alpaca.trading.account.getAccount()).cash)).toBeCloseTo(100_000 - 100 + 105, 6);
    expect(await alpaca.trading.positions.getAllOpenPositions()).toEqual([]);
  });

  it("fills the stop, not the limit, when one bar reaches both", async () => {
    await holdLong(10);
    ex.stepBars(2); // bars 2 and 3, before the OCO exists
    const o = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", takeProfit: { limitPrice: 10.9 }, stopLoss: { stopPrice: 9.5 } });
    updates.length = 0;
    ex.stepBars(1); // bar 4: high 11 and low 9
    const after = await get(idOf(o));
    expect([after.status, after.legs?.[0]?.status, after.legs?.[0]?.filledAvgPrice]).toEqual(["canceled", "filled", "9.5"]);
    expect(events()).toEqual(["fill:stop", "canceled:limit"]);
  });

  it("cancels both legs when the parent is canceled, and frees the qty", async () => {
    await holdLong(10);
    const o = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "day", ...exits });
    updates.length = 0;
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(o) });
    await settled();
    const after = await get(idOf(o));
    expect([after.status, after.legs?.[0]?.status]).toEqual(["canceled", "canceled"]);
    expect(events()).toEqual(["pending_cancel:limit", "pending_cancel:stop", "canceled:limit", "canceled:stop"]);
    ex.stepBars(3); // bars that would have filled a leg fill nothing now
    expect(updates.filter((u) => u.event === "fill")).toEqual([]);
    const s = await alpaca.trading.orders.stop({ symbol: "ABC", side: "sell", qty: 10, stopPrice: 9.5, timeInForce: "gtc" });
    expect(s.status).toBe("new");
  });

  it("cancels the pair when a cancel-all hits it", async () => {
    await holdLong(10);
    await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", ...exits });
    const res = await fetch(`${ex.url}/v2/orders`, { method: "DELETE", headers: { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET } });
    expect(res.status).toBe(207);
    await settled();
    expect(await alpaca.trading.orders.getAllOrders({ status: "open" })).toEqual([]);
  });
});

describe("bracket orders", () => {
  it("arm the exits once the entry fills; the exits then work as an OCO", async () => {
    ex.stepBars(1);
    const b = await alpaca.trading.orders.bracket({ symbol: "ABC", side: "buy", qty: 10, timeInForce: "gtc", clientOrderId: "br-1", ...exits });
    expect([b.orderClass, b.type, b.status]).toEqual(["bracket", "market", "new"]);
    expect(b.legs?.map((l) => [l.type, l.side, l.status, l.limitPrice ?? l.stopPrice])).toEqual([["limit", "sell", "held", "10.5"], ["stop", "sell", "held", "9.5"]]);
    updates.length = 0;
    ex.stepBars(1); // bar 1: the entry fills at 10; the exits are armed but cannot fill on that bar
    const filled = await get(idOf(b));
    expect([filled.status, filled.filledAvgPrice]).toEqual(["filled", "10"]);
    expect(filled.legs?.map((l) => [l.status, l.qty])).toEqual([["new", "10"], ["new", "10"]]);
    expect(events()).toEqual(["fill:market", "new:limit", "new:stop"]);
    // The armed exits promise the position once.
    const more = await apiError(alpaca.trading.orders.limit({ symbol: "ABC", side: "sell", qty: 1, limitPrice: 11, timeInForce: "gtc" }));
    expect(more.status).toBe(403);
    const nested = await alpaca.trading.orders.getAllOrders({ status: "open", nested: true });
    expect(nested.map((o) => o.id)).toEqual([b.id]); // a filled parent is listed while its exits are open
    ex.stepBars(2); // bar 3: the take-profit fills at 10.5, the stop is canceled
    const done = await get(idOf(b));
    expect(done.legs?.map((l) => [l.status, l.filledAvgPrice ?? null])).toEqual([["filled", "10.5"], ["canceled", null]]);
    expect(await alpaca.trading.positions.getAllOpenPositions()).toEqual([]);
  });

  it("cancels its held exits when the entry is canceled", async () => {
    ex.stepBars(1);
    const b = await alpaca.trading.orders.bracket({ symbol: "ABC", side: "buy", qty: 10, limitPrice: 9.6, timeInForce: "day", ...exits });
    expect([b.type, b.limitPrice]).toEqual(["limit", "9.6"]);
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(b) });
    await settled();
    const after = await get(idOf(b));
    expect([after.status, ...(after.legs ?? []).map((l) => l.status)]).toEqual(["canceled", "canceled", "canceled"]);
  });

  it("covers only the filled part of a partially filled entry", async () => {
    await ex.close();
    ex = await startExchange({ ...base, partialFill: { fraction: 1, seed: 1 } });
    alpaca = client(ex);
    ex.stepBars(1);
    const b = await alpaca.trading.orders.bracket({ symbol: "ABC", side: "buy", qty: 10, timeInForce: "gtc", ...exits });
    ex.stepBars(1); // half fills
    const half = await get(idOf(b));
    expect([half.status, half.filledQty, ...(half.legs ?? []).map((l) => l.qty)]).toEqual(["partially_filled", "5", "5", "5"]);
    ex.stepBars(1); // the rest fills; the exits grow with it
    const full = await get(idOf(b));
    expect([full.status, ...(full.legs ?? []).map((l) => `${l.status}:${l.qty}`)]).toEqual(["filled", "new:10", "new:10"]);
  });
});

describe("invalid order-class requests", () => {
  it("refuse with Alpaca's error envelope", async () => {
    await holdLong(10);
    const post = async (body: Record<string, unknown>): Promise<[number, unknown]> => {
      const res = await fetch(`${ex.url}/v2/orders`, {
        method: "POST",
        headers: { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET, "content-type": "application/json" },
        body: JSON.stringify({ symbol: "ABC", qty: "10", time_in_force: "gtc", ...body }),
      });
      return [res.status, await res.json()];
    };
    const bad = (message: string): [number, unknown] => [422, { code: 40010001, message }];
    const ocoBuy = await apiError(alpaca.trading.orders.oco({ symbol: "ABC", side: "buy", qty: 10, ...exits }));
    expect(ocoBuy).toBeInstanceOf(ValidationError);
    expect([ocoBuy.status, ocoBuy.code, ocoBuy.message]).toEqual([422, 40010001, "oco orders must be side sell (exits of a long position) on the local exchange"]);
    const inverted = await apiError(alpaca.trading.orders.bracket({ symbol: "ABC", side: "buy", qty: 1, takeProfit: { limitPrice: 9 }, stopLoss: { stopPrice: 9.5 } }));
    expect([inverted.status, inverted.message]).toEqual([422, "take_profit.limit_price must be greater than stop_loss.stop_price"]);
    expect(await post({ side: "buy", type: "market", order_class: "bracket", take_profit: { limit_price: "10" }, stop_loss: { stop_price: "10" } }))
      .toEqual(bad("take_profit.limit_price must be greater than stop_loss.stop_price"));
    expect(await post({ side: "sell", type: "limit", order_class: "oco", limit_price: "10.5" })).toEqual(bad("oco orders require stop_loss.stop_price"));
    expect(await post({ side: "sell", type: "market", order_class: "oco", take_profit: { limit_price: "10.5" }, stop_loss: { stop_price: "9.5" } }))
      .toEqual(bad("oco orders must be type limit"));
    expect(await post({ side: "sell", type: "limit", order_class: "oco", limit_price: "10.5", stop_loss: { stop_price: "9.5", limit_price: "9.4" } }))
      .toEqual(bad("stop_loss.limit_price (a stop-limit exit) is not supported by the local exchange"));
    expect(await post({ side: "sell", type: "stop", stop_price: "9", stop_loss: { stop_price: "9.5" } })).toEqual(bad("take_profit and stop_loss require order_class bracket or oco"));
    expect(await post({ side: "buy", type: "market", order_class: "oto", stop_loss: { stop_price: "9.5" } }))
      .toEqual(bad("order_class oto is not supported by the local exchange (use simple, oco or bracket)"));
    expect(await post({ side: "sell", type: "market", order_class: "bracket", take_profit: { limit_price: "10.5" }, stop_loss: { stop_price: "9.5" } }))
      .toEqual(bad("bracket orders must be side buy (long entries) on the local exchange"));
    // limit_price alone is the take-profit of an oco, as Alpaca accepts; it still reserves the qty.
    const [status, body] = await post({ side: "sell", type: "limit", order_class: "oco", limit_price: "10.5", stop_loss: { stop_price: "9.5" } });
    expect([status, (body as { legs: unknown[] }).legs.length]).toEqual([200, 1]);
    expect((await post({ side: "sell", type: "limit", order_class: "oco", limit_price: "10.5", stop_loss: { stop_price: "9.5" } }))[0]).toBe(403);
  });
});

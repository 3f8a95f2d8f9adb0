import { afterEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import { PermissionError, ValidationError } from "@alpacahq/alpaca-trade-api";
import type { Exchange, ExchangeOptions } from "../../src/exchange/server.ts";
import type { TradeUpdate } from "../../src/exchange/types.ts";
import { BarHistory } from "../../src/exchange/bar-history.ts";
import { Book } from "../../src/exchange/book.ts";
import { route } from "../../src/exchange/rest.ts";
import { series } from "./helpers.ts";
import { apiError, idOf } from "./sdk-helpers.ts";
import { openExchange, RAW_HEADERS } from "./sdk-helpers.ts";

/** Alpaca paper's asynchronous cancel, held quantity, wash-trade protection and replace (issue 12). */

const ABC = series("ABC", [
  [10, 10.1, 9.9, 10], // 0: prices known
  [10, 10.2, 9.9, 10.1], // 1: a market buy placed after bar 0 fills at 10
  [10.1, 10.4, 9.6, 10.3], // 2: inside 9.5..10.5
  [10.3, 10.8, 10.2, 10.7], // 3: trades through 10.5
  [10.7, 11, 9, 9.5], // 4
  [9.5, 9.6, 9.4, 9.5], // 5
]);
const exits = { takeProfit: { limitPrice: 10.5 }, stopLoss: { stopPrice: 9.5 } };
const WASH = "potential wash trade detected. use complex orders";
const HEADERS = RAW_HEADERS;

let ex: Exchange;
let alpaca: Alpaca;
let updates: TradeUpdate[];
afterEach(async () => {
  await ex.close();
});

async function open(o: Partial<ExchangeOptions> = {}): Promise<void> {
  ({ ex, alpaca, updates } = await openExchange([ABC], o));
}

/** Steps past bar 0, buys `qty` at market and lets bar 1 fill it. */
async function holdLong(qty: number): Promise<void> {
  ex.stepBars(1);
  await alpaca.trading.orders.market({ symbol: "ABC", qty, side: "buy" });
  ex.stepBars(1);
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const get = (id: string): ReturnType<Alpaca["trading"]["orders"]["getOrderByOrderID"]> => alpaca.trading.orders.getOrderByOrderID({ orderId: id });
const events = (id?: string): string[] => updates.filter((u) => id === undefined || u.order.id === id).map((u) => u.event);
const raw = (method: string, path: string, body?: unknown): Promise<Response> =>
  fetch(`${ex.url}${path}`, { method, headers: HEADERS, body: body === undefined ? undefined : JSON.stringify(body) });

describe("asynchronous cancel", () => {
  it("answers 204 with the order pending_cancel; canceled follows on its own, after the answer", async () => {
    await open();
    ex.stepBars(1);
    const o = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    const res = await raw("DELETE", `/v2/orders/${idOf(o)}`);
    expect(res.status).toBe(204);
    await until(() => events(idOf(o)).includes("canceled"));
    expect(events(idOf(o))).toEqual(["new", "pending_cancel", "canceled"]);
    expect((await get(idOf(o))).status).toBe("canceled");
  });

  it("completes nothing inside the DELETE's handling: the route leaves the order pending_cancel", () => {
    const book = new Book({ initialCashUsd: 1000, frictionPctRoundTrip: 0, symbols: ["ABC"], startMs: ABC.tMs[0] });
    const seen: string[] = [];
    book.onUpdate((u) => seen.push(u.event));
    const o = book.submit({ symbol: "ABC", qty: "1", side: "buy", type: "limit", limit_price: "5", time_in_force: "gtc" });
    const r = route({ book, history: new BarHistory(["ABC"]), accountId: "a" }, "DELETE", new URL(`http://x/v2/orders/${o.id}`), undefined);
    expect([r.status, book.order(o.id)?.status, seen]).toEqual([204, "pending_cancel", ["new", "pending_cancel"]]);
    const ids = book.drainCancelRequests();
    expect(ids).toEqual([o.id]);
    book.completeCancels(ids);
    expect([book.order(o.id)?.status, seen.at(-1)]).toEqual(["canceled", "canceled"]);
  });

  it("keeps the shares held until canceled: a sell in between gets 403 with Alpaca's body", async () => {
    await open({ cancelDelayMs: 60_000 });
    await holdLong(10);
    const oco = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", ...exits });
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(oco) });
    const pending = await get(idOf(oco));
    expect([pending.status, pending.legs?.[0]?.status]).toEqual(["pending_cancel", "pending_cancel"]);
    const res = await raw("POST", "/v2/orders", { symbol: "ABC", qty: "10", side: "sell", type: "stop", stop_price: "9.5", time_in_force: "gtc" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      code: 40310000, message: "insufficient qty available for order (requested: 10, available: 0)",
      available: "0", existing_qty: "10", held_for_orders: "10", related_orders: [idOf(oco)], symbol: "ABC",
    });
    const viaSdk = await apiError(alpaca.trading.orders.stop({ symbol: "ABC", qty: 10, side: "sell", stopPrice: 9.5, timeInForce: "gtc" }));
    expect(viaSdk).toBeInstanceOf(PermissionError);
    // The open-orders list still shows it; a second cancel is refused.
    expect((await alpaca.trading.orders.getAllOrders({ status: "open" })).map((x) => x.status)).toEqual(["pending_cancel", "pending_cancel"]);
    const again = await apiError(alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(oco) }));
    expect([again.status, again.code, again.message]).toEqual([422, 42210000, "order is not cancelable"]);
  });

  it("frees the shares once canceled arrives (after cancelDelayMs of wall clock)", async () => {
    await open({ cancelDelayMs: 30 });
    await holdLong(10);
    const s = await alpaca.trading.orders.stop({ symbol: "ABC", side: "sell", qty: 10, stopPrice: 9, timeInForce: "gtc" });
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(s) });
    await until(() => events(idOf(s)).includes("canceled"));
    const again = await alpaca.trading.orders.stop({ symbol: "ABC", side: "sell", qty: 10, stopPrice: 9, timeInForce: "gtc" });
    expect(again.status).toBe("new");
  });

  it("lets a pending_cancel order fill on a bar inside the delay: fill arrives instead of canceled", async () => {
    await open({ cancelDelayMs: 40 });
    await holdLong(10);
    const l = await alpaca.trading.orders.limit({ symbol: "ABC", side: "sell", qty: 10, limitPrice: 10.5, timeInForce: "gtc" });
    ex.stepBars(1); // bar 2 does not reach 10.5
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(l) });
    ex.stepBars(1); // bar 3 trades through 10.5 while the cancel is pending
    await new Promise((r) => setTimeout(r, 80));
    expect(events(idOf(l))).toEqual(["new", "pending_cancel", "fill"]);
    expect((await get(idOf(l))).status).toBe("filled");
  });

  it("with fillWhilePendingCancel off, a pending_cancel order does not fill", async () => {
    await open({ cancelDelayMs: 40, rules: { fillWhilePendingCancel: false } });
    await holdLong(10);
    const l = await alpaca.trading.orders.limit({ symbol: "ABC", side: "sell", qty: 10, limitPrice: 10.5, timeInForce: "gtc" });
    ex.stepBars(1);
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(l) });
    ex.stepBars(1);
    await until(() => events(idOf(l)).includes("canceled"));
    expect(events(idOf(l))).toEqual(["new", "pending_cancel", "canceled"]);
  });

  it("refuses to cancel a filled order with 422 order is not cancelable", async () => {
    await open();
    ex.stepBars(1);
    const o = await alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" });
    ex.stepBars(1);
    const res = await raw("DELETE", `/v2/orders/${idOf(o)}`);
    expect([res.status, await res.json()]).toEqual([422, { code: 42210000, message: "order is not cancelable" }]);
  });

  it("cancels the whole OCO group when one leg (the stop) is canceled by its own id", async () => {
    await open();
    await holdLong(10);
    const oco = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", ...exits });
    const stopId = oco.legs?.[0]?.id ?? "";
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: stopId });
    await until(() => events(idOf(oco)).includes("canceled") && events(stopId).includes("canceled"));
    const after = await get(idOf(oco));
    expect([after.status, after.legs?.[0]?.status]).toEqual(["canceled", "canceled"]);
  });
});

describe("cancel of a bracket leg", () => {
  it("cancels the open entry and both exits when a held exit leg is canceled", async () => {
    await open();
    ex.stepBars(1);
    const b = await alpaca.trading.orders.bracket({ symbol: "ABC", side: "buy", qty: 2, limitPrice: 9.7, timeInForce: "gtc", ...exits });
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: b.legs?.[1]?.id ?? "" });
    await until(() => ex.book.openOrderIds().length === 0);
    const after = await get(idOf(b));
    expect([after.status, ...(after.legs ?? []).map((l) => l.status)]).toEqual(["canceled", "canceled", "canceled"]);
  });
});

describe("wash-trade protection", () => {
  it("refuses a market buy while an OCO take-profit sell rests", async () => {
    await open();
    await holdLong(10);
    await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", ...exits });
    const res = await raw("POST", "/v2/orders", { symbol: "ABC", qty: "1", side: "buy", type: "market", time_in_force: "day" });
    expect([res.status, await res.json()]).toEqual([422, { code: 42210000, message: WASH }]);
    const e = await apiError(alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" }));
    expect(e).toBeInstanceOf(ValidationError);
  });

  it("refuses a buy limit at or above a resting sell limit, accepts one below", async () => {
    await open();
    await holdLong(10);
    await alpaca.trading.orders.limit({ symbol: "ABC", side: "sell", qty: 5, limitPrice: 10.5, timeInForce: "gtc" });
    for (const p of [10.5, 11]) {
      const e = await apiError(alpaca.trading.orders.limit({ symbol: "ABC", side: "buy", qty: 1, limitPrice: p, timeInForce: "gtc" }));
      expect([e.status, e.message]).toEqual([422, WASH]);
    }
    expect((await alpaca.trading.orders.limit({ symbol: "ABC", side: "buy", qty: 1, limitPrice: 10.49, timeInForce: "gtc" })).status).toBe("new");
    // The mirror: a sell limit at or below that resting buy limit.
    const e = await apiError(alpaca.trading.orders.limit({ symbol: "ABC", side: "sell", qty: 1, limitPrice: 10.49, timeInForce: "gtc" }));
    expect(e.message).toBe(WASH);
    expect((await alpaca.trading.orders.limit({ symbol: "ABC", side: "sell", qty: 1, limitPrice: 10.6, timeInForce: "gtc" })).status).toBe("new");
  });

  it("counts untriggered stops by default (Alpaca's table); ignores them under washTradeStopsCount false", async () => {
    await open({ rules: { washTradeStopsCount: false } });
    await holdLong(10);
    await alpaca.trading.orders.stop({ symbol: "ABC", side: "sell", qty: 10, stopPrice: 9.5, timeInForce: "gtc" });
    expect((await alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" })).status).toBe("new");
    await ex.close();

    await open();
    await holdLong(10);
    await alpaca.trading.orders.stop({ symbol: "ABC", side: "sell", qty: 10, stopPrice: 9.5, timeInForce: "gtc" });
    const e = await apiError(alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" }));
    expect([e.status, e.message]).toEqual([422, WASH]);
  });

  it("answers 403 40310000 instead under washTradeStatus 403 (the other reported form)", async () => {
    await open({ rules: { washTradeStatus: 403 } });
    await holdLong(10);
    await alpaca.trading.orders.limit({ symbol: "ABC", side: "sell", qty: 5, limitPrice: 10.5, timeInForce: "gtc" });
    const e = await apiError(alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" }));
    expect([e.status, e.code, e.message]).toEqual([403, 40310000, WASH]);
  });

  it("counts a pending_cancel take-profit until its cancel completes", async () => {
    await open({ cancelDelayMs: 60_000 });
    await holdLong(10);
    const oco = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", ...exits });
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(oco) });
    expect((await apiError(alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" }))).message).toBe(WASH);
  });
});

describe("replace (PATCH /v2/orders/{id}) through the SDK", () => {
  const patch = (orderId: string, patchOrderRequest: Parameters<Alpaca["trading"]["orders"]["patchOrderByOrderId"]>[0]["patchOrderRequest"]) =>
    alpaca.trading.orders.patchOrderByOrderId({ orderId, patchOrderRequest });

  it("answers a new order that replaces the old; the old becomes replaced; events pending_replace, replaced, new", async () => {
    await open();
    ex.stepBars(1);
    const o = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 2, side: "buy", limitPrice: 9, timeInForce: "day", clientOrderId: "entry-1" });
    updates.length = 0;
    const n = await patch(idOf(o), { limitPrice: "9.8", qty: "3", clientOrderId: "entry-1b" });
    expect([n.id === o.id, n.replaces, n.status, n.limitPrice, n.qty, n.clientOrderId, n.timeInForce]).toEqual([false, o.id, "new", "9.8", "3", "entry-1b", "day"]);
    const old = await get(idOf(o));
    expect([old.status, old.replacedBy, old.replacedAt instanceof Date]).toEqual(["replaced", n.id, true]);
    expect(updates.map((u) => [u.event, u.order.id === o.id ? "old" : "new", u.order.status])).toEqual([
      ["pending_replace", "old", "pending_replace"], ["replaced", "old", "replaced"], ["new", "new", "new"],
    ]);
    // The replacement works like any order: bar 1 reaches 9.9, not 9.8; bar 2 trades through 9.8 (low 9.6).
    ex.stepBars(1);
    expect((await get(idOf(n))).status).toBe("new");
    ex.stepBars(1);
    expect((await get(idOf(n))).status).toBe("filled");
    expect((await alpaca.trading.positions.getAllOpenPositions()).map((p) => p.qty)).toEqual(["3"]);
  });

  it("under replacedEventCarriesNew, the replaced update carries the new order", async () => {
    await open({ rules: { replacedEventCarriesNew: true } });
    ex.stepBars(1);
    const o = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 2, side: "buy", limitPrice: 9, timeInForce: "day" });
    updates.length = 0;
    const n = await patch(idOf(o), { limitPrice: "9.1" });
    expect(updates.map((u) => [u.event, u.order.id === o.id ? "old" : u.order.id === n.id ? "new" : "?"])).toEqual([["pending_replace", "old"], ["replaced", "new"], ["new", "new"]]);
  });

  it("moves the stop leg of an OCO by its own id; the group stays one OCO", async () => {
    await open();
    await holdLong(10);
    const oco = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", ...exits });
    const stopId = oco.legs?.[0]?.id ?? "";
    const n = await patch(stopId, { stopPrice: "9.55" });
    expect([n.type, n.stopPrice, n.replaces, n.orderClass]).toEqual(["stop", "9.55", stopId, "oco"]);
    const parent = await get(idOf(oco));
    expect([parent.status, parent.legs?.map((l) => [l.id, l.stopPrice])]).toEqual(["new", [[n.id, "9.55"]]]);
    // Held quantity moved from the old leg to the new one: still 10 held, once.
    const more = await apiError(alpaca.trading.orders.stop({ symbol: "ABC", side: "sell", qty: 1, stopPrice: 9, timeInForce: "gtc" }));
    expect(more.status).toBe(403);
    ex.stepBars(2); // bar 2's low 9.6 stays above 9.55; bar 3 trades through 10.5: the limit fills, the new stop leg is canceled
    const done = await get(idOf(oco));
    expect([done.status, done.legs?.[0]?.status]).toEqual(["filled", "canceled"]);
  });

  it("moves a bracket's take-profit by its own id", async () => {
    await open();
    ex.stepBars(1);
    const b = await alpaca.trading.orders.bracket({ symbol: "ABC", side: "buy", qty: 4, timeInForce: "gtc", ...exits });
    ex.stepBars(1); // the entry fills, the exits arm
    const tpId = b.legs?.[0]?.id ?? "";
    const n = await patch(tpId, { limitPrice: "10.9" });
    const parent = await get(idOf(b));
    expect(parent.legs?.map((l) => [l.id, l.type, l.limitPrice ?? l.stopPrice, l.status])).toEqual([[n.id, "limit", "10.9", "new"], [b.legs?.[1]?.id, "stop", "9.5", "new"]]);
    ex.stepBars(3); // bar 3 reaches 10.8 < 10.9: nothing; bar 4 reaches 11 but the stop wins the bar
    expect((await get(idOf(b))).legs?.map((l) => l.status)).toEqual(["canceled", "filled"]);
  });

  it("refuses 422 when the order is not open: filled, canceled or pending_cancel", async () => {
    await open({ cancelDelayMs: 60_000 });
    ex.stepBars(1);
    const m = await alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" });
    ex.stepBars(1);
    const l = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(l) });
    for (const id of [idOf(m), idOf(l)]) {
      const e = await apiError(patch(id, { qty: "2" }));
      expect([e.status, e.code]).toEqual([422, 42210000]);
    }
    expect((await apiError(patch("no-such-order", { qty: "2" }))).status).toBe(404);
  });

  it("checks the replacement: held quantity without the old order, fields the type can take, wash trades", async () => {
    // A buy limit beside a resting sell stop is tested below under the kinder reading; the strict one refuses it outright.
    await open({ rules: { washTradeStopsCount: false } });
    await holdLong(10);
    const a = await alpaca.trading.orders.limit({ symbol: "ABC", side: "sell", qty: 5, limitPrice: 11, timeInForce: "gtc" });
    await alpaca.trading.orders.stop({ symbol: "ABC", side: "sell", qty: 5, stopPrice: 9, timeInForce: "gtc" });
    expect((await patch(idOf(a), { qty: "5", limitPrice: "11.5" })).qty).toBe("5");
    const current = (await alpaca.trading.orders.getAllOrders({ status: "open" })).find((o) => o.type === "limit");
    const tooMany = await apiError(patch(idOf(current ?? {}), { qty: "6" }));
    expect([tooMany.status, tooMany.message]).toEqual([403, "insufficient qty available for order (requested: 6, available: 5)"]);
    expect((await apiError(patch(idOf(current ?? {}), { stopPrice: "9" }))).status).toBe(422);
    const buy = await alpaca.trading.orders.limit({ symbol: "ABC", side: "buy", qty: 1, limitPrice: 9, timeInForce: "gtc" });
    expect((await apiError(patch(idOf(buy), { limitPrice: "11.5" }))).message).toBe(WASH);
  });

  it("refuses a qty change of an OCO by default; resizes the pair under replaceGroupQty", async () => {
    await open();
    await holdLong(10);
    const oco = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", ...exits });
    expect((await apiError(patch(idOf(oco), { qty: "6" }))).status).toBe(422);
    await ex.close();

    await open({ rules: { replaceGroupQty: true } });
    await holdLong(10);
    const o2 = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", ...exits });
    const n = await patch(idOf(o2), { qty: "6" });
    expect([n.qty, n.legs?.map((l) => l.qty)]).toEqual(["6", ["6"]]);
    expect((await alpaca.trading.orders.stop({ symbol: "ABC", side: "sell", qty: 4, stopPrice: 9, timeInForce: "gtc" })).status).toBe("new");
  });
});

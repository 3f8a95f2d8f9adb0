import { describe, expect, it } from "vitest";
import { activityId } from "../../src/exchange/activities.ts";
import { Book } from "../../src/exchange/book.ts";
import type { ExBar, TradeUpdate } from "../../src/exchange/types.ts";
import { ExchangeError } from "../../src/exchange/types.ts";
import { MIN, OPEN_MS } from "./helpers.ts";

function bar(tMs: number, open: number, high: number, low: number, close: number, symbol = "ABC"): ExBar {
  return { symbol, tMs, open, high, low, close, volume: 1000 };
}

/** A book with a known ABC price (one bar replayed) and its clock at the end of that bar. */
function primed(opts: Partial<ConstructorParameters<typeof Book>[0]> = {}): { book: Book; updates: TradeUpdate[] } {
  const book = new Book({ initialCashUsd: 10_000, frictionPctRoundTrip: 0, symbols: ["ABC"], startMs: OPEN_MS, ...opts });
  const updates: TradeUpdate[] = [];
  book.onUpdate((u) => updates.push(u));
  book.onBar(bar(OPEN_MS, 10, 10, 10, 10));
  book.advanceTo(OPEN_MS + MIN);
  return { book, updates };
}

function err(fn: () => unknown): ExchangeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ExchangeError) return e;
    throw e;
  }
  throw new Error("expected an ExchangeError");
}

describe("Book", () => {
  it("fills a market order at the next bar's open, with friction, and reports new then fill", () => {
    const { book, updates } = primed({ frictionPctRoundTrip: 0.2 });
    const o = book.submit({ symbol: "abc", qty: "10", side: "buy", type: "market", time_in_force: "day", client_order_id: "c1" });
    expect(o.status).toBe("new");
    book.onBar(bar(OPEN_MS + MIN, 11, 12, 10.5, 11.5));
    expect(updates.map((u) => u.event)).toEqual(["new", "fill"]);
    const fill = updates[1];
    expect(Number(fill.price)).toBeCloseTo(11 * 1.001, 9);
    expect(fill.qty).toBe("10");
    expect(fill.position_qty).toBe("10");
    expect(fill.order.status).toBe("filled");
    expect(book.position("ABC")?.avgEntryUsd).toBeCloseTo(11.011, 9);
    expect(book.cashUsd).toBeCloseTo(10_000 - 110.11, 6);
  });

  it("fills a market order that arrived while a bar was forming at that bar's close", () => {
    const { book, updates } = primed();
    book.advanceTo(OPEN_MS + MIN + 30_000);
    book.submit({ symbol: "ABC", qty: "1", side: "buy", type: "market", time_in_force: "gtc" });
    book.onBar(bar(OPEN_MS + MIN, 11, 12, 10.5, 11.5));
    expect(updates.at(-1)?.price).toBe("11.5");
  });

  it("refuses a reused client_order_id, even after the first order was canceled", () => {
    const { book } = primed();
    const o = book.submit({ symbol: "ABC", qty: "1", side: "buy", type: "limit", limit_price: "5", time_in_force: "gtc", client_order_id: "dup" });
    book.cancel(o.id);
    const e = err(() => book.submit({ symbol: "ABC", qty: "1", side: "buy", type: "market", time_in_force: "day", client_order_id: "dup" }));
    expect([e.status, e.code, e.message]).toEqual([422, 40010001, "client_order_id must be unique"]);
  });

  it("checks buying power, counting open buy orders", () => {
    const { book } = primed();
    book.submit({ symbol: "ABC", qty: "900", side: "buy", type: "limit", limit_price: "10", time_in_force: "gtc" });
    const e = err(() => book.submit({ symbol: "ABC", qty: "200", side: "buy", type: "limit", limit_price: "10", time_in_force: "gtc" }));
    expect([e.status, e.code, e.message]).toEqual([403, 40310000, "insufficient buying power"]);
    expect(book.buyingPowerUsd()).toBeCloseTo(1000, 9);
  });

  it("refuses to sell shares it does not hold", () => {
    const { book } = primed();
    const e = err(() => book.submit({ symbol: "ABC", qty: "1", side: "sell", type: "market", time_in_force: "day" }));
    expect([e.status, e.code]).toEqual([403, 40310000]);
  });

  it("fills a sell stop at the stop, or at the open on a gap through it", () => {
    const { book, updates } = primed();
    book.submit({ symbol: "ABC", qty: "20", side: "buy", type: "market", time_in_force: "day" });
    book.onBar(bar(OPEN_MS + MIN, 10, 10, 10, 10));
    book.advanceTo(OPEN_MS + 2 * MIN);
    book.submit({ symbol: "ABC", qty: "10", side: "sell", type: "stop", stop_price: "9.5", time_in_force: "gtc" });
    book.submit({ symbol: "ABC", qty: "10", side: "sell", type: "stop", stop_price: "9", time_in_force: "gtc" });
    book.onBar(bar(OPEN_MS + 2 * MIN, 9.8, 9.9, 9.4, 9.6)); // touches 9.5 only
    book.advanceTo(OPEN_MS + 3 * MIN);
    book.onBar(bar(OPEN_MS + 3 * MIN, 8.5, 8.7, 8.4, 8.6)); // gaps through 9
    const fills = updates.filter((u) => u.event === "fill").map((u) => u.price);
    expect(fills).toEqual(["10", "9.5", "8.5"]);
    expect(book.position("ABC")).toBeUndefined();
  });

  it("fills a buy limit only when the bar trades through it", () => {
    const { book, updates } = primed();
    book.submit({ symbol: "ABC", qty: "1", side: "buy", type: "limit", limit_price: "9", time_in_force: "gtc" });
    book.onBar(bar(OPEN_MS + MIN, 9.5, 9.6, 9, 9.2)); // touch: no fill
    expect(updates.filter((u) => u.event === "fill")).toHaveLength(0);
    book.advanceTo(OPEN_MS + 2 * MIN);
    book.onBar(bar(OPEN_MS + 2 * MIN, 9.5, 9.6, 8.99, 9.2));
    expect(updates.filter((u) => u.event === "fill").map((u) => u.price)).toEqual(["9"]);
  });

  it("splits market orders into two fills on consecutive bars when configured", () => {
    const { book, updates } = primed({ partialFill: { fraction: 1, seed: 7 } });
    const o = book.submit({ symbol: "ABC", qty: "5", side: "buy", type: "market", time_in_force: "day" });
    book.onBar(bar(OPEN_MS + MIN, 10, 10, 10, 10));
    expect(book.order(o.id)?.status).toBe("partially_filled");
    book.advanceTo(OPEN_MS + 2 * MIN);
    book.onBar(bar(OPEN_MS + 2 * MIN, 11, 11, 11, 11));
    expect(updates.slice(1).map((u) => [u.event, u.qty, u.position_qty])).toEqual([["partial_fill", "2", "2"], ["fill", "3", "5"]]);
    expect(book.order(o.id)?.filled_avg_price).toBe("10.6");
  });

  it("records every execution at its honest time; its activity id is headed by that time in New York", () => {
    const { book, updates } = primed({ partialFill: { fraction: 1, seed: 7 } });
    const lim = book.submit({ symbol: "ABC", qty: "1", side: "buy", type: "limit", limit_price: "9", time_in_force: "gtc" });
    const mkt = book.submit({ symbol: "ABC", qty: "4", side: "buy", type: "market", time_in_force: "gtc" });
    book.onBar(bar(OPEN_MS + MIN, 9.5, 9.6, 8.9, 9.2), OPEN_MS + 2 * MIN); // market 2 @ open, limit @ 9 inside the bar
    book.advanceTo(OPEN_MS + 2 * MIN);
    book.onBar(bar(OPEN_MS + 2 * MIN, 9.4, 9.4, 9.4, 9.4), OPEN_MS + 3 * MIN); // the market order's other 2 @ open
    const view = book.executions().map((e) => [e.id.slice(0, 19), e.tMs - OPEN_MS, e.type, e.price, e.qty, e.leavesQty, e.cumQty, e.orderId, e.orderStatus]);
    expect(view).toEqual([
      ["20240102093100000::", MIN, "partial_fill", 9.5, 2, 2, 2, mkt.id, "partially_filled"],
      ["20240102093200000::", 2 * MIN, "fill", 9, 1, 0, 1, lim.id, "filled"],
      ["20240102093200000::", 2 * MIN, "fill", 9.4, 2, 0, 4, mkt.id, "filled"],
    ]);
    const fills = updates.filter((u) => u.event === "fill" || u.event === "partial_fill");
    expect(fills.map((u) => u.execution_id)).toEqual(book.executions().map((e) => e.executionId));
    const streamIds = new Set(fills.map((u) => u.execution_id));
    expect(book.executions().filter((e) => streamIds.has(e.id.slice(19)))).toEqual([]);
  });

  it("expires day orders at the 16:00 close but keeps gtc ones", () => {
    const { book, updates } = primed();
    const day = book.submit({ symbol: "ABC", qty: "1", side: "buy", type: "limit", limit_price: "1", time_in_force: "day" });
    const gtc = book.submit({ symbol: "ABC", qty: "1", side: "buy", type: "limit", limit_price: "1", time_in_force: "gtc" });
    book.advanceTo(OPEN_MS + 389 * MIN);
    expect(book.order(day.id)?.status).toBe("new");
    book.advanceTo(OPEN_MS + 390 * MIN);
    expect(book.order(day.id)?.status).toBe("expired");
    expect(book.order(gtc.id)?.status).toBe("new");
    expect(updates.at(-1)?.event).toBe("expired");
  });

  it("cancels open orders only, in two steps: pending_cancel, then canceled when completed", () => {
    const { book, updates } = primed();
    expect(err(() => book.cancel("nope")).status).toBe(404);
    const o = book.submit({ symbol: "ABC", qty: "1", side: "buy", type: "limit", limit_price: "5", time_in_force: "gtc" });
    expect(book.cancel(o.id).status).toBe("pending_cancel");
    const again = err(() => book.cancel(o.id));
    expect([again.status, again.code, again.message]).toEqual([422, 42210000, "order is not cancelable"]);
    book.completeCancels(book.drainCancelRequests());
    expect(book.order(o.id)?.status).toBe("canceled");
    expect(updates.slice(-3).map((u) => u.event)).toEqual(["new", "pending_cancel", "canceled"]);
    const e = err(() => book.cancel(o.id));
    expect([e.status, e.code, e.message]).toEqual([422, 42210000, "order is not cancelable"]);
  });

  it("computes an activity id from the transaction time in New York (Alpaca's docs example)", () => {
    expect(activityId(Date.parse("2021-01-27T19:49:30.176Z"), "u")).toBe("20210127144930176::u");
    expect(activityId(Date.parse("2024-07-01T13:30:00.000Z"), "u")).toBe("20240701093000000::u");
  });

  it("validates the request", () => {
    const { book } = primed();
    expect(err(() => book.submit({ symbol: "ZZZ", qty: "1", side: "buy", type: "market", time_in_force: "day" })).status).toBe(422);
    expect(err(() => book.submit({ symbol: "ABC", qty: "-1", side: "buy", type: "market", time_in_force: "day" })).status).toBe(422);
    expect(err(() => book.submit({ symbol: "ABC", qty: "1", side: "buy", type: "limit", time_in_force: "day" })).status).toBe(422);
  });
});

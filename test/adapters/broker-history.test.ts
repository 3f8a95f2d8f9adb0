import { describe, expect, it } from "vitest";
import type { trading } from "@alpacahq/alpaca-trade-api";
import { fetchExecutions, fetchOrders } from "../../src/adapters/alpaca/history.ts";
import { FILLS, like, ORDERS, paper, paperClient, useNock, type Json } from "./alpaca-nock.ts";

useNock();

const FROM_MS = Date.parse("2024-05-14T13:30:00Z");
const T0 = Date.parse(String(ORDERS.market_filled.created_at));

/** Order n of a long session: its own id and client id, created n ms after the first. */
function nth(n: number): Json {
  const at = new Date(T0 + n).toISOString().replace("Z", "512Z");
  return like(ORDERS.market_filled, {
    id: `b2f0a6b4-59c5-4b4d-9a57-${String(n).padStart(12, "0")}`,
    client_order_id: `sw-run-SOFI-${n}`,
    created_at: at,
    submitted_at: at,
  });
}

describe("fetchOrders pages GET /v2/orders past 500 by `after`", () => {
  it("asks for every status, oldest first, nested, 500 a page; follows `after` to the end; keeps each order once", async () => {
    const queries: Record<string, string>[] = [];
    const first = Array.from({ length: 500 }, (_, i) => nth(i));
    // Alpaca's `after` is exclusive; an order created in the same millisecond as the last one of a
    // page can only be caught by stepping back, so the next page repeats the edge order.
    const second = Array.from({ length: 500 }, (_, i) => nth(499 + i));
    const third = Array.from({ length: 20 }, (_, i) => nth(998 + i));
    for (const page of [first, second, third]) {
      paper()
        .get("/v2/orders")
        .query((q) => (queries.push(q as Record<string, string>), true))
        .reply(200, page);
    }
    const got = await fetchOrders(paperClient(), FROM_MS);
    expect(got.length).toBe(1018);
    expect(new Set(got.map((o) => o.id)).size).toBe(1018);
    expect(queries[0]).toMatchObject({ status: "all", direction: "asc", nested: "true", limit: "500", after: new Date(FROM_MS - 1).toISOString() });
    // Each next page starts just before the newest order seen (same-millisecond orders straddle an edge).
    expect(Date.parse(queries[1].after)).toBe(T0 + 499 - 1);
    expect(Date.parse(queries[2].after)).toBe(T0 + 998 - 1);
    expect(queries.length).toBe(3);
  });

  it("reads an OCO's stop leg and a bracket's two legs nested in `legs`, and keeps Alpaca's statuses as they are", async () => {
    paper().get("/v2/orders").query(true).reply(200, [ORDERS.oco_new, ORDERS.bracket_new, ORDERS.stop_replaced, ORDERS.stop_replacement, ORDERS.limit_rejected, ORDERS.fractional_filled]);
    const got = await fetchOrders(paperClient(), FROM_MS);
    expect(got.map((o) => o.status)).toEqual(["new", "new", "replaced", "new", "rejected", "filled"]);
    const legs = (o: unknown): unknown[] => ((o as trading.Order).legs ?? []).map((l) => [l.id, l.type, l.status]);
    expect(legs(got[0])).toEqual([[(ORDERS.oco_new.legs as Json[])[0].id, "stop", "held"]]);
    expect(legs(got[1])).toEqual((ORDERS.bracket_new.legs as Json[]).map((l) => [l.id, l.type, "held"]));
    expect((got[5] as trading.Order).filledQty).toBe("2.500283");
    expect(got.find((o) => o.id === ORDERS.stop_replacement.id)).toMatchObject({ replaces: ORDERS.stop_replaced.id });
  });
});

describe("fetchExecutions reads FILL activities with `::` ids", () => {
  it("asks for FILL activities after the run's start, oldest first, and reads order id, qty, price and time", async () => {
    let query: Record<string, string> = {};
    paper()
      .get("/v2/account/activities")
      .query((q) => ((query = q as Record<string, string>), true))
      .reply(200, FILLS);
    const got = await fetchExecutions(paperClient(), FROM_MS);
    expect(query).toMatchObject({ activity_types: "FILL", direction: "asc", page_size: "100", after: new Date(FROM_MS - 1).toISOString() });
    expect(got.map((x) => [x.executionId, x.orderId, x.qtyShares, x.priceUsd, new Date(x.timeMs).toISOString()])).toEqual([
      ["20240514094502031::e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a01", ORDERS.market_partially_filled.id, 40, 7.05, "2024-05-14T13:45:02.031Z"],
      ["20240514094502447::e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a02", ORDERS.market_partially_filled.id, 60, 7.052, "2024-05-14T13:45:02.447Z"],
      ["20240514112044000::e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a03", ORDERS.fractional_filled.id, 2.500283, 7.31, "2024-05-14T15:20:44.000Z"],
    ]);
  });

  it("the id's time is New York's: the activity time is read from transaction_time, never from the id", async () => {
    paper().get("/v2/account/activities").query(true).reply(200, FILLS.slice(0, 1));
    const [x] = await fetchExecutions(paperClient(), FROM_MS);
    // 09:45 in the id is 13:45Z (EDT): a reader that took the id as UTC would be four hours early.
    expect(x.executionId.startsWith("20240514094502031::")).toBe(true);
    expect(new Date(x.timeMs).toISOString()).toBe("2024-05-14T13:45:02.031Z");
  });

  it("pages by page_token (the last activity's id) while a page is full", async () => {
    const page = (from: number, n: number): Json[] =>
      Array.from({ length: n }, (_, i) => like(FILLS[1], { id: `20240514094502447::00000000-0000-4000-8000-${String(from + i).padStart(12, "0")}` }));
    const tokens: (string | undefined)[] = [];
    const full = page(0, 100);
    for (const body of [full, page(100, 7)]) {
      paper()
        .get("/v2/account/activities")
        .query((q) => (tokens.push((q as Record<string, string>).page_token), true))
        .reply(200, body);
    }
    const got = await fetchExecutions(paperClient(), FROM_MS);
    expect(got.length).toBe(107);
    expect(tokens).toEqual([undefined, full[99].id]);
  });
});

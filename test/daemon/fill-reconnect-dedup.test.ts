import { describe, expect, it } from "vitest";
import type { Fill } from "../../src/core/types.ts";
import { createAlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { AlpacaVenue, executionOf, type TradeUpdateLike } from "../../src/adapters/alpaca/venue.ts";
import { fetchExecutions } from "../../src/adapters/alpaca/history.ts";
import { FILLS, nock, PAPER, useNock } from "../adapters/alpaca-nock.ts";

/**
 * Issue 12's acceptance test: a fill delivered on the trading stream and again by the activities
 * catch-up after a reconnect changes the position once, with Alpaca's real id formats: a bare
 * UUID `execution_id` on the stream, `YYYYMMDDHHMMSSmmm::<uuid>` (New York time) activity ids
 * (test/fixtures/alpaca/activities.json), and uuids that differ between the two.
 */

const ORDER_ID = "b2f0a6b4-59c5-4b4d-9a57-1f0d9c6ad004";
const COID = "bear-trap.SOFI.20240514T1344.entry";
/** The two executions of the entry (40 then 60 shares); the file's third is another order's. */
const ACTIVITIES = JSON.stringify(FILLS.filter((f) => f.order_id === ORDER_ID));

useNock();

function orderJson(status: string, filledQty: string) {
  return {
    id: ORDER_ID, client_order_id: COID, created_at: "2026-01-05T14:31:00.101Z", updated_at: "2026-01-05T14:31:00.101Z", submitted_at: "2026-01-05T14:31:00.099Z",
    filled_at: null, expired_at: null, canceled_at: null, failed_at: null, replaced_at: null, replaced_by: null, replaces: null,
    asset_id: "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415", symbol: "SOFI", asset_class: "us_equity", notional: null, qty: "100", filled_qty: filledQty,
    filled_avg_price: null, order_class: "", order_type: "market", type: "market", side: "buy", time_in_force: "day", limit_price: null, stop_price: null,
    status, extended_hours: false, legs: null, trail_percent: null, trail_price: null, hwm: null,
  };
}

/** A trade update as the SDK hands it over (camelCase, the order parsed). */
function streamFill(event: "partial_fill" | "fill", executionId: string, qty: string, price: string, filledQty: string): TradeUpdateLike {
  return { event, executionId, price, qty, timestamp: new Date("2024-05-14T13:45:02.400Z"), order: { id: ORDER_ID, clientOrderId: COID, symbol: "SOFI", side: "buy", status: event === "fill" ? "filled" : "partially_filled", filledQty } };
}

async function venueWithEntry() {
  nock(PAPER).post("/v2/orders").reply(200, orderJson("accepted", "0"));
  const alpaca = createAlpacaClient({ keyId: "PKTEST", secretKey: "secret" });
  const fills: Fill[] = [];
  const venue = new AlpacaVenue(alpaca, ["SOFI"], (f) => fills.push(f));
  venue.setCash(100_000);
  venue.submit({ clientOrderId: COID, symbol: "SOFI", symId: 0, side: "buy", type: "market", qtyShares: 100, purpose: "entry" });
  await venue.settled(5000);
  expect(venue.orders.get(COID)?.brokerId).toBe(ORDER_ID);
  return { alpaca, venue, fills };
}

describe("a fill seen on the stream and again in the activities after a reconnect", () => {
  it("the SDK's activity model keeps order_id and cum_qty", async () => {
    nock(PAPER).get("/v2/account/activities").query(true).reply(200, ACTIVITIES, { "content-type": "application/json" });
    const execs = await fetchExecutions(createAlpacaClient({ keyId: "PKTEST", secretKey: "secret" }), Date.parse("2024-05-14T13:30:00Z"));
    expect(execs.map((x) => [x.orderId, x.cumQty, x.qtyShares])).toEqual([[ORDER_ID, 40, 40], [ORDER_ID, 100, 60]]);
  });

  it("changes the position once", async () => {
    const { alpaca, venue, fills } = await venueWithEntry();
    // Live: both executions on the stream, bare UUIDs.
    venue.onTradeUpdate(streamFill("partial_fill", "adb4f7c7-0b1f-4a3b-9a51-7e3d1c3f6a10", "40", "7.05", "40"));
    venue.onTradeUpdate(streamFill("fill", "c3d1a2e4-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "60", "7.052", "100"));
    expect(venue.heldShares(0)).toBe(100);
    // The stream dropped and came back: the catch-up reads the same executions as activities.
    nock(PAPER).get("/v2/account/activities").query(true).reply(200, ACTIVITIES, { "content-type": "application/json" });
    const execs = await fetchExecutions(alpaca, Date.parse("2024-05-14T13:30:00Z"));
    expect(execs.every((x) => !venue.knowsOrderOf(x) || venue.hasApplied(x))).toBe(true);
    for (const x of execs) expect(venue.applyExecution(x)).toBe(false);
    // And a stream that repeats itself after the reconnect.
    venue.onTradeUpdate(streamFill("fill", "c3d1a2e4-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "60", "7.052", "100"));
    expect(venue.heldShares(0)).toBe(100);
    expect(fills.map((f) => f.qtyShares)).toEqual([40, 60]);
    expect(venue.cashUsd).toBeCloseTo(100_000 - 40 * 7.05 - 60 * 7.052, 6);
  });

  it("applies from the activities exactly the execution the stream missed", async () => {
    const { alpaca, venue, fills } = await venueWithEntry();
    venue.onTradeUpdate(streamFill("partial_fill", "adb4f7c7-0b1f-4a3b-9a51-7e3d1c3f6a10", "40", "7.05", "40"));
    nock(PAPER).get("/v2/account/activities").query(true).reply(200, ACTIVITIES, { "content-type": "application/json" });
    const execs = await fetchExecutions(alpaca, Date.parse("2024-05-14T13:30:00Z"));
    expect(execs.map((x) => venue.applyExecution(x))).toEqual([false, true]);
    expect(venue.heldShares(0)).toBe(100);
    expect(fills.map((f) => [f.qtyShares, f.priceUsd])).toEqual([[40, 7.05], [60, 7.052]]);
    expect(venue.orders.get(COID)?.status).toBe("filled");
  });

  it("the stream's update parses to the same key the activity has", () => {
    const x = executionOf(streamFill("fill", "c3d1a2e4-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "60", "7.052", "100"), 0);
    expect([x.orderId, x.cumQty]).toEqual([ORDER_ID, 100]);
  });
});

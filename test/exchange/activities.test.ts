import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import { ValidationError } from "@alpacahq/alpaca-trade-api";
import type { Exchange } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { fillActivities } from "../../src/exchange/activities.ts";
import type { Execution, TradeUpdate } from "../../src/exchange/types.ts";
import { MIN, OPEN_MS, series } from "./helpers.ts";
import { apiError, client, KEY, SECRET } from "./sdk-helpers.ts";

const ABC = series("ABC", [
  [10, 10, 10, 10],
  [11, 11, 11, 11],
  [12, 12, 12, 12],
  [13, 13, 13, 13],
  [14, 14, 14, 14],
]);
const XYZ = series("XYZ", [[50, 50, 50, 50], [51, 51, 51, 51], [52, 52, 52, 52], [53, 53, 53, 53], [54, 54, 54, 54]]);

let ex: Exchange;
let alpaca: Alpaca;
let fills: TradeUpdate[];

beforeEach(async () => {
  // fraction 1: every market order of 2+ shares fills in two pieces on consecutive bars.
  ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [ABC, XYZ], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0, partialFill: { fraction: 1, seed: 1 } });
  alpaca = client(ex);
  fills = [];
  ex.book.onUpdate((u) => {
    if (u.event === "fill" || u.event === "partial_fill") fills.push(u);
  });
});
afterEach(async () => {
  await ex.close();
});

/** A 10-share ABC buy filled 5 + 5 on bars 1 and 2, then 1 XYZ share on bar 3: three executions. */
async function trade(): Promise<string> {
  ex.stepBars(1);
  const abc = await alpaca.trading.orders.market({ symbol: "ABC", qty: 10, side: "buy" });
  ex.stepBars(2);
  await alpaca.trading.orders.market({ symbol: "XYZ", qty: 1, side: "buy" });
  ex.stepBars(1);
  return abc.id ?? "";
}

describe("FILL account activities", () => {
  it("records a partially filled order as two activities with Alpaca's id shapes: New York time :: a uuid other than the stream's execution_id", async () => {
    const orderId = await trade();
    const acts = await alpaca.trading.accountActivities.getAccountActivitiesByActivityType({ activityType: "FILL", after: new Date(OPEN_MS), direction: "asc" });
    expect(acts.map((a) => [a.activityType, a.symbol, a.qty])).toEqual([["FILL", "ABC", "5"], ["FILL", "ABC", "5"], ["FILL", "XYZ", "1"]]);
    // Alpaca's shapes: the stream's execution_id is a bare uuid; the activity id is the transaction
    // time in New York (14:31Z is 09:31 EST), "::", and (by default) a different uuid.
    for (const u of fills) expect(u.execution_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(acts.map((a) => a.id?.slice(0, 19))).toEqual(["20240102093100000::", "20240102093200000::", "20240102093300000::"]);
    expect(acts[0].id).toMatch(/^\d{17}::[0-9a-f-]{36}$/);
    expect(acts.map((a) => a.id?.slice(19))).not.toContain(fills[0].execution_id);
    expect(new Set(acts.map((a) => a.id?.slice(19))).size).toBe(3);

    // SDK 4.x quirk: the by-type call parses every answer as a NON-trade activity, dropping price,
    // order_id, transaction_time, ... (they are on the wire, see below); the general endpoint keeps them.
    expect("orderId" in acts[0] || "price" in acts[0] || "transactionTime" in acts[0]).toBe(false);
    const full = await alpaca.trading.accountActivities.getAccountActivities({ activityTypes: ["FILL"], direction: "asc" });
    expect(full.map((a) => [a.type, a.price, a.qty, a.side, a.leavesQty, a.cumQty, a.orderStatus, a.transactionTime?.getTime()])).toEqual([
      ["partial_fill", "11", "5", "buy", "5", "5", "partially_filled", OPEN_MS + MIN],
      ["fill", "12", "5", "buy", "0", "10", "filled", OPEN_MS + 2 * MIN],
      ["fill", "53", "1", "buy", "0", "1", "filled", OPEN_MS + 3 * MIN],
    ]);
    expect(full.slice(0, 2).map((a) => a.orderId)).toEqual([orderId, orderId]);
    expect(full.map((a) => a.id)).toEqual(acts.map((a) => a.id));
  });

  it("answers in Alpaca's wire shape: strings for numbers, RFC-3339 times", async () => {
    await trade();
    const res = await fetch(`${ex.url}/v2/account/activities/FILL?direction=asc&page_size=1`, { headers: { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET } });
    expect(await res.json()).toEqual([
      {
        id: ex.book.executions()[0].id, activity_type: "FILL", transaction_time: new Date(OPEN_MS + MIN).toISOString(), type: "partial_fill",
        price: "11", qty: "5", side: "buy", symbol: "ABC", leaves_qty: "5", cum_qty: "5", order_id: fills[0].order.id, order_status: "partially_filled",
      },
    ]);
  });

  it("lists newest first by default and pages with the last id as the token, both ways", async () => {
    await trade();
    const ids = ex.book.executions().map((e) => e.id);
    const byType = alpaca.trading.accountActivities;
    const desc1 = await byType.getAccountActivitiesByActivityType({ activityType: "FILL", pageSize: 2 });
    expect(desc1.map((a) => a.id)).toEqual([ids[2], ids[1]]);
    const desc2 = await byType.getAccountActivitiesByActivityType({ activityType: "FILL", pageSize: 2, pageToken: desc1[1].id });
    expect(desc2.map((a) => a.id)).toEqual([ids[0]]);
    const asc2 = await byType.getAccountActivitiesByActivityType({ activityType: "FILL", direction: "asc", pageSize: 1, pageToken: ids[0] });
    expect(asc2.map((a) => a.id)).toEqual([ids[1]]);
    // The SDK's own cursor pagination walks every page.
    const all = await alpaca.trading.collectActivitiesByType({ activityType: "FILL", direction: "asc", pageSize: 2 });
    expect(all.map((a) => a.id)).toEqual(ids);
  });

  it("bounds transaction_time with after and until (both exclusive)", async () => {
    await trade();
    const ids = ex.book.executions().map((e) => e.id);
    const q = (after?: number, until?: number): Promise<string[]> =>
      alpaca.trading.accountActivities
        .getAccountActivitiesByActivityType({ activityType: "FILL", direction: "asc", after: after === undefined ? undefined : new Date(after), until: until === undefined ? undefined : new Date(until) })
        .then((r) => r.map((a) => a.id ?? ""));
    expect(await q(OPEN_MS + MIN)).toEqual(ids.slice(1));
    expect(await q(OPEN_MS + MIN - 1)).toEqual(ids);
    expect(await q(undefined, OPEN_MS + 3 * MIN)).toEqual(ids.slice(0, 2));
    expect(await q(OPEN_MS + MIN, OPEN_MS + 3 * MIN)).toEqual([ids[1]]);
  });

  it("ends the activity id in the stream's execution_id when told to (the unverified reading)", async () => {
    await ex.close();
    ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [ABC, XYZ], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0, rules: { activityIdSharesExecutionId: true } });
    alpaca = client(ex);
    fills = [];
    ex.book.onUpdate((u) => {
      if (u.event === "fill" || u.event === "partial_fill") fills.push(u);
    });
    await trade();
    const acts = await alpaca.trading.accountActivities.getAccountActivitiesByActivityType({ activityType: "FILL", direction: "asc" });
    expect(acts.map((a) => a.id?.split("::")[1])).toEqual(fills.map((u) => u.execution_id));
  });

  it("orders activities by transaction time, not by when the exchange recorded them", () => {
    // Within one minute ABC's limit filled inside the bar (stamped at its end) is recorded before
    // XYZ's market order filled at the open (stamped at its start).
    const exec = (id: string, tMs: number, symbol: string): Execution => ({
      id, executionId: id, tMs, type: "fill", price: 1, qty: 1, side: "buy", symbol, leavesQty: 0, cumQty: 1, orderId: id, orderStatus: "filled",
    });
    const recorded = [exec("a", OPEN_MS + 2 * MIN, "ABC"), exec("b", OPEN_MS + MIN, "XYZ")];
    const asc = fillActivities(recorded, null, new URLSearchParams("direction=asc"));
    expect(asc.map((x) => [x.id, x.transaction_time])).toEqual([["b", new Date(OPEN_MS + MIN).toISOString()], ["a", new Date(OPEN_MS + 2 * MIN).toISOString()]]);
  });

  it("serves FILLs on the general endpoint only when they are asked for", async () => {
    await trade();
    const acts = alpaca.trading.accountActivities;
    expect(await acts.getAccountActivities({})).toHaveLength(3);
    expect(await acts.getAccountActivities({ activityTypes: ["DIV", "FILL"] })).toHaveLength(3);
    expect(await acts.getAccountActivities({ activityTypes: ["DIV"] })).toEqual([]);
    expect(await acts.getAccountActivitiesByActivityType({ activityType: "DIV" })).toEqual([]);
  });

  it("refuses a bad direction, page_size or page_token with 422", async () => {
    await trade();
    const e = await apiError(alpaca.trading.accountActivities.getAccountActivitiesByActivityType({ activityType: "FILL", pageToken: "nope" }));
    expect(e).toBeInstanceOf(ValidationError);
    expect([e.status, e.message]).toEqual([422, "invalid page_token"]);
    const get = (qs: string): Promise<number> =>
      fetch(`${ex.url}/v2/account/activities/FILL?${qs}`, { headers: { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET } }).then((r) => r.status);
    expect(await get("direction=up")).toBe(422);
    expect(await get("page_size=0")).toBe(422);
    expect(await get("after=yesterday")).toBe(422);
    expect(await get("page_size=500")).toBe(200);
  });
});

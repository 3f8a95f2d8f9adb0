import { describe, expect, it } from "vitest";
import type { trading } from "@alpacahq/alpaca-trade-api";
import { OrderCalls } from "../../src/adapters/alpaca/order-calls.ts";
import { intent, like, ORDERS, ERRORS, paper, paperClient, useNock, type Json } from "./alpaca-nock.ts";

useNock();

interface Note { event: string; coid: string; detail: Readonly<Record<string, unknown>> }

function calls(attempts = 3): { calls: OrderCalls; notes: Note[] } {
  const notes: Note[] = [];
  return { calls: new OrderCalls(paperClient(), (event, coid, detail) => notes.push({ event, coid, detail }), attempts, 1), notes };
}

/** Alpaca's answer to a POST: the fixture order, carrying the client order id the request sent. */
function answer(fixture: Json): (req: Request) => Promise<Json> {
  // nock 15 hands a reply function the fetch Request.
  return async (req) => like(fixture, { client_order_id: ((await req.json()) as Json).client_order_id });
}

const COID = "sw-test-SOFI-1-entry";
const byClientId = (coid = COID): string => `/v2/orders:by_client_order_id?client_order_id=${coid}`;

describe("OrderCalls.post against Alpaca's answers", () => {
  it("sends a market order in Alpaca's body shape and takes a pending_new answer", async () => {
    let sent: Json = {};
    paper().post("/v2/orders", (b: Json) => ((sent = b), true)).reply(200, answer(ORDERS.market_pending_new));
    const { calls: c } = calls();
    const r = await c.post(intent());
    expect(sent).toMatchObject({ symbol: "SOFI", side: "buy", type: "market", time_in_force: "day", client_order_id: COID });
    // Alpaca takes qty as a decimal string (alpaca-protocol.md: body numbers as STRINGS); a number is accepted too.
    expect(Number(sent.qty)).toBe(100);
    expect(r.adoptedWhy).toBeNull();
    expect([r.order.id, r.order.status, r.order.clientOrderId]).toEqual([ORDERS.market_pending_new.id, "pending_new", COID]);
  });

  it("takes an `accepted` answer (a market order before 09:30 waits for the open) as placed", async () => {
    paper().post("/v2/orders").reply(200, answer(ORDERS.market_accepted));
    const r = await calls().calls.post(intent());
    expect([r.order.status, r.adoptedWhy]).toEqual(["accepted", null]);
  });

  it("sends an OCO exit as order_class oco with take_profit and stop_loss, and reads the stop leg's id from `legs`", async () => {
    let sent: Json = {};
    paper().post("/v2/orders", (b: Json) => ((sent = b), true)).reply(200, answer(ORDERS.oco_new));
    const r = await calls().calls.post(intent({ clientOrderId: "sw-oco", side: "sell", type: "oco", limitPriceUsd: 7.45, stopPriceUsd: 6.81, purpose: "tp1" }));
    expect(sent).toMatchObject({ symbol: "SOFI", side: "sell", order_class: "oco", time_in_force: "day", client_order_id: "sw-oco" });
    expect(Number((sent.take_profit as Json).limit_price)).toBe(7.45);
    expect(Number((sent.stop_loss as Json).stop_price)).toBe(6.81);
    expect(r.order.legs?.map((l) => l.id)).toEqual([(ORDERS.oco_new.legs as Json[])[0].id]);
  });

  for (const name of ["insufficient_buying_power", "pattern_day_trader", "wash_trade", "stop_vs_base_price", "sub_penny", "insufficient_qty"]) {
    it(`${name}: a refusal is final, with Alpaca's message; nothing is looked up or sent again`, async () => {
      paper().post("/v2/orders").once().reply(ERRORS[name].status, ERRORS[name].body);
      const { calls: c, notes } = calls();
      await expect(c.post(intent())).rejects.toThrow(String(ERRORS[name].body.message));
      expect(notes).toEqual([]);
    });
  }

  it("500, then the lookup by client_order_id finds nothing: posted again with the same id, once", async () => {
    const seen: string[] = [];
    paper().post("/v2/orders", (b: Json) => (seen.push(String(b.client_order_id)), true)).reply(500, ERRORS.internal.body);
    paper().get(byClientId()).reply(404, ERRORS.order_not_found.body);
    paper().post("/v2/orders", (b: Json) => (seen.push(String(b.client_order_id)), true)).reply(200, answer(ORDERS.market_new));
    const { calls: c, notes } = calls();
    const r = await c.post(intent());
    expect(seen).toEqual([COID, COID]);
    expect([r.order.status, r.adoptedWhy]).toEqual(["new", null]);
    expect(notes.map((n) => n.event)).toEqual(["post_ambiguous"]);
  });

  it("429, and the order is there after all (accepted before the answer was lost): adopted, not sent again", async () => {
    paper().post("/v2/orders").reply(429, ERRORS.rate_limited.body, { "Retry-After": "0" });
    paper().get(byClientId()).reply(200, like(ORDERS.market_partially_filled, { client_order_id: COID }));
    const r = await calls().calls.post(intent());
    expect(r.adoptedWhy).toBe("found after an ambiguous failure");
    expect([r.order.status, (r.order as trading.Order).filledQty]).toEqual(["partially_filled", "40"]);
  });

  it("a POST that never answers (a dropped connection: the client times out) is ambiguous too: looked up before anything is sent again", async () => {
    paper().post("/v2/orders").replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    paper().get(byClientId()).reply(200, like(ORDERS.market_filled, { client_order_id: COID }));
    const r = await calls().calls.post(intent());
    expect([r.order.status, r.adoptedWhy]).toEqual(["filled", "found after an ambiguous failure"]);
  });

  it("422 40010001 client_order_id must be unique after a retry: the first POST was accepted; it is found and adopted", async () => {
    paper().post("/v2/orders").reply(504, "upstream timeout");
    paper().get(byClientId()).reply(404, ERRORS.order_not_found.body);
    paper().post("/v2/orders").reply(422, ERRORS.client_order_id_not_unique.body);
    paper().get(byClientId()).reply(200, like(ORDERS.market_new, { client_order_id: COID }));
    const r = await calls().calls.post(intent());
    expect(r.adoptedWhy).toBe("duplicate client_order_id: the first POST was accepted");
    expect(r.order.id).toBe(ORDERS.market_new.id);
  });

  it("ambiguous every time: gives up after its attempts without a blind resend past them", async () => {
    let posts = 0;
    paper().post("/v2/orders").times(2).reply(() => (posts++, [503, { code: 50310000, message: "service unavailable" }]));
    paper().get(byClientId()).times(2).reply(404, ERRORS.order_not_found.body);
    await expect(calls(2).calls.post(intent())).rejects.toThrow(/order state unknown after 2 attempts/);
    expect(posts).toBe(2);
  });
});

describe("OrderCalls.cancel and lookup against Alpaca's answers", () => {
  const ID = String(ORDERS.limit_new.id);

  it("204 is done (the order goes pending_cancel at Alpaca; its `canceled` comes on the stream)", async () => {
    paper().delete(`/v2/orders/${ID}`).reply(204);
    await calls().calls.cancel("sw-tp", ID);
  });

  it("a 500 is tried again; the second 204 ends it", async () => {
    paper().delete(`/v2/orders/${ID}`).reply(500, ERRORS.internal.body);
    paper().delete(`/v2/orders/${ID}`).reply(204);
    const { calls: c, notes } = calls();
    await c.cancel("sw-tp", ID);
    expect(notes.map((n) => n.event)).toEqual(["cancel_ambiguous"]);
  });

  it("422 (filled meanwhile: not cancelable) and 404 are final", async () => {
    paper().delete(`/v2/orders/${ID}`).reply(422, ERRORS.order_not_cancelable.body);
    await expect(calls().calls.cancel("sw-tp", ID)).rejects.toThrow("order is not cancelable");
    paper().delete(`/v2/orders/${ID}`).reply(404, ERRORS.order_not_found.body);
    await expect(calls().calls.cancel("sw-tp", ID)).rejects.toThrow("order not found");
  });

  it("lookup: 404 40410000 is null; a found OCO keeps its legs; a 500 is reported and null", async () => {
    const c = calls();
    paper().get(byClientId("sw-a")).reply(404, ERRORS.order_not_found.body);
    expect(await c.calls.lookup("sw-a")).toBeNull();
    paper().get(byClientId("sw-b")).reply(200, like(ORDERS.oco_new, { client_order_id: "sw-b" }));
    const oco = await c.calls.lookup("sw-b");
    expect([oco?.clientOrderId, oco?.legs?.length]).toEqual(["sw-b", 1]);
    // The SDK retries a GET on 5xx (3 attempts) before the venue hears of it.
    paper().get(byClientId("sw-c")).times(3).reply(500, ERRORS.internal.body, { "Retry-After": "0" });
    expect(await c.calls.lookup("sw-c")).toBeNull();
    expect(c.notes.map((n) => n.event)).toEqual(["lookup_failed"]);
  });
});

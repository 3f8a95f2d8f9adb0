import { afterEach, describe, expect, it } from "vitest";
import type { OrderEnded } from "../../src/broker/venue.ts";
import type { Fill, OrderIntent } from "../../src/core/types.ts";
import { startExchange, type Exchange, type RestFault } from "../../src/exchange/server.ts";
import { createAlpacaClient, type AlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { AlpacaVenue } from "../../src/adapters/alpaca/venue.ts";
import { alpacaPort } from "../../src/adapters/alpaca/port.ts";
import { series } from "../exchange/helpers.ts";

/**
 * Sequencing that survives Alpaca (alpaca-protocol.md, "Behaviours the bot must survive"): a
 * cancel is over only when its order's end arrives, so a sell of the same shares placed after it
 * is not refused for held shares; a stop move goes by PATCH, and a refused PATCH falls back to
 * cancel, wait, post. Against the strict local exchange with its cancel delay turned up.
 */

const KEY = "PKSEQUENCE";
const SECRET = "sequencing-secret";
let ex: Exchange | null = null;
let stream: { disconnect(): void } | null = null;
afterEach(async () => {
  stream?.disconnect();
  stream = null;
  await ex?.close();
  ex = null;
});

async function setup(opts: { cancelDelayMs: number; fault?: (method: string, path: string) => RestFault | null; withStream?: boolean; replacedEventCarriesNew?: boolean }) {
  const requests: string[] = [];
  ex = await startExchange({
    keyId: KEY,
    secretKey: SECRET,
    bars: [series("ABC", Array.from({ length: 10 }, () => [10, 10, 10, 10] as const))],
    speed: "max",
    initialCashUsd: 100_000,
    frictionPctRoundTrip: 0,
    cancelDelayMs: opts.cancelDelayMs,
    rules: { replacedEventCarriesNew: opts.replacedEventCarriesNew ?? false },
    restFault: ({ method, path }) => {
      requests.push(`${method} ${path.replace(/\/v2\/orders\/[^/?]+/, "/v2/orders/*")}`);
      return opts.fault?.(method, path) ?? null;
    },
  });
  ex.stepBars(1);
  const alpaca = createAlpacaClient({ keyId: KEY, secretKey: SECRET, baseUrl: ex.url });
  const fills: Fill[] = [];
  const rejected: string[] = [];
  const ended: OrderEnded[] = [];
  const updates: string[] = [];
  const venue = new AlpacaVenue(
    alpaca,
    ["ABC"],
    (f) => fills.push(f),
    { rejected: (i, r) => rejected.push(`${i.clientOrderId}: ${r}`), ended: (e) => ended.push(e), update: (e, c) => updates.push(`${e} ${c}`) },
    { tMs: NaN },
    { retryDelayMs: 5, cancelPollMs: opts.withStream === false ? 20 : 2000 },
  );
  if (opts.withStream !== false) {
    const s = alpaca.trading.stream({ url: `${ex.wsUrl}/stream` });
    s.onConnect(() => s.subscribeTradeUpdates());
    s.onTradeUpdate((u) => venue.onTradeUpdate(u));
    s.connect();
    await s.whenAuthenticated();
    await new Promise((r) => setTimeout(r, 50));
    stream = s;
  }
  const settle = async (): Promise<void> => {
    const t0 = Date.now();
    while (venue.inflight > 0) {
      if (Date.now() - t0 > 10_000) throw new Error("the venue did not settle");
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 30));
  };
  const intent = (clientOrderId: string, x: Partial<OrderIntent>): OrderIntent => ({ clientOrderId, symbol: "ABC", symId: 0, side: "sell", type: "market", qtyShares: 10, purpose: "eod", ...x });
  // Hold 10 shares behind a resting stop.
  venue.submit(intent("p.entry", { side: "buy", purpose: "entry" }));
  await settle();
  ex.stepBars(1);
  await settle();
  venue.submit(intent("p.stop.1", { type: "stop", stopPriceUsd: 8, purpose: "stop" }));
  await settle();
  return { venue, fills, rejected, ended, updates, requests, settle, intent };
}

describe("a cancel ends at the order's end, not at its 204", () => {
  for (const withStream of [true, false]) {
    it(`a sell of the shares a canceled stop held waits for its cancel (${withStream ? "canceled on the stream" : "stream silent: read by id"})`, async () => {
      const s = await setup({ cancelDelayMs: 150, withStream });
      if (withStream) expect(s.venue.heldShares(0)).toBe(10);
      expect(s.venue.cancel("p.stop.1")).toBe(true);
      s.venue.submit(s.intent("p.eod.1", {}));
      await s.settle();
      expect(s.rejected).toEqual([]);
      const book = ex!.book.allOrders();
      expect(book.find((o) => o.client_order_id === "p.stop.1")?.status).toBe("canceled");
      expect(book.find((o) => o.client_order_id === "p.eod.1")?.status).toMatch(/^(new|accepted)$/);
      expect(s.venue.orders.get("p.stop.1")?.status).toBe("canceled");
      // Canceled because the engine asked: no news to the engine.
      expect(s.ended).toEqual([]);
      if (!withStream) expect(s.requests.filter((r) => r === "GET /v2/orders/*").length).toBeGreaterThan(0);
    });
  }
});

describe("a sell queued behind a cancel", () => {
  it("is never sent when the engine cancels it while it waits (the stop it was to replace filled first: the shares are gone)", async () => {
    const s = await setup({ cancelDelayMs: 150 });
    expect(s.venue.cancel("p.stop.1")).toBe(true);
    s.venue.submit(s.intent("p.eod.1", {}));
    // The engine heard the position close meanwhile and cancels the closing order before it left.
    expect(s.venue.cancel("p.eod.1")).toBe(true);
    await s.settle();
    expect(s.rejected).toEqual([]);
    expect(ex!.book.allOrders().some((o) => o.client_order_id === "p.eod.1")).toBe(false);
    expect(s.requests.filter((r) => r === "POST /v2/orders").length).toBe(2); // the entry and the stop only
    expect(s.venue.orders.get("p.eod.1")?.status).toBe("canceled");
    expect(s.updates).toContain("not_sent p.eod.1");
    expect(s.ended).toEqual([]);
  });
});

describe("replace(old, next)", () => {
  for (const carriesNew of [false, true]) it(`moves a stop by PATCH: the new order takes the old one's place, nothing is canceled (replaced update carries the ${carriesNew ? "new" : "old"} order)`, async () => {
    const s = await setup({ cancelDelayMs: 150, replacedEventCarriesNew: carriesNew });
    expect(s.venue.replace("p.stop.1", s.intent("p.stop.2", { type: "stop", stopPriceUsd: 8.5, purpose: "stop" }))).toEqual({ accepted: true });
    await s.settle();
    const book = ex!.book.allOrders();
    expect(book.find((o) => o.client_order_id === "p.stop.1")?.status).toBe("replaced");
    expect(book.find((o) => o.client_order_id === "p.stop.2")).toMatchObject({ status: "new", stop_price: "8.5" });
    expect(s.requests.filter((r) => r.startsWith("DELETE"))).toEqual([]);
    expect(s.requests.filter((r) => r.startsWith("PATCH"))).toHaveLength(1);
    expect(s.venue.orders.get("p.stop.1")).toMatchObject({ status: "replaced", replacedBy: "p.stop.2" });
    expect(s.venue.orders.get("p.stop.2")?.status).toBe("accepted");
    expect(s.rejected).toEqual([]);
    expect(s.ended).toEqual([]);
    expect(s.updates.filter((u) => u.startsWith("transition_refused"))).toEqual([]);
  });

  it("a refused PATCH falls back to cancel, wait for canceled, post", async () => {
    const s = await setup({ cancelDelayMs: 150, fault: (m) => (m === "PATCH" ? { when: "before", status: 422, code: 42210000, message: "order is not replaceable" } : null) });
    s.venue.replace("p.stop.1", s.intent("p.stop.2", { type: "stop", stopPriceUsd: 8.5, purpose: "stop" }));
    await s.settle();
    const book = ex!.book.allOrders();
    expect(book.find((o) => o.client_order_id === "p.stop.1")?.status).toBe("canceled");
    expect(book.find((o) => o.client_order_id === "p.stop.2")?.status).toBe("new");
    expect(s.updates).toContain("replace_refused p.stop.1");
    expect(s.rejected).toEqual([]);
    expect(s.ended).toEqual([]);
  });
});

describe("ends the engine did not ask for", () => {
  function stubVenue() {
    const alpaca = { trading: { orders: { stop: async () => ({ id: "b-stop", clientOrderId: "p.stop.1", status: "accepted" }), market: async () => ({ id: "b-exit", clientOrderId: "p.eod.1", status: "accepted" }) } } } as unknown as AlpacaClient;
    const ended: OrderEnded[] = [];
    const updates: string[] = [];
    const venue = new AlpacaVenue(alpaca, ["ABC"], () => undefined, { ended: (e) => ended.push(e), update: (e) => updates.push(e) });
    return { venue, ended, updates };
  }

  it("a rejection after acceptance, a broker cancel and an expiry reach the engine once; an unknown event type changes nothing", async () => {
    const { venue, ended, updates } = stubVenue();
    venue.submit({ clientOrderId: "p.stop.1", symbol: "ABC", symId: 0, side: "sell", type: "stop", qtyShares: 10, stopPriceUsd: 9, purpose: "stop" });
    venue.submit({ clientOrderId: "p.eod.1", symbol: "ABC", symId: 0, side: "sell", type: "market", qtyShares: 10, purpose: "eod" });
    await venue.settled(1000);
    const at = new Date(Date.UTC(2026, 0, 5, 15));
    venue.onTradeUpdate({ event: "new", timestamp: at, order: { id: "b-stop", clientOrderId: "p.stop.1" } });
    venue.onTradeUpdate({ event: "some_future_event", timestamp: at, order: { id: "b-stop", clientOrderId: "p.stop.1" } });
    expect(venue.orders.get("p.stop.1")?.status).toBe("accepted");
    venue.onTradeUpdate({ event: "rejected", timestamp: at, order: { id: "b-stop", clientOrderId: "p.stop.1" } });
    venue.onTradeUpdate({ event: "rejected", timestamp: at, order: { id: "b-stop", clientOrderId: "p.stop.1" } });
    venue.onTradeUpdate({ event: "expired", timestamp: at, order: { id: "b-exit", clientOrderId: "p.eod.1" } });
    expect(ended).toEqual([
      { clientOrderId: "p.stop.1", status: "rejected", reason: "rejected by the broker after its acceptance", timeMs: at.getTime() },
      { clientOrderId: "p.eod.1", status: "expired", reason: "expired by the broker", timeMs: at.getTime() },
    ]);
    expect(updates).toContain("some_future_event");
    // The repeated refusal (an OCO's parent and leg both report it) is no second end.
    expect(updates).not.toContain("transition_refused");
  });

  it("a cancel the engine asked for is not reported as an end", async () => {
    const { venue, ended } = stubVenue();
    venue.submit({ clientOrderId: "p.stop.1", symbol: "ABC", symId: 0, side: "sell", type: "stop", qtyShares: 10, stopPriceUsd: 9, purpose: "stop" });
    await venue.settled(1000);
    venue.orders.get("p.stop.1")!.cancelRequested = true;
    venue.onTradeUpdate({ event: "canceled", order: { id: "b-stop", clientOrderId: "p.stop.1" } });
    expect(venue.orders.get("p.stop.1")?.status).toBe("canceled");
    expect(ended).toEqual([]);
  });
});

describe("a position change the broker made on its own", () => {
  function heldVenue() {
    const alpaca = { trading: { orders: { market: async () => ({ id: "b-entry", clientOrderId: "p.entry", status: "accepted" }) } } } as unknown as AlpacaClient;
    const fills: Fill[] = [];
    const updates: string[] = [];
    const adopted: string[] = [];
    const venue = new AlpacaVenue(alpaca, ["ABC", "XYZ"], (f) => fills.push(f), { update: (e) => updates.push(e), adopted: (_i, _id, why) => adopted.push(why) });
    return { venue, fills, updates, adopted };
  }

  it("a sell fill of an order the engine never made, on a held symbol, reaches the engine as a broker_liquidation exit, once", async () => {
    const { venue, fills, updates, adopted } = heldVenue();
    venue.submit({ clientOrderId: "p.entry", symbol: "ABC", symId: 0, side: "buy", type: "market", qtyShares: 10, purpose: "entry" });
    await venue.settled(1000);
    venue.onTradeUpdate({ event: "fill", executionId: "e1", price: "10", qty: "10", order: { id: "b-entry", clientOrderId: "p.entry", filledQty: "10", symbol: "ABC", side: "buy" } });
    const liquidation = { event: "fill", executionId: "e2", price: "9.5", qty: "10", order: { id: "liq-1", clientOrderId: "alpaca-liq-1", filledQty: "10", qty: "10", symbol: "ABC", side: "sell" } };
    venue.onTradeUpdate(liquidation);
    venue.onTradeUpdate(liquidation);
    expect(fills.map((f) => [f.side, f.qtyShares, f.purpose])).toEqual([["buy", 10, "entry"], ["sell", 10, "broker_liquidation"]]);
    expect(venue.heldShares(0)).toBe(0);
    expect(adopted).toEqual(["broker_liquidation: a sell the broker made of shares the bot holds"]);
    // Not held, or a buy: not adopted, reported for the reconciler.
    venue.onTradeUpdate({ event: "fill", executionId: "e3", price: "5", qty: "3", order: { id: "liq-2", clientOrderId: "x", filledQty: "3", symbol: "XYZ", side: "sell" } });
    venue.onTradeUpdate({ event: "fill", executionId: "e4", price: "5", qty: "3", order: { id: "buy-2", clientOrderId: "y", filledQty: "3", symbol: "ABC", side: "buy" } });
    expect(fills).toHaveLength(2);
    expect(updates.filter((u) => u === "unknown_fill")).toHaveLength(2);
  });

  it("reconciliation books shares the broker no longer holds as a broker_liquidation and journals the difference", async () => {
    const { venue, fills } = heldVenue();
    venue.submit({ clientOrderId: "p.entry", symbol: "ABC", symId: 0, side: "buy", type: "market", qtyShares: 10, purpose: "entry" });
    await venue.settled(1000);
    venue.onTradeUpdate({ event: "fill", executionId: "e1", price: "10", qty: "10", order: { id: "b-entry", clientOrderId: "p.entry", filledQty: "10", symbol: "ABC", side: "buy" } });
    const { reconcile } = await import("../../src/daemon/reconcile.ts");
    const alpaca = {
      trading: {
        account: { getAccount: async () => ({ cash: String(venue.cashUsd + 40 * 9.4) }) },
        positions: { getAllOpenPositions: async () => [{ symbol: "ABC", qty: "6", currentPrice: "9.4" }] },
        orders: { getAllOrders: async () => [] },
      },
    } as unknown as AlpacaClient;
    const journaled: Record<string, unknown>[] = [];
    const flags = await reconcile({ port: alpacaPort(alpaca), venue, symbols: ["ABC", "XYZ"], strategyPrefixes: ["p."], closeUnknown: false, leftovers: [], journal: (d) => journaled.push({ ...d }), nowMs: () => 1 });
    expect(journaled).toEqual([{ kind: "position_mismatch", symbol: "ABC", botShares: 10, brokerShares: 6, adopted: true }]);
    expect(flags.find((f) => f.startsWith("position"))).toMatch(/the bot holds 10, the broker 6; the 4 sold by the broker booked as broker_liquidation/);
    expect(fills.at(-1)).toMatchObject({ side: "sell", qtyShares: 4, priceUsd: 9.4, purpose: "broker_liquidation" });
    expect(venue.heldShares(0)).toBe(6);
  });
});

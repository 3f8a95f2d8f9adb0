/**
 * A protocol check our SDK usage cannot mask: one trading day on the local exchange driven by a
 * second, independent Alpaca client (@master-chief/alpaca 6.x: its own REST code, its own JSON
 * websocket code, pointed at a host through its `endpoints` option). Where the exchange does not
 * speak Alpaca's protocol to this client, the test says so as `it.fails` naming the difference.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlpacaClient, AlpacaStream, type Bar, type DefaultCredentials } from "@master-chief/alpaca";
import { startExchange, type Exchange } from "../../src/exchange/server.ts";
import { OPEN_MS, series } from "../exchange/helpers.ts";
import { UPDATES, useNock } from "./alpaca-nock.ts";
import { ORDER_EXTRAS, shapeDiff } from "./scenarios.ts";

const KEY = "PKSECONDCLIENT";
const SECRET = "second-client-secret";
const credentials: DefaultCredentials = { key: KEY, secret: SECRET, paper: true };

/** A whole regular session, 09:30-16:00 New York on 2024-01-02: 390 minute bars of SOFI near $7. */
const DAY = series("SOFI", Array.from({ length: 390 }, (_, i): [number, number, number, number] => {
  const p = 7 + 0.2 * Math.sin(i / 40);
  return [p, p + 0.03, p - 0.03, p + 0.01];
}));

type Endpoints = NonNullable<ConstructorParameters<typeof AlpacaClient>[0]["endpoints"]>;

/** The client's hosts, all on the exchange (its `endpoints` option replaces Alpaca's). */
function endpoints(ex: Exchange): Endpoints {
  const rest = `${ex.url}/v2`;
  return {
    rest: { account: rest, market_data_v2: rest, market_data_v1: `${ex.url}/v1`, beta: `${ex.url}/v1beta1` },
    websocket: { account: `${ex.wsUrl}/stream`, market_data: (source: string) => `${ex.wsUrl}/v2/${source}` },
  } as unknown as Endpoints;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`never happened: ${what}`);
}

/** A REST refusal as this client throws it: Alpaca's `{code, message}` body itself. */
async function refusal(p: Promise<unknown>): Promise<{ code?: number; message?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: number; message?: string };
  }
  throw new Error("expected a refusal");
}

// Nothing but the exchange on 127.0.0.1 is reachable (the client's default hosts are Alpaca's).
useNock();

let ex: Exchange;
let client: AlpacaClient;
const streams: AlpacaStream[] = [];
/** Frames a stream client could not read (it throws from its async message handler). */
let unreadable: string[] = [];

function stream(type: "account" | "market_data"): AlpacaStream {
  const s = new AlpacaStream({ credentials, type, source: "iex", endpoints: endpoints(ex) });
  // The client parses every frame as JSON inside an async handler: a frame it cannot read becomes
  // an unhandled rejection. Caught here and counted, so the test can say which stream failed.
  const conn = s.getConnection();
  const read = conn.onmessage as ((ev: unknown) => unknown) | null;
  conn.onmessage = (ev) => {
    Promise.resolve(read?.(ev)).catch((e: unknown) => unreadable.push(`${type}: ${e instanceof Error ? e.message : String(e)}`));
  };
  streams.push(s);
  return s;
}

beforeEach(async () => {
  ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [DAY], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 });
  client = new AlpacaClient({ credentials, rate_limit: false, endpoints: endpoints(ex) });
  unreadable = [];
});
afterEach(async () => {
  for (const s of streams.splice(0)) s.getConnection().close();
  await ex.close();
});

describe("one trading day through @master-chief/alpaca on the local exchange", () => {
  it("account, clock, calendar, orders placed, canceled, listed and filled, positions, activities, trade_updates", async () => {
    expect(await client.isAuthenticated()).toBe(true);
    const account = await client.getAccount();
    expect([account.status, account.cash, account.buying_power, account.currency]).toEqual(["ACTIVE", 100_000, 100_000, "USD"]);
    const clock = await client.getClock();
    expect(clock.timestamp.getTime()).toBeGreaterThanOrEqual(OPEN_MS - 86_400_000);
    const days = await client.getCalendar({ start: new Date("2024-01-01T00:00:00Z"), end: new Date("2024-01-05T00:00:00Z") });
    expect(days.map((d) => d.date)).toEqual(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"].slice(0, days.length));
    expect(days[0]).toMatchObject({ date: "2024-01-02", open: "09:30", close: "16:00" });

    // The order stream, through this client's own JSON websocket code.
    const updates: { event: string; coid: string; qty: unknown }[] = [];
    const trading = stream("account");
    trading.once("authenticated", () => trading.subscribe("trade_updates"));
    trading.on("trade_updates", (u) => updates.push({ event: u.event, coid: u.order.client_order_id, qty: u.raw().qty }));
    await until(() => (trading as unknown as { authenticated: boolean }).authenticated, "the trading stream authenticated");
    await new Promise((r) => setTimeout(r, 50));

    ex.stepBars(1);
    const buy = await client.placeOrder({ symbol: "SOFI", qty: 100, side: "buy", type: "market", time_in_force: "day", client_order_id: "mc-entry" });
    expect([buy.client_order_id, buy.qty, buy.side, buy.type]).toEqual(["mc-entry", 100, "buy", "market"]);
    expect(typeof buy.raw().qty).toBe("string");
    const dup = await refusal(client.placeOrder({ symbol: "SOFI", qty: 1, side: "buy", type: "market", time_in_force: "day", client_order_id: "mc-entry" }));
    expect(dup.code).toBe(40010001);
    ex.stepBars(1);
    expect((await client.getOrder({ order_id: String(buy.id) })).status).toBe("filled");
    const [pos] = await client.getPositions();
    expect([pos.symbol, pos.qty, pos.side]).toEqual(["SOFI", 100, "long"]);
    await until(() => updates.some((u) => u.coid === "mc-entry" && u.event === "fill"), "the entry's fill on the stream");

    // A protective stop, canceled (204), then an OCO exit for the same shares.
    const stop = await client.placeOrder({ symbol: "SOFI", qty: 100, side: "sell", type: "stop", time_in_force: "day", stop_price: 6.5, client_order_id: "mc-stop" });
    expect(await client.cancelOrder({ order_id: String(stop.id) })).toBe(true);
    await until(() => updates.some((u) => u.coid === "mc-stop" && u.event === "canceled"), "the stop's canceled event");
    const oco = await client.placeOrder({ symbol: "SOFI", qty: 100, side: "sell", type: "limit", time_in_force: "day", order_class: "oco", take_profit: { limit_price: 7.19 }, stop_loss: { stop_price: 6.5 }, client_order_id: "mc-oco" });
    expect([oco.order_class, oco.legs?.length]).toEqual(["oco", 1]);
    const unknown = await refusal(client.getOrder({ order_id: "00000000-0000-4000-8000-000000000000" }));
    expect(unknown.code).toBe(40410000);

    // The rest of the day: the take-profit fills when the price comes up to it.
    while (ex.stepBars(1) > 0 && (await client.getPositions()).length > 0);
    expect(await client.getPositions()).toEqual([]);
    const all = await client.getOrders({ status: "all", limit: 500, direction: "asc" });
    // Not nested: Alpaca lists an OCO's stop leg as an order of its own (with its own client order id).
    expect(all.map((o) => [o.client_order_id, o.status, o.order_class, o.type])).toEqual([
      ["mc-entry", "filled", "simple", "market"],
      ["mc-stop", "canceled", "simple", "stop"],
      ["mc-oco", "filled", "oco", "limit"],
      [expect.any(String), "canceled", "oco", "stop"],
    ]);
    const fills = await client.getAccountActivities({ activity_types: "FILL" });
    expect(fills.length).toBe(2);
    for (const f of fills) expect(String(f.id)).toMatch(/^\d{17}::/);
    await until(() => updates.some((u) => u.coid === "mc-oco" && u.event === "fill"), "the exit's fill on the stream");
    expect(updates.filter((u) => u.event === "fill").map((u) => [u.coid, u.qty])).toEqual([["mc-entry", "100"], ["mc-oco", "100"]]);
    expect((await client.getAccount()).cash).toBeGreaterThan(100_000);
    expect(unreadable).toEqual([]);
  });

  it("trade_updates frames (new, fill, canceled) carry the keys and JSON types of Alpaca's documented frames", async () => {
    const frames = new Map<string, unknown>();
    const trading = stream("account");
    trading.once("authenticated", () => trading.subscribe("trade_updates"));
    trading.on("trade_updates", (u) => {
      if (!frames.has(u.event)) frames.set(u.event, u.raw());
    });
    await until(() => (trading as unknown as { authenticated: boolean }).authenticated, "the trading stream authenticated");
    await new Promise((r) => setTimeout(r, 50));
    ex.stepBars(1);
    await client.placeOrder({ symbol: "SOFI", qty: 10, side: "buy", type: "market", time_in_force: "day", client_order_id: "mc-b" });
    ex.stepBars(1);
    const stop = await client.placeOrder({ symbol: "SOFI", qty: 10, side: "sell", type: "stop", time_in_force: "day", stop_price: 6.5, client_order_id: "mc-s" });
    await client.cancelOrder({ order_id: String(stop.id) });
    await until(() => ["new", "fill", "canceled"].every((e) => frames.has(e)), "new, fill and canceled frames");
    // Minor known differences the bot never reads: the order's subtag/source (not in the JS SDK's
    // model), and the execution_id Alpaca also puts on `new` (alpaca-protocol.md "Events").
    const minor = (event: string, d: string): boolean => ORDER_EXTRAS.some((k) => d === `$.order.${k}: missing`) || (event !== "fill" && d === "$.execution_id: missing");
    for (const event of ["new", "fill", "canceled"]) {
      expect(shapeDiff(UPDATES[event].data, frames.get(event)).filter((d) => !minor(event, d)), `${event} frame`).toEqual([]);
    }
  });

  // Issue 12 item 1: Alpaca's trade_updates name an execution by a bare UUID (docs example
  // "adb4f7c7-..."); the FILL activity's id is `YYYYMMDDHHMMSSmmm::<uuid>`. The exchange sends the
  // activity id on the stream too, which is how the double count of item 1 stayed hidden.
  it("a fill's execution_id on trade_updates is a bare UUID", async () => {
    const ids: string[] = [];
    const trading = stream("account");
    trading.once("authenticated", () => trading.subscribe("trade_updates"));
    trading.on("trade_updates", (u) => {
      if (u.event === "fill") ids.push(String(u.execution_id));
    });
    await until(() => (trading as unknown as { authenticated: boolean }).authenticated, "the trading stream authenticated");
    await new Promise((r) => setTimeout(r, 50));
    ex.stepBars(1);
    await client.placeOrder({ symbol: "SOFI", qty: 10, side: "buy", type: "market", time_in_force: "day", client_order_id: "mc-b" });
    ex.stepBars(1);
    await until(() => ids.length > 0, "the fill on the stream");
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  // Issue 12 item 5: "sends msgpack to clients that did not ask for it". Alpaca's stocks stream is
  // JSON unless the client asks for msgpack (alpaca-protocol.md "Market-data stream"); this client
  // speaks JSON only and never sends Content-Type: application/msgpack.
  it("market-data stream in JSON: authenticates, subscribes and receives the bars", async () => {
    const bars: Bar[] = [];
    const data = stream("market_data");
    data.once("authenticated", () => data.subscribe("bars", ["SOFI"]));
    data.on("bar", (b) => bars.push(b));
    data.on("error", () => undefined);
    await until(() => (data as unknown as { authenticated: boolean }).authenticated || unreadable.length > 0, "the data stream authenticated");
    expect(unreadable).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    ex.stepBars(3);
    await until(() => bars.length >= 3 || unreadable.length > 0, "three bars");
    expect(unreadable).toEqual([]);
    expect(bars[0]).toMatchObject({ T: "b", S: "SOFI" });
  });

  // Issue 12 item 5: "lacks DELETE /v2/positions[/{symbol}] and PATCH /v2/orders/{id}".
  it("replaceOrder (PATCH /v2/orders/{id}) answers a new order that replaces the old", async () => {
    ex.stepBars(1);
    await client.placeOrder({ symbol: "SOFI", qty: 10, side: "buy", type: "market", time_in_force: "day", client_order_id: "mc-b" });
    ex.stepBars(1);
    const stop = await client.placeOrder({ symbol: "SOFI", qty: 10, side: "sell", type: "stop", time_in_force: "day", stop_price: 6.5, client_order_id: "mc-s" });
    const next = await client.replaceOrder({ order_id: String(stop.id), stop_price: 6.6 });
    expect([next.raw().replaces, next.stop_price]).toEqual([stop.id, 6.6]);
  });

  it("closePosition (DELETE /v2/positions/{symbol}) answers the closing market order", async () => {
    ex.stepBars(1);
    await client.placeOrder({ symbol: "SOFI", qty: 10, side: "buy", type: "market", time_in_force: "day", client_order_id: "mc-b" });
    ex.stepBars(1);
    const close = await client.closePosition({ symbol: "SOFI" });
    expect([close.symbol, close.side, close.qty, close.type]).toEqual(["SOFI", "sell", 10, "market"]);
  });

  // Alpaca serves bars of one symbol at GET /v2/stocks/{symbol}/bars as well as the multi-symbol
  // route; the exchange has only the latter (the one the bot uses): 404 40410000 "endpoint not found".
  it.fails("getBars (GET /v2/stocks/{symbol}/bars, the single-symbol route) [known difference: only the multi-symbol route]", async () => {
    ex.stepBars(5);
    const got = await client.getBars({ symbol: "SOFI", timeframe: "1Min", start: new Date(OPEN_MS), end: new Date(OPEN_MS + 5 * 60_000) });
    expect(got.bars.map((b) => b.c)).toEqual(Array.from(DAY.close.slice(0, 5)));
  });
});

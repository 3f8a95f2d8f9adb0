import { describe, expect, it } from "vitest";
import { TimeFrame } from "@alpacahq/alpaca-trade-api";
import { isoToEtDay } from "../../src/core/ny-time.ts";
import { createAlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { AlpacaVenue } from "../../src/adapters/alpaca/venue.ts";
import { warmupStartMs } from "../../src/daemon/run-remote.ts";
import { alpacaPort } from "../../src/adapters/alpaca/port.ts";
import { SessionCalendar } from "../../src/daemon/session-calendar.ts";
import { reconcile } from "../../src/daemon/reconcile.ts";
import { ACCOUNT, DATA, intent, KEY, like, LIVE, nock, ORDERS, paper, paperClient, SECRET, useNock, type Json } from "./alpaca-nock.ts";

useNock();

describe("createAlpacaClient: where the SDK is pointed", () => {
  it("paper (no base URL): paper-api.alpaca.markets with the key headers; Alpaca's account numbers read as strings", async () => {
    paper().get("/v2/account").reply(200, ACCOUNT.account);
    const a = await paperClient().trading.account.getAccount();
    expect([a.status, a.cash, a.buyingPower, a.equity, a.lastEquity, a.multiplier]).toEqual(["ACTIVE", "99714.4", "199428.8", "100419.52", "100000", "2"]);
    // SDK 4.0.2's Account model has no camelCase field for the pattern-day-trader state; the wire
    // keys survive as they came (a PDT risk gate must read these).
    const raw = a as unknown as Record<string, unknown>;
    expect([raw.pattern_day_trader, raw.daytrade_count]).toEqual([false, 3]);
  });

  it("live (both opt-ins): api.alpaca.markets", async () => {
    nock(LIVE).get("/v2/account").reply(200, ACCOUNT.account);
    const a = await createAlpacaClient({ keyId: KEY, secretKey: SECRET, live: true }).trading.account.getAccount();
    expect(a.accountNumber).toBe("PA3T2Y1ZXQ7B");
  });

  it("a base URL (a local exchange): fetchTo sends both the trading and the data host there", async () => {
    const base = "http://127.0.0.1:59999";
    nock(base).get("/v2/clock").reply(200, ACCOUNT.clock_closed);
    nock(base).get("/v2/stocks/bars").query(true).reply(200, { bars: { SOFI: [{ t: "2024-05-14T13:30:00Z", o: 7.01, h: 7.05, l: 6.99, c: 7.02, v: 120_311, n: 912, vw: 7.0177 }] }, next_page_token: null });
    const alpaca = createAlpacaClient({ keyId: KEY, secretKey: SECRET, baseUrl: base });
    const clock = await alpaca.trading.clock.legacyClock();
    expect([clock.isOpen, clock.nextOpen.toISOString()]).toEqual([false, "2024-05-14T13:30:00.000Z"]);
    const bars = await alpaca.marketData.getStockBars({ symbols: ["SOFI"], timeframe: TimeFrame.Minute, start: new Date("2024-05-14T13:30:00Z"), feed: "iex" });
    expect(bars.SOFI?.[0]).toMatchObject({ close: 7.02, volume: 120_311 });
    // Nothing went to Alpaca's own hosts (nock refuses unmocked ones; this says so explicitly).
    expect(nock.isDone()).toBe(true);
    expect(DATA).toMatch(/^https:\/\/data\./);
  });

  it("the venue's cash comes from the account's `cash` string", async () => {
    paper().get("/v2/account").reply(200, ACCOUNT.account);
    const v = new AlpacaVenue(paperClient(), ["SOFI"], () => undefined);
    await v.refreshAccount();
    expect(v.cashUsd).toBe(99714.4);
  });
});

describe("clock and calendar in Alpaca's shapes", () => {
  it("the clock's New York offset and nanoseconds parse to the right instant", async () => {
    paper().get("/v2/clock").reply(200, ACCOUNT.clock_open);
    const c = await paperClient().trading.clock.legacyClock();
    expect([c.timestamp.toISOString(), c.isOpen, c.nextClose.toISOString()]).toEqual(["2024-05-14T13:45:03.211Z", true, "2024-05-14T20:00:00.000Z"]);
  });

  it("fetchCalendar sends start/end and keeps an early close; the session calendar closes that day at 13:00 New York", async () => {
    let q: Record<string, string> = {};
    paper().get("/v2/calendar").query((x) => ((q = x as Record<string, string>), true)).reply(200, ACCOUNT.calendar);
    const from = Date.parse("2024-05-13T00:00:00Z");
    const to = Date.parse("2024-07-04T00:00:00Z");
    const days = await alpacaPort(paperClient()).calendar(from, to);
    expect([Date.parse(q.start), Date.parse(q.end)]).toEqual([from, to]);
    expect(days).toEqual([
      { date: "2024-05-13", open: "09:30", close: "16:00" },
      { date: "2024-05-14", open: "09:30", close: "16:00" },
      { date: "2024-07-03", open: "09:30", close: "13:00" },
    ]);
    const cal = SessionCalendar.fromAlpaca(days, { from: "2024-05-13", to: "2024-07-03" });
    expect(new Date(cal.session(isoToEtDay("2024-07-03"))?.closeMs ?? NaN).toISOString()).toBe("2024-07-03T17:00:00.000Z");
    // A new run on 2024-05-14 warms up from the previous session's open (09:30 EDT = 13:30Z).
    expect(new Date(warmupStartMs(days, Date.parse("2024-05-14T13:00:00Z"))).toISOString()).toBe("2024-05-13T13:30:00.000Z");
  });
});

describe("reconcile on Alpaca's positions and open orders", () => {
  it("flags a position difference, closes an unknown fractional position, cancels our orphan and leaves a foreign order alone", async () => {
    const entry = intent({ clientOrderId: "sw-run-SOFI-1-entry" });
    const venue = new AlpacaVenue(paperClient(), ["SOFI"], () => undefined, {}, { tMs: NaN }, { retryDelayMs: 1 });
    paper().post("/v2/orders").reply(200, like(ORDERS.market_pending_new, { client_order_id: entry.clientOrderId }));
    venue.submit(entry);
    expect(await venue.settled(2000)).toBe(true);
    // The bot heard 60 of the 100 shares (a fill lost with the stream); cash within a cent of the broker's.
    venue.setCash(99714.4 + 60 * 7.0512);
    venue.applyExecution({ executionId: "adb4f7c7-2d8f-4a8e-9b5a-6c7d8e9f0a03", orderId: String(ORDERS.market_pending_new.id), qtyShares: 60, priceUsd: 7.0512, timeMs: Date.parse("2024-05-14T13:45:02Z") });

    const orphan = like(ORDERS.limit_new, { id: "b2f0a6b4-59c5-4b4d-9a57-1f0d9c6ad0aa", client_order_id: "sw-run-SOFI-9-tp1" });
    const foreign = like(ORDERS.limit_new, { id: "b2f0a6b4-59c5-4b4d-9a57-1f0d9c6ad0bb" });
    paper().get("/v2/account").reply(200, ACCOUNT.account);
    paper().get("/v2/positions").reply(200, ACCOUNT.positions);
    paper().delete("/v2/positions/PLUG").reply(200, (ACCOUNT.close_all_207[0] as { body: Json }).body);
    paper().get("/v2/orders").query({ status: "open", nested: "false", limit: "500" }).reply(200, [orphan, foreign]);
    paper().delete(`/v2/orders/${String(orphan.id)}`).reply(204);

    const flags = await reconcile({ port: alpacaPort(paperClient()), venue, symbols: ["SOFI"], strategyPrefixes: ["sw-run-"], closeUnknown: true, leftovers: [] });
    expect(flags).toEqual([
      "position SOFI: the bot holds 60, the broker 100",
      "position PLUG: 2.500283 unknown shares closed",
      "order sw-run-SOFI-9-tp1: an orphan of this bot (no decision of the replay made it); canceled",
      `order ${String(foreign.client_order_id)}: open at the broker, not this bot's; left alone`,
    ]);
  });
});

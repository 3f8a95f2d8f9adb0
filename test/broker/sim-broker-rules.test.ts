import { describe, expect, it } from "vitest";
import { PDT_MESSAGE, SimBroker } from "../../src/broker/sim-broker.ts";
import type { OrderEnded } from "../../src/broker/venue.ts";
import { STOP_ABOVE_MARKET_MESSAGE } from "../../src/broker/stop-legs.ts";
import { WASH_TRADE_MESSAGE } from "../../src/broker/wash-trade.ts";
import { createBarView, type BarView } from "../../src/core/bars.ts";
import type { Fill, OrderIntent } from "../../src/core/types.ts";
import type { SessionLookup } from "../../src/core/market-calendar.ts";

// These tests are about the order rules, not the hours (sessions.test.ts covers those): every
// minute of every day is in session here.
const ANY_TIME: SessionLookup = () => ({ openMinute: 0, closeMinute: 1440 });

// The rules Alpaca applies when an order arrives, as the simulated broker applies them
// (alpaca-protocol.md, "Behaviours the bot must survive"; Alpaca's User Protection page).

const DAY = 86_400_000;

function bar(tMs: number, o: number, h: number, l: number, c: number, etDay = 0): BarView {
  return Object.assign(createBarView(), { symId: 0, tMs, open: o, high: h, low: l, close: c, volume: 100, etDay });
}

function setup(cash = 100_000) {
  const fills: Fill[] = [];
  const ended: OrderEnded[] = [];
  const b = new SimBroker(["AAA"], { initialCashUsd: cash, frictionPerSide: 0, buyingPowerMultiple: 1, sessions: ANY_TIME }, (f) => fills.push(f), (e) => ended.push(e));
  return { b, fills, ended };
}

const order = (id: string, o: Partial<OrderIntent>): OrderIntent => ({
  clientOrderId: id, symbol: "AAA", symId: 0, side: "buy", type: "market", qtyShares: 10, purpose: "entry", ...o,
});

/** Buys `qty` at 10 on the current bar. */
function holding(b: SimBroker, qty: number, etDay = 0): void {
  b.setCurrentBar(bar(etDay * DAY, 10, 10, 10, 10, etDay));
  b.processBar(bar(etDay * DAY, 10, 10, 10, 10, etDay));
  expect(b.submit(order(`in${etDay}`, { qtyShares: qty }))).toEqual({ accepted: true });
  b.setCurrentBar(null);
}

describe("SimBroker: shares held for open sells", () => {
  it("refuses a sell beyond the shares not held for other open sells, as Alpaca's 403 insufficient qty", () => {
    const { b } = setup();
    holding(b, 10);
    expect(b.submit(order("sl", { side: "sell", type: "stop", stopPriceUsd: 9, qtyShares: 6, purpose: "stop" })).accepted).toBe(true);
    expect(b.submit(order("tp", { side: "sell", type: "limit", limitPriceUsd: 11, qtyShares: 5, purpose: "tp1" }))).toEqual({
      accepted: false,
      reason: "insufficient qty available for order (requested: 5, available: 4)",
    });
    expect(b.submit(order("tp2", { side: "sell", type: "limit", limitPriceUsd: 11, qtyShares: 4, purpose: "tp1" })).accepted).toBe(true);
    // A cancel outside a bar lands at once: its shares are free again.
    expect(b.cancel("sl")).toBe(true);
    expect(b.submit(order("sl2", { side: "sell", type: "stop", stopPriceUsd: 9, qtyShares: 6, purpose: "stop" })).accepted).toBe(true);
  });

  it("keeps a canceled order's shares held until its cancel lands at the bar's end, and places what was sent meanwhile after it", () => {
    const fills: Fill[] = [];
    const ended: OrderEnded[] = [];
    const log: string[] = [];
    // On the target fill, the bot moves its stop by cancel and re-place, inside the bar.
    const b: SimBroker = new SimBroker(["AAA"], { initialCashUsd: 100_000, frictionPerSide: 0, buyingPowerMultiple: 1, sessions: ANY_TIME }, (f) => {
      fills.push(f);
      if (f.clientOrderId !== "tp") return;
      b.cancel("sl");
      log.push(`new stop: ${JSON.stringify(b.submit(order("sl2", { side: "sell", type: "stop", stopPriceUsd: 10.5, qtyShares: 5, purpose: "stop" })))}`);
      log.push(`too many: ${JSON.stringify(b.submit(order("sl3", { side: "sell", type: "stop", stopPriceUsd: 10.5, qtyShares: 5, purpose: "stop" })))}`);
    }, (e) => ended.push(e));
    holding(b, 10);
    b.submit(order("tp", { side: "sell", type: "limit", limitPriceUsd: 11, qtyShares: 5, purpose: "tp1" }));
    b.submit(order("sl", { side: "sell", type: "stop", stopPriceUsd: 9, qtyShares: 5, purpose: "stop" }));
    b.processBar(bar(60_000, 10, 11.5, 9.5, 11));
    // Both answered like a live broker's 200: checked once the cancel landed, at the bar's end.
    expect(log).toEqual(['new stop: {"accepted":true}', 'too many: {"accepted":true}']);
    expect(ended).toEqual([{ clientOrderId: "sl3", status: "rejected", reason: "insufficient qty available for order (requested: 5, available: 0)", timeMs: 120_000 }]);
    // The new stop works from the next bar.
    b.processBar(bar(120_000, 10.4, 10.4, 10, 10));
    expect(fills.map((f) => `${f.clientOrderId} ${f.qtyShares}@${f.priceUsd}`)).toEqual(["in0 10@10", "tp 5@11", "sl2 5@10.4"]);
  });
});

describe("SimBroker: wash trades (Alpaca's table in 'Preventing Wash Trades')", () => {
  it("refuses a market buy while a stop sell, a limit sell or an OCO rests", () => {
    for (const resting of [
      { type: "stop", stopPriceUsd: 9 },
      { type: "limit", limitPriceUsd: 11 },
      { type: "oco", limitPriceUsd: 11, stopPriceUsd: 9 },
    ] as const) {
      const { b } = setup();
      holding(b, 10);
      b.submit(order("x", { side: "sell", qtyShares: 10, purpose: "stop", ...resting }));
      expect(b.submit(order("add", { purpose: "add1" }))).toEqual({ accepted: false, reason: WASH_TRADE_MESSAGE });
      // With the sell canceled first, the same buy goes through.
      b.cancel("x");
      expect(b.submit(order("add2", { purpose: "add1" })).accepted).toBe(true);
    }
  });

  it("lets a limit buy below a resting limit sell through, and refuses one at or above it", () => {
    const { b } = setup();
    holding(b, 10);
    b.submit(order("tp", { side: "sell", type: "limit", limitPriceUsd: 11, purpose: "tp1" }));
    expect(b.submit(order("b1", { type: "limit", limitPriceUsd: 10.99 })).accepted).toBe(true);
    expect(b.submit(order("b2", { type: "limit", limitPriceUsd: 11 }))).toEqual({ accepted: false, reason: WASH_TRADE_MESSAGE });
  });

  it("refuses a sell while a market buy waits for the open", () => {
    const { b } = setup();
    holding(b, 10);
    b.submit(order("add", { timing: "next_open", purpose: "add1" }));
    expect(b.submit(order("sl", { side: "sell", type: "stop", stopPriceUsd: 9, purpose: "stop" }))).toEqual({ accepted: false, reason: WASH_TRADE_MESSAGE });
  });
});

describe("SimBroker: replace (PATCH /v2/orders/{id})", () => {
  it("moves a stop in place: the shares pass to the new order, the old one never fills", () => {
    const { b, fills } = setup();
    holding(b, 10);
    b.submit(order("sl", { side: "sell", type: "stop", stopPriceUsd: 9, purpose: "stop" }));
    expect(b.replace("sl", order("sl2", { side: "sell", type: "stop", stopPriceUsd: 9.5, purpose: "stop" }))).toEqual({ accepted: true });
    expect(b.cancel("sl")).toBe(false);
    b.processBar(bar(60_000, 10, 10, 9.4, 9.6));
    expect(fills.slice(1).map((f) => `${f.clientOrderId} ${f.priceUsd}`)).toEqual(["sl2 9.5"]);
  });

  it("refuses to replace an order that is no longer open, and leaves the old one working when the new one breaks a rule", () => {
    const { b, fills } = setup();
    holding(b, 10);
    expect(b.replace("nope", order("x", { side: "sell", type: "stop", stopPriceUsd: 9 })).accepted).toBe(false);
    b.submit(order("sl", { side: "sell", type: "stop", stopPriceUsd: 9, qtyShares: 5, purpose: "stop" }));
    // 11 shares: more than the position.
    expect(b.replace("sl", order("sl2", { side: "sell", type: "stop", stopPriceUsd: 9.5, qtyShares: 11, purpose: "stop" })).accepted).toBe(false);
    b.processBar(bar(60_000, 10, 10, 8.5, 8.6));
    expect(fills.slice(1).map((f) => `${f.clientOrderId} ${f.qtyShares}@${f.priceUsd}`)).toEqual(["sl 5@9"]);
  });

  it("refuses a replace sent during a bar when the old order filled on that bar, through onEnded", () => {
    const ended: OrderEnded[] = [];
    const b: SimBroker = new SimBroker(["AAA"], { initialCashUsd: 100_000, frictionPerSide: 0, buyingPowerMultiple: 1, sessions: ANY_TIME }, (f) => {
      // A tp fill moves the stop of the other OCO, which fills on the same bar before the replace lands.
      if (f.clientOrderId === "tp1") b.replace("tp2", order("tp2b", { side: "sell", type: "oco", limitPriceUsd: 11.2, stopPriceUsd: 10, qtyShares: 5, purpose: "tp2" }));
    }, (e) => ended.push(e));
    holding(b, 10);
    b.submit(order("tp1", { side: "sell", type: "oco", limitPriceUsd: 11, stopPriceUsd: 9, qtyShares: 5, purpose: "tp1" }));
    b.submit(order("tp2", { side: "sell", type: "oco", limitPriceUsd: 11.1, stopPriceUsd: 9, qtyShares: 5, purpose: "tp2" }));
    b.processBar(bar(60_000, 10, 11.5, 9.9, 11.4));
    expect(ended.map((e) => `${e.clientOrderId} ${e.status}: ${e.reason}`)).toEqual(["tp2b rejected: order tp2 filled before it could be replaced"]);
    expect(b.qty[0]).toBe(0);
  });
});

describe("SimBroker: pattern-day-trader protection", () => {
  /** A round trip on day `d`: buy 10 at the day's first bar, sell 10 at market. */
  function dayTrade(b: SimBroker, d: number): void {
    holding(b, 10, d);
    b.setCurrentBar(bar(d * DAY + 60_000, 10, 10, 10, 10, d));
    expect(b.submit(order(`out${d}`, { side: "sell", purpose: "stop" })).accepted).toBe(true);
    b.setCurrentBar(null);
  }

  it("under $25,000 of previous-day equity, refuses the order that would make a 4th day trade in 5 business days", () => {
    const { b } = setup(10_000);
    dayTrade(b, 1);
    dayTrade(b, 2);
    dayTrade(b, 3);
    expect(b.dayTradeCount()).toBe(3);
    holding(b, 10, 4);
    // Closing today's buy today would be the 4th: refused (Alpaca 403 40310100), exits included.
    expect(b.submit(order("sl", { side: "sell", type: "stop", stopPriceUsd: 9, purpose: "stop" }))).toEqual({ accepted: false, reason: PDT_MESSAGE });
    // A sell of shares bought on an earlier day is no day trade: it goes.
    b.processBar(bar(5 * DAY, 10, 10, 10, 10, 5));
    expect(b.submit(order("sl5", { side: "sell", type: "stop", stopPriceUsd: 9, purpose: "stop" })).accepted).toBe(true);
    b.cancel("sl5");
    // Day 7 (days 3 to 7 are the window): day 1's and day 2's trades have left it, so a round trip goes.
    b.processBar(bar(6 * DAY, 10, 10, 10, 10, 6));
    dayTrade(b, 7);
    expect(b.dayTradeCount()).toBe(2);
  });

  it("does not apply at $25,000 or more of previous-day equity", () => {
    const { b } = setup(30_000);
    for (const d of [1, 2, 3, 4]) dayTrade(b, d);
    expect(b.dayTradeCount()).toBe(4);
  });

  it("counts day trades as FINRA's examples do: buy, sell, buy, sell is two; buy, sell, sell is one", () => {
    const { b } = setup(100_000);
    holding(b, 10, 1);
    b.setCurrentBar(bar(DAY + 60_000, 10, 10, 10, 10, 1));
    b.submit(order("s1", { side: "sell", qtyShares: 5, purpose: "tp1" }));
    b.submit(order("s2", { side: "sell", qtyShares: 5, purpose: "tp2" }));
    expect(b.dayTradeCount()).toBe(1);
    b.submit(order("b2", { qtyShares: 5 }));
    b.submit(order("s3", { side: "sell", qtyShares: 5, purpose: "stop" }));
    expect(b.dayTradeCount()).toBe(2);
  });
});

describe("SimBroker: an exit pair's stop must be below the market (the local exchange's rule, shared)", () => {
  const oco = (id: string, stop: number) => order(id, { side: "sell", type: "oco", limitPriceUsd: 12, stopPriceUsd: stop, qtyShares: 10, purpose: "tp1" });

  it("refuses an OCO whose stop is not below the last close less a cent, as Alpaca's 422; a plain stop is not checked", () => {
    const { b } = setup();
    holding(b, 10);
    // The last close is 10: 9.99 is not below 10 - 0.01, 9.98 is.
    expect(b.submit(oco("a", 9.99))).toEqual({ accepted: false, reason: STOP_ABOVE_MARKET_MESSAGE });
    expect(b.submit(oco("b", 10.5))).toEqual({ accepted: false, reason: STOP_ABOVE_MARKET_MESSAGE });
    expect(b.submit(order("c", { side: "sell", type: "stop", stopPriceUsd: 10.5, qtyShares: 10, purpose: "stop" })).accepted).toBe(true);
    expect(b.cancel("c")).toBe(true);
    expect(b.submit(oco("d", 9.98)).accepted).toBe(true);
  });

  it("checks an OCO sent during a bar (exits on an entry fill) against that bar's close, the price the exchange has by then, through onEnded", () => {
    const fills: Fill[] = [];
    const ended: OrderEnded[] = [];
    const sent: unknown[] = [];
    const b: SimBroker = new SimBroker(["AAA"], { initialCashUsd: 100_000, frictionPerSide: 0, buyingPowerMultiple: 1, sessions: ANY_TIME }, (f) => {
      fills.push(f);
      // The exits laid on the entry fill: the stop 9.5 is below the open (10) but not below the bar's close (9.4).
      if (f.clientOrderId === "in") sent.push(b.submit(oco("x", 9.5)));
    }, (e) => ended.push(e));
    b.processBar(bar(0, 10, 10, 10, 10));
    b.submit(order("in", { timing: "next_open" }));
    b.processBar(bar(60_000, 10, 10.1, 9.3, 9.4));
    expect(sent).toEqual([{ accepted: true }]);
    expect(ended).toEqual([{ clientOrderId: "x", status: "rejected", reason: STOP_ABOVE_MARKET_MESSAGE, timeMs: 120_000 }]);
    // The same OCO against a bar that closed above it rests.
    b.processBar(bar(120_000, 9.6, 9.8, 9.6, 9.8));
    expect(b.submit(oco("y", 9.5)).accepted).toBe(true);
  });

  it("refuses to move an OCO's stop to or above the market and leaves the old one working", () => {
    const { b, fills } = setup();
    holding(b, 10);
    b.submit(oco("x", 9));
    expect(b.replace("x", oco("x2", 10))).toEqual({ accepted: false, reason: STOP_ABOVE_MARKET_MESSAGE });
    b.processBar(bar(60_000, 9.5, 9.5, 8.9, 9));
    expect(fills.map((f) => `${f.clientOrderId} ${f.purpose} ${f.priceUsd}`)).toEqual(["in0 entry 10", "x stop 9"]);
  });
});

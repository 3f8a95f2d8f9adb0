import { describe, expect, it } from "vitest";
import { SimBroker } from "../../src/broker/sim-broker.ts";
import { createBarView, type BarView } from "../../src/core/bars.ts";
import type { Fill, OrderIntent } from "../../src/core/types.ts";
import type { SessionLookup } from "../../src/core/market-calendar.ts";

// These tests are about the order rules, not the hours (sessions.test.ts covers those): every
// minute of every day is in session here.
const ANY_TIME: SessionLookup = () => ({ openMinute: 0, closeMinute: 1440 });

function bar(symId: number, tMs: number, o: number, h: number, l: number, c: number): BarView {
  return Object.assign(createBarView(), { symId, tMs, open: o, high: h, low: l, close: c, volume: 100 });
}

function setup(cash = 10_000, friction = 0) {
  const fills: Fill[] = [];
  const b = new SimBroker(["AAA", "BBB"], { initialCashUsd: cash, frictionPerSide: friction, buyingPowerMultiple: 1, sessions: ANY_TIME }, (f) => fills.push(f));
  return { b, fills };
}

const order = (id: string, o: Partial<OrderIntent>): OrderIntent => ({
  clientOrderId: id, symbol: "AAA", symId: 0, side: "buy", type: "market", qtyShares: 10, purpose: "entry", ...o,
});

describe("SimBroker", () => {
  it("fills a market order at the current bar's close plus friction", () => {
    const { b, fills } = setup(10_000, 0.001);
    const cur = bar(0, 0, 10, 10.5, 9.5, 10);
    b.setCurrentBar(cur);
    b.processBar(cur);
    expect(b.submit(order("a", {}))).toEqual({ accepted: true });
    expect(fills[0].priceUsd).toBeCloseTo(10.01, 10);
    expect(b.cashUsd).toBeCloseTo(10_000 - 100.1, 8);
    expect(b.qty[0]).toBe(10);
  });

  it("waits for the next bar's open with timing next_open, and never fills on a bar of another symbol", () => {
    const { b, fills } = setup();
    b.submit(order("a", { timing: "next_open" }));
    b.processBar(bar(1, 60_000, 50, 51, 49, 50));
    expect(fills).toHaveLength(0);
    b.processBar(bar(0, 120_000, 10.2, 10.3, 10, 10.1));
    expect(fills[0]).toMatchObject({ priceUsd: 10.2, timeMs: 120_000 });
  });

  it("enforces buying power, valuing a market buy with the broker's cushion above the last price", () => {
    const { b, fills } = setup(1_000);
    const cur = bar(0, 0, 10, 10, 10, 10);
    b.setCurrentBar(cur);
    // $1,000 buys 97 shares at $10 once a market buy is valued 3% above the price (1000 / 1.03 / 10 = 97.08).
    expect(b.buyingPowerUsd()).toBeCloseTo(1000 / 1.03, 9);
    expect(b.submit(order("a", { qtyShares: 98 })).accepted).toBe(false);
    expect(fills).toHaveLength(0);
    expect(b.submit(order("b", { qtyShares: 97 })).accepted).toBe(true);
  });

  it("refuses a reused client order id", () => {
    const { b } = setup();
    b.setCurrentBar(bar(0, 0, 10, 10, 10, 10));
    b.submit(order("dup", {}));
    expect(b.submit(order("dup", {}))).toEqual({ accepted: false, reason: "client_order_id must be unique" });
  });

  it("evaluates stops before limits on the same bar", () => {
    const { b, fills } = setup();
    b.setCurrentBar(bar(0, 0, 10, 10, 10, 10));
    b.submit(order("in", {}));
    b.setCurrentBar(null);
    b.submit(order("tp", { side: "sell", type: "limit", limitPriceUsd: 11, qtyShares: 5, purpose: "tp1" }));
    b.submit(order("sl", { side: "sell", type: "stop", stopPriceUsd: 9, qtyShares: 5, purpose: "stop" }));
    b.processBar(bar(0, 60_000, 10, 11.5, 8.5, 10));
    expect(fills.map((f) => f.purpose)).toEqual(["entry", "stop", "tp1"]);
    expect(b.qty[0]).toBe(0);
  });

  it("cancels working orders", () => {
    const { b, fills } = setup();
    b.setCurrentBar(bar(0, 0, 10, 10, 10, 10));
    b.submit(order("in", {}));
    b.submit(order("sl", { side: "sell", type: "stop", stopPriceUsd: 9, purpose: "stop" }));
    expect(b.cancel("sl")).toBe(true);
    expect(b.cancel("sl")).toBe(false);
    b.processBar(bar(0, 60_000, 8, 8, 7, 7));
    expect(fills).toHaveLength(1);
    expect(b.hasWork(0)).toBe(false);
  });

  it("marks equity to the last close", () => {
    const { b } = setup(10_000);
    b.setCurrentBar(bar(0, 0, 10, 10, 10, 10));
    b.submit(order("in", { qtyShares: 100 }));
    b.processBar(bar(0, 60_000, 10, 12, 10, 12));
    expect(b.equityUsd()).toBeCloseTo(10_200, 8);
  });

  it("fills an OCO's limit leg as its target, or its stop leg first when one bar could hit both", () => {
    const { b, fills } = setup();
    b.setCurrentBar(bar(0, 0, 10, 10, 10, 10));
    b.submit(order("in", { qtyShares: 20 }));
    b.setCurrentBar(null);
    b.submit(order("a", { side: "sell", type: "oco", qtyShares: 10, limitPriceUsd: 11, stopPriceUsd: 9, purpose: "tp1" }));
    b.submit(order("b", { side: "sell", type: "oco", qtyShares: 10, limitPriceUsd: 12, stopPriceUsd: 9, purpose: "tp2" }));
    b.processBar(bar(0, 60_000, 10, 11.5, 9.5, 11));
    expect(fills.slice(1).map((f) => [f.clientOrderId, f.purpose, f.priceUsd])).toEqual([["a", "tp1", 11]]);
    b.processBar(bar(0, 120_000, 11, 12.5, 8.5, 9));
    // Both legs of "b" are reachable: the stop is assumed first, and the limit leg dies with it.
    expect(fills.slice(2).map((f) => [f.clientOrderId, f.purpose, f.priceUsd])).toEqual([["b", "stop", 9]]);
    expect(b.qty[0]).toBe(0);
    expect(b.hasWork(0)).toBe(false);
  });

  it("refuses a buy OCO", () => {
    const { b } = setup();
    expect(b.submit(order("x", { side: "buy", type: "oco", limitPriceUsd: 9, stopPriceUsd: 11 })).accepted).toBe(false);
  });
});

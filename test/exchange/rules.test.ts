import { describe, expect, it } from "vitest";
import { sellStopBelowMarket } from "../../src/exchange/rules/stop-legs.ts";
import { dayTradeCount, pdtRefuses } from "../../src/exchange/rules/pattern-day-trader.ts";
import { dayOrderExpiryMs, mayExecuteAt } from "../../src/exchange/rules/session.ts";
import { insufficientQtyMessage, qtyAvailability } from "../../src/exchange/rules/held-qty.ts";
import type { WashOrder } from "../../src/exchange/rules/wash-trade.ts";
import { washTradeConflict } from "../../src/exchange/rules/wash-trade.ts";

const o = (side: "buy" | "sell", type: "market" | "limit" | "stop", limit = NaN, symbol = "ABC"): WashOrder => ({ symbol, side, type, limit });
const doc = { stopsCount: false };
const strict = { stopsCount: true };

describe("wash-trade rule (pure)", () => {
  it("a market order conflicts with any opposite market or limit order of the same symbol", () => {
    expect(washTradeConflict(o("buy", "market"), [o("sell", "limit", 20)], doc)).not.toBeNull();
    expect(washTradeConflict(o("buy", "market"), [o("sell", "market")], doc)).not.toBeNull();
    expect(washTradeConflict(o("sell", "market"), [o("buy", "limit", 1)], doc)).not.toBeNull();
    expect(washTradeConflict(o("buy", "market"), [o("buy", "limit", 20), o("sell", "limit", 20, "XYZ")], doc)).toBeNull();
  });

  it("limits conflict when they cross (buy at or above the sell)", () => {
    expect(washTradeConflict(o("buy", "limit", 10), [o("sell", "limit", 10)], doc)).not.toBeNull();
    expect(washTradeConflict(o("buy", "limit", 9.99), [o("sell", "limit", 10)], doc)).toBeNull();
    expect(washTradeConflict(o("sell", "limit", 10), [o("buy", "limit", 10.01)], doc)).not.toBeNull();
    expect(washTradeConflict(o("sell", "limit", 10.02), [o("buy", "limit", 10.01)], doc)).toBeNull();
    expect(washTradeConflict(o("sell", "limit", 99), [o("buy", "market")], doc)).not.toBeNull();
  });

  it("stops count on neither side by default, on both under the stricter reading", () => {
    expect(washTradeConflict(o("buy", "market"), [o("sell", "stop")], doc)).toBeNull();
    expect(washTradeConflict(o("sell", "stop"), [o("buy", "limit", 5)], doc)).toBeNull();
    expect(washTradeConflict(o("buy", "market"), [o("sell", "stop")], strict)).not.toBeNull();
    expect(washTradeConflict(o("buy", "limit", 1), [o("sell", "stop")], strict)).not.toBeNull();
    expect(washTradeConflict(o("sell", "stop"), [o("buy", "limit", 5)], strict)).not.toBeNull();
  });
});

describe("held quantity (pure)", () => {
  it("counts open sells of the symbol once per holding order and names them", () => {
    const a = qtyAvailability("ABC", 10, [
      { id: "oco-limit", symbol: "ABC", side: "sell", leavesQty: 6, holds: true },
      { id: "oco-stop", symbol: "ABC", side: "sell", leavesQty: 6, holds: false },
      { id: "buy", symbol: "ABC", side: "buy", leavesQty: 5, holds: true },
      { id: "other", symbol: "XYZ", side: "sell", leavesQty: 5, holds: true },
      { id: "stop", symbol: "ABC", side: "sell", leavesQty: 3, holds: true },
    ]);
    expect(a).toEqual({ existingQty: 10, heldForOrders: 9, available: 1, relatedOrders: ["oco-limit", "stop"] });
    expect(insufficientQtyMessage(10, 0)).toBe("insufficient qty available for order (requested: 10, available: 0)");
  });
});

describe("stop legs, sessions and pattern-day-trader (pure)", () => {
  it("a sell stop must be strictly below base - 0.01", () => {
    expect([sellStopBelowMarket(9.98, 10), sellStopBelowMarket(9.99, 10), sellStopBelowMarket(10.5, undefined)]).toEqual([true, false, true]);
  });

  it("regular hours for everyone, 04:00-20:00 ET for extended-hours orders; expiry at the (after-hours) close", () => {
    const et = (h: number, m: number): number => Date.UTC(2024, 0, 2, h + 5, m); // EST
    expect([mayExecuteAt(et(9, 29), false), mayExecuteAt(et(9, 30), false), mayExecuteAt(et(16, 0), false)]).toEqual([false, true, false]);
    expect([mayExecuteAt(et(3, 59), true), mayExecuteAt(et(4, 0), true), mayExecuteAt(et(19, 59), true), mayExecuteAt(et(20, 0), true)]).toEqual([false, true, true, false]);
    expect([dayOrderExpiryMs(et(8, 0), false), dayOrderExpiryMs(et(8, 0), true)]).toEqual([et(16, 0), et(20, 0)]);
  });

  it("counts a day trade per closing sell order of shares bought the same day, within 5 business days", () => {
    const t = Date.UTC(2024, 0, 2, 15, 0);
    const f = (side: "buy" | "sell", dayOffset: number, orderId: string) => ({ symbol: "ABC", side, tMs: t + dayOffset * 86_400_000, orderId, qty: 1 });
    const fills = [f("buy", 0, "b1"), f("sell", 0, "s1"), f("sell", 1, "s2"), f("buy", 1, "b2"), f("sell", 1, "s3")];
    expect(dayTradeCount(fills, t + 86_400_000)).toBe(2);
    expect(dayTradeCount(fills, t + 10 * 86_400_000)).toBe(0);
    expect([pdtRefuses(24_999, 3, true), pdtRefuses(25_000, 3, true), pdtRefuses(10_000, 2, true), pdtRefuses(10_000, 3, false)]).toEqual([true, false, false, false]);
  });
});

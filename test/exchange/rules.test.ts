import { describe, expect, it } from "vitest";
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

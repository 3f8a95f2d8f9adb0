import { afterEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import { PermissionError, ValidationError } from "@alpacahq/alpaca-trade-api";
import type { Exchange, ExchangeOptions } from "../../src/exchange/server.ts";
import type { TradeUpdate } from "../../src/exchange/types.ts";
import { MIN, OPEN_MS, series } from "./helpers.ts";
import { apiError, idOf } from "./sdk-helpers.ts";
import { openExchange, RAW_HEADERS } from "./sdk-helpers.ts";

/** Alpaca's sessions, OCO stop legs, the first-bar market buy and pattern-day-trader protection (issue 12). */

const HEADERS = RAW_HEADERS;
/** 2024-01-02 08:00 ET: 90 pre-market minutes at 10, then the regular session at 11. */
const PRE_MS = OPEN_MS - 90 * MIN;
const PRE = series("ABC", Array.from({ length: 95 }, (_v, i) => (i < 90 ? [10, 10, 10, 10] : [11, 11, 11, 11]) as [number, number, number, number]), PRE_MS);

let ex: Exchange;
let alpaca: Alpaca;
let updates: TradeUpdate[];
afterEach(async () => {
  await ex.close();
});

async function open(o: Partial<ExchangeOptions> = {}): Promise<void> {
  ({ ex, alpaca, updates } = await openExchange([PRE], o));
}

const events = (id: string): string[] => updates.filter((u) => u.order.id === id).map((u) => u.event);
const post = (body: Record<string, unknown>): Promise<Response> => fetch(`${ex.url}/v2/orders`, { method: "POST", headers: HEADERS, body: JSON.stringify(body) });

describe("sessions", () => {
  it("accepts a market order before the open and fills it at the open, never on pre-market bars", async () => {
    await open();
    ex.stepBars(1);
    const o = await alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" });
    expect(o.status).toBe("accepted");
    ex.stepBars(88); // bars to 09:28: the clock is at 09:29
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(o) })).status).toBe("accepted");
    ex.stepBars(1); // the 09:29 bar (pre-market, at 10) fills nothing; at 09:30 the order is routed
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(o) })).status).toBe("new");
    ex.stepBars(1); // the 09:30 bar
    const after = await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(o) });
    expect([after.status, after.filledAvgPrice]).toEqual(["filled", "11"]);
    expect(events(idOf(o))).toEqual(["accepted", "new", "fill"]);
  });

  it("lets a limit day order with extended_hours fill before the open; without it the order waits", async () => {
    await open();
    ex.stepBars(1);
    const ext = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 10.5, timeInForce: "day", extendedHours: true });
    const reg = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 10.5, timeInForce: "day" });
    expect([ext.status, ext.extendedHours, reg.status]).toEqual(["new", true, "accepted"]);
    ex.stepBars(1);
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(ext) })).status).toBe("filled");
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(reg) })).status).toBe("accepted");
  });

  it("refuses extended_hours on anything but a limit day order", async () => {
    await open();
    ex.stepBars(1);
    for (const body of [
      { symbol: "ABC", qty: "1", side: "buy", type: "market", time_in_force: "day", extended_hours: true },
      { symbol: "ABC", qty: "1", side: "buy", type: "limit", limit_price: "10", time_in_force: "gtc", extended_hours: true },
    ]) {
      const res = await post(body);
      expect([res.status, await res.json()]).toEqual([422, { code: 40010001, message: "extended hours order must be DAY limit orders" }]);
    }
  });

  it("counts an early close: orders after 13:00 wait, day orders expire at 13:00", async () => {
    const early = Date.UTC(2024, 6, 3, 16, 58); // 2024-07-03 12:58 EDT, a 13:00 close
    const s = series("ABC", Array.from({ length: 6 }, () => [10, 10, 10, 10] as [number, number, number, number]), early);
    await open({ bars: [s] });
    ex.stepBars(1); // 12:58 -> clock 12:59
    const day = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "day" });
    ex.stepBars(2); // to 13:01
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(day) })).status).toBe("expired");
    const late = await alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" });
    ex.stepBars(3); // post-market bars: no fill
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(late) })).status).toBe("accepted");
  });

  it("takes a market buy sent before the symbol's first bar is published", async () => {
    await open({ bars: [series("ABC", [[10, 10, 10, 10], [10, 10, 10, 10]])] });
    const o = await alpaca.trading.orders.market({ symbol: "ABC", qty: 100, side: "buy" });
    expect(o.status).toBe("new");
    ex.stepBars(1);
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(o) })).status).toBe("filled");
  });
});

describe("OCO/bracket stop legs", () => {
  const regular = series("ABC", Array.from({ length: 6 }, () => [10, 10.1, 9.9, 10] as [number, number, number, number]));
  it("refuse a sell stop at or above the last price less a cent, for oco, bracket and a replaced leg", async () => {
    await open({ bars: [regular] });
    ex.stepBars(1);
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 10, side: "buy" });
    ex.stepBars(1);
    const res = await post({ symbol: "ABC", qty: "10", side: "sell", type: "limit", time_in_force: "gtc", order_class: "oco", take_profit: { limit_price: "11" }, stop_loss: { stop_price: "9.995" } });
    expect(res.status).toBe(422);
    const high = await apiError(alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", takeProfit: { limitPrice: 11 }, stopLoss: { stopPrice: 9.99 } }));
    expect(high).toBeInstanceOf(ValidationError);
    expect([high.code, high.message]).toEqual([42210000, "stop price must be less than base_price - 0.01"]);
    const br = await apiError(alpaca.trading.orders.bracket({ symbol: "ABC", side: "buy", qty: 1, timeInForce: "gtc", takeProfit: { limitPrice: 11 }, stopLoss: { stopPrice: 10.5 } }));
    expect(br.message).toBe("stop price must be less than base_price - 0.01");
    const ok = await alpaca.trading.orders.oco({ symbol: "ABC", side: "sell", qty: 10, timeInForce: "gtc", takeProfit: { limitPrice: 11 }, stopLoss: { stopPrice: 9.98 } });
    const moved = await apiError(alpaca.trading.orders.patchOrderByOrderId({ orderId: ok.legs?.[0]?.id ?? "", patchOrderRequest: { stopPrice: "10.2" } }));
    expect(moved.message).toBe("stop price must be less than base_price - 0.01");
  });
});

describe("pattern-day-trader protection", () => {
  const day = series("ABC", Array.from({ length: 20 }, () => [10, 10, 10, 10] as [number, number, number, number]));

  async function roundTrip(): Promise<void> {
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" });
    ex.stepBars(1);
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "sell" });
    ex.stepBars(1);
  }

  it("under $25,000 of last equity refuses the 4th day trade in 5 business days, exits and brackets included", async () => {
    await open({ bars: [day], initialCashUsd: 20_000 });
    ex.stepBars(1);
    for (let i = 0; i < 3; i++) await roundTrip();
    // SDK 4.x's Account model drops daytrade_count and pattern_day_trader: read the wire.
    const a = (await (await fetch(`${ex.url}/v2/account`, { headers: HEADERS })).json()) as Record<string, unknown>;
    expect([a.daytrade_count, a.last_equity, a.pattern_day_trader]).toEqual([3, "20000", false]);
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" }); // a buy alone is no day trade
    ex.stepBars(1);
    const exit = await apiError(alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "sell" }));
    expect(exit).toBeInstanceOf(PermissionError);
    expect([exit.status, exit.code, exit.message]).toEqual([403, 40310100, "trade denied due to pattern day trading protection"]);
    const br = await apiError(alpaca.trading.orders.bracket({ symbol: "ABC", side: "buy", qty: 1, timeInForce: "day", takeProfit: { limitPrice: 11 }, stopLoss: { stopPrice: 9 } }));
    expect(br.code).toBe(40310100);
  });

  it("lets the same trades through at $25,000 or more", async () => {
    await open({ bars: [day], initialCashUsd: 25_000 });
    ex.stepBars(1);
    for (let i = 0; i < 4; i++) await roundTrip();
    const a = (await (await fetch(`${ex.url}/v2/account`, { headers: HEADERS })).json()) as Record<string, unknown>;
    expect(a.daytrade_count).toBe(4);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import type { Exchange } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { series } from "./helpers.ts";
import { apiError, client, idOf, KEY, SECRET } from "./sdk-helpers.ts";

/** GET /v2/orders filters and paging; DELETE /v2/positions[/{symbol}] (issue 12). */

const HEADERS = { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET };
const flat = (n: number, px: number): [number, number, number, number][] => Array.from({ length: n }, () => [px, px, px, px]);

let ex: Exchange;
let alpaca: Alpaca;
afterEach(async () => {
  await ex.close();
});

async function open(minutes = 10): Promise<void> {
  ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [series("ABC", flat(minutes, 10)), series("XYZ", flat(minutes, 50))], speed: "max", initialCashUsd: 1_000_000, frictionPctRoundTrip: 0 });
  alpaca = client(ex);
}

const get = async (qs: string): Promise<{ status: number; body: unknown }> => {
  const r = await fetch(`${ex.url}/v2/orders?${qs}`, { headers: HEADERS });
  return { status: r.status, body: await r.json() };
};

describe("GET /v2/orders", () => {
  it("honours limit (default 50, at most 500), side, symbols, direction and after/until", async () => {
    await open();
    ex.stepBars(1);
    const a = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    ex.stepBars(1);
    const b = await alpaca.trading.orders.limit({ symbol: "XYZ", qty: 1, side: "buy", limitPrice: 40, timeInForce: "gtc" });
    ex.stepBars(1);
    const c = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 6, timeInForce: "gtc" });
    const ids = async (q: Parameters<Alpaca["trading"]["orders"]["getAllOrders"]>[0]): Promise<string[]> => (await alpaca.trading.orders.getAllOrders(q)).map((o) => idOf(o));
    expect(await ids({})).toEqual([c.id, b.id, a.id]);
    expect(await ids({ direction: "asc" })).toEqual([a.id, b.id, c.id]);
    expect(await ids({ symbols: ["ABC"] })).toEqual([c.id, a.id]);
    expect(await ids({ side: "sell" })).toEqual([]);
    expect(await ids({ side: "buy", limit: 2 })).toEqual([c.id, b.id]);
    expect(await ids({ after: b.submittedAt?.toISOString() })).toEqual([c.id]);
    expect(await ids({ until: b.submittedAt?.toISOString() })).toEqual([a.id]);
    expect((await get("limit=501")).status).toBe(422);
    expect((await get("limit=0")).status).toBe(422);
    expect((await get("side=up")).status).toBe(422);
    expect((await get("after=yesterday")).status).toBe(422);
    expect((await get("limit=500")).status).toBe(200);
  });

  it("pages past 500 orders by after (asc), re-asking from the last time seen because of ties", async () => {
    await open(320);
    ex.stepBars(1);
    for (let m = 0; m < 300; m++) {
      for (let k = 0; k < 2; k++) await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 1, timeInForce: "gtc", clientOrderId: `o-${m}-${k}` });
      ex.stepBars(1);
    }
    expect(await alpaca.trading.orders.getAllOrders({})).toHaveLength(50);
    const seen = new Map<string, string>();
    let after: string | undefined;
    for (let page = 0; page < 5; page++) {
      const got = await alpaca.trading.orders.getAllOrders({ status: "all", limit: 500, direction: "asc", after });
      for (const o of got) seen.set(idOf(o), o.clientOrderId ?? "");
      const last = got.at(-1)?.submittedAt;
      if (got.length < 500 || !last) break;
      after = new Date(last.getTime() - 1).toISOString();
    }
    expect(seen.size).toBe(600);
    expect(new Set(seen.values()).size).toBe(600);
  });
});

describe("DELETE /v2/positions", () => {
  async function hold(): Promise<void> {
    await open();
    ex.stepBars(1);
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 10, side: "buy" });
    await alpaca.trading.orders.market({ symbol: "XYZ", qty: 4, side: "buy" });
    ex.stepBars(1);
  }

  it("closes one position (all, qty or percentage) with a market order and answers it", async () => {
    await hold();
    const part = await alpaca.trading.positions.deleteOpenPosition({ symbolOrAssetId: "ABC", qty: 4 });
    expect([part.symbol, part.side, part.type, part.qty, part.status]).toEqual(["ABC", "sell", "market", "4", "new"]);
    ex.stepBars(1);
    const half = await alpaca.trading.positions.deleteOpenPosition({ symbolOrAssetId: "ABC", percentage: 50 });
    expect(half.qty).toBe("3");
    ex.stepBars(1);
    await alpaca.trading.positions.deleteOpenPosition({ symbolOrAssetId: "ABC" });
    ex.stepBars(1);
    expect((await alpaca.trading.positions.getAllOpenPositions()).map((p) => p.symbol)).toEqual(["XYZ"]);
    const gone = await apiError(alpaca.trading.positions.deleteOpenPosition({ symbolOrAssetId: "ABC" }));
    expect([gone.status, gone.message]).toEqual([404, "position does not exist"]);
  });

  it("refuses to close shares held by open orders (403), unless cancel_orders closes all", async () => {
    await hold();
    await alpaca.trading.orders.stop({ symbol: "ABC", qty: 10, side: "sell", stopPrice: 5, timeInForce: "gtc" });
    const held = await apiError(alpaca.trading.positions.deleteOpenPosition({ symbolOrAssetId: "ABC" }));
    expect(held.status).toBe(403);
    const noCancel = await fetch(`${ex.url}/v2/positions`, { method: "DELETE", headers: HEADERS });
    const r1 = (await noCancel.json()) as { symbol: string; status: number }[];
    expect([noCancel.status, r1.map((x) => [x.symbol, x.status])]).toEqual([207, [["ABC", 403], ["XYZ", 200]]]);
    ex.stepBars(1);
    const all = await fetch(`${ex.url}/v2/positions?cancel_orders=true`, { method: "DELETE", headers: HEADERS });
    const r2 = (await all.json()) as { symbol: string; status: number; body: { side: string; qty: string } }[];
    expect([all.status, r2.map((x) => [x.symbol, x.status, x.body.side, x.body.qty])]).toEqual([207, [["ABC", 200, "sell", "10"]]]);
    ex.stepBars(1);
    expect(await alpaca.trading.positions.getAllOpenPositions()).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import WebSocket from "ws";
import type { Exchange, ExchangeOptions } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { series } from "./helpers.ts";
import { client, idOf, KEY, SECRET } from "./sdk-helpers.ts";

/** The timing and chaos knobs tests and `npm run chaos` turn up (issue 12, items 13 and 14). */

const ABC = series("ABC", Array.from({ length: 10 }, () => [10, 10.1, 9.9, 10] as [number, number, number, number]));
let ex: Exchange;
let alpaca: Alpaca;
afterEach(async () => {
  await ex.close();
});

async function open(o: Partial<ExchangeOptions> = {}): Promise<void> {
  ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [ABC], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0, ...o });
  alpaca = client(ex);
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A raw trade_updates listener: every update's [event, order id] in arrival order. */
async function listen(): Promise<{ got: [string, string][]; close: () => void }> {
  const ws = new WebSocket(`${ex.wsUrl}/stream`);
  const got: [string, string][] = [];
  let listening = false;
  ws.on("message", (d: Buffer) => {
    const m = JSON.parse(d.toString("utf8")) as { stream: string; data: { event: string; order: { id: string } } };
    if (m.stream === "listening") listening = true;
    if (m.stream === "trade_updates") got.push([m.data.event, m.data.order.id]);
  });
  await new Promise((r) => ws.on("open", r));
  ws.send(JSON.stringify({ action: "authenticate", data: { key_id: KEY, secret_key: SECRET } }));
  ws.send(JSON.stringify({ action: "listen", data: { streams: ["trade_updates"] } }));
  await until(() => listening);
  return { got, close: () => ws.close() };
}

describe("exchange knobs", () => {
  it("rejectAfterAccept: the POST answers 200 accepted, a rejected update with failed_at follows, the shares are free again", async () => {
    await open({ rejectAfterAccept: { when: (o) => o.type === "stop" } });
    const l = await listen();
    ex.stepBars(1);
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 10, side: "buy" });
    ex.stepBars(1);
    const stop = await alpaca.trading.orders.stop({ symbol: "ABC", qty: 10, side: "sell", stopPrice: 9, timeInForce: "gtc" });
    expect(stop.status).toBe("accepted");
    await until(() => l.got.some(([e, id]) => e === "rejected" && id === stop.id));
    const after = await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(stop) });
    expect([after.status, after.failedAt instanceof Date]).toEqual(["rejected", true]);
    expect(l.got.filter(([, id]) => id === stop.id).map(([e]) => e)).toEqual(["accepted", "rejected"]);
    ex.stepBars(3); // a rejected stop never fills, nor is it routed at the next minute
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(stop) })).status).toBe("rejected");
    expect((await alpaca.trading.orders.stop({ symbol: "ABC", qty: 10, side: "sell", stopPrice: 9, timeInForce: "gtc" })).status).toBe("accepted");
    l.close();
  });

  it("rejectAfterAccept by seeded fraction: 1 rejects every order, 0 none", async () => {
    await open({ rejectAfterAccept: { fraction: 1, seed: 5 } });
    ex.stepBars(1);
    const o = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    await until(() => ex.book.order(idOf(o))?.status === "rejected");
    await ex.close();
    await open({ rejectAfterAccept: { fraction: 0, seed: 5 } });
    ex.stepBars(1);
    expect((await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" })).status).toBe("new");
  });

  it("brokerCancel: the broker cancels or expires a resting order without a DELETE, by call or by predicate", async () => {
    await open({ brokerCancel: (o, nowMs) => (o.type === "stop" && nowMs >= ABC.tMs[4] ? "expired" : null) });
    const l = await listen();
    ex.stepBars(1);
    const lim = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    ex.brokerCancel(idOf(lim));
    await alpaca.trading.orders.market({ symbol: "ABC", qty: 5, side: "buy" });
    ex.stepBars(1);
    const stop = await alpaca.trading.orders.stop({ symbol: "ABC", qty: 5, side: "sell", stopPrice: 9, timeInForce: "gtc" });
    ex.stepBars(3);
    await until(() => l.got.some(([e, id]) => e === "expired" && id === stop.id));
    expect(l.got.filter(([, id]) => id === lim.id).map(([e]) => e)).toEqual(["new", "canceled"]);
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(stop) })).status).toBe("expired");
    l.close();
  });

  it("brokerCancelPicker: fraction 1 cancels every resting order at the next minute, 0 none", async () => {
    const { brokerCancelPicker } = await import("../../src/exchange/knobs.ts");
    await open({ brokerCancel: brokerCancelPicker({ fraction: 1, seed: 2 }) });
    ex.stepBars(1);
    const lim = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    ex.stepBars(1);
    expect(ex.book.order(idOf(lim))?.status).toBe("canceled");
    const never = brokerCancelPicker({ fraction: 0, seed: 2 });
    const wire = ex.book.order(idOf(lim));
    expect(wire && never(wire, 0)).toBeNull();
  });

  it("streamLagMs delays trade updates on the wire but keeps their order", async () => {
    await open({ streamLagMs: 40 });
    const l = await listen();
    ex.stepBars(1);
    const o = await alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy" });
    ex.stepBars(1);
    expect(ex.book.order(idOf(o))?.status).toBe("filled");
    await until(() => l.got.length >= 2);
    expect(l.got.map(([e]) => e)).toEqual(["new", "fill"]);
    l.close();
  });

  it("extraEvent sends an event the SDK does not list after every new", async () => {
    await open({ extraEvent: "some_new_event" });
    const l = await listen();
    ex.stepBars(1);
    const o = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    await until(() => l.got.length >= 2);
    expect(l.got).toEqual([["new", o.id], ["some_new_event", o.id]]);
    l.close();
  });
});

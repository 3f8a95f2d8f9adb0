import { decode } from "@msgpack/msgpack";
import { afterEach, describe, expect, it } from "vitest";
import { TimeFrame } from "@alpacahq/alpaca-trade-api";
import WebSocket from "ws";
import type { BarSeries } from "../../src/core/bars.ts";
import type { Exchange, ExchangeOptions } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { OPEN_MS, series } from "./helpers.ts";
import { client, KEY, SECRET } from "./sdk-helpers.ts";

/** The stocks stream as Alpaca's "Real-time Stock Data" docs describe it (issue 12, item 11). */

type Msg = Record<string, unknown>;

let ex: Exchange;
afterEach(async () => {
  await ex.close();
});

const ABC = series("ABC", [[10, 10.2, 9.9, 10.1], [10.1, 10.3, 10, 10.2], [10.2, 10.4, 10.1, 10.3]]);
/** ABC with the trade_count and vwap columns the 1-min CSVs hold. */
const WITH_EXTRAS: BarSeries & { tradeCount: Float64Array; vwap: Float64Array } = { ...ABC, tradeCount: Float64Array.from([20, 31, 42]), vwap: Float64Array.from([10.05, 10.15, 10.25]) };

async function open(o: Partial<ExchangeOptions> = {}): Promise<void> {
  ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [ABC], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0, ...o });
}

/** A raw client: every message it got (frames flattened), whether frames were binary, and when it closed. */
function connect(msgpack: boolean): { ws: WebSocket; msgs: Msg[]; binary: boolean[]; closed: Promise<void>; send: (m: Msg) => void } {
  const ws = new WebSocket(`${ex.wsUrl}/v2/iex`, { headers: msgpack ? { "Content-Type": "application/msgpack" } : {} });
  const msgs: Msg[] = [];
  const binary: boolean[] = [];
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    binary.push(isBinary);
    msgs.push(...((isBinary ? decode(data) : JSON.parse(data.toString("utf8"))) as Msg[]));
  });
  const closed = new Promise<void>((r) => ws.on("close", () => r()));
  return { ws, msgs, binary, closed, send: (m) => ws.send(JSON.stringify(m)) };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function authed(msgpack: boolean, subscribe: Msg = { bars: ["ABC"] }): Promise<ReturnType<typeof connect>> {
  const c = connect(msgpack);
  await new Promise((r) => c.ws.on("open", r));
  c.send({ action: "auth", key: KEY, secret: SECRET });
  await until(() => c.msgs.some((m) => m.msg === "authenticated"));
  c.send({ action: "subscribe", ...subscribe });
  await until(() => c.msgs.some((m) => m.T === "subscription"));
  return c;
}

describe("market-data stream", () => {
  it("speaks JSON text to a client that did not ask for msgpack, binary msgpack to one that did", async () => {
    await open();
    const json = await authed(false);
    expect(json.binary.every((b) => !b)).toBe(true);
    json.ws.close();
    await json.closed;
    const mp = await authed(true);
    expect(mp.binary.every((b) => b)).toBe(true);
    ex.stepBars(1);
    await until(() => mp.msgs.some((m) => m.T === "b"));
    expect(mp.msgs.find((m) => m.T === "b")?.t).toEqual(new Date(OPEN_MS));
    mp.ws.close();
  });

  it("closes a connection that does not authenticate in time with 404 auth timeout", async () => {
    await open({ authTimeoutMs: 30 });
    const c = connect(false);
    await c.closed;
    expect(c.msgs).toEqual([{ T: "success", msg: "connected" }, { T: "error", code: 404, msg: "auth timeout" }]);
  });

  it("allows one connection per key: a second gets 406 connection limit exceeded and is closed", async () => {
    await open();
    const first = await authed(false);
    const second = connect(false);
    await new Promise((r) => second.ws.on("open", r));
    second.send({ action: "auth", key: KEY, secret: SECRET });
    await second.closed;
    expect(second.msgs.at(-1)).toEqual({ T: "error", code: 406, msg: "connection limit exceeded" });
    ex.stepBars(1);
    await until(() => first.msgs.some((m) => m.T === "b")); // the first keeps working
    first.ws.close();
  });

  it("carries the data's n and vw; sends neither when the data has none", async () => {
    await open({ bars: [WITH_EXTRAS] });
    const c = await authed(false);
    ex.stepBars(1);
    await until(() => c.msgs.some((m) => m.T === "b"));
    expect(c.msgs.find((m) => m.T === "b")).toEqual({ T: "b", S: "ABC", o: 10, h: 10.2, l: 9.9, c: 10.1, v: 1000, t: "2024-01-02T14:30:00Z", n: 20, vw: 10.05 });
    const rest = await client(ex).marketData.getStockBars({ symbols: ["ABC"], timeframe: TimeFrame.Minute, start: new Date(0) });
    expect(rest.ABC.map((b) => [b.tradeCount, b.vwap])).toEqual([[20, 10.05]]);
    c.ws.close();
    await c.closed;
    await ex.close();

    await open();
    const d = await authed(false);
    ex.stepBars(1);
    await until(() => d.msgs.some((m) => m.T === "b"));
    const b = d.msgs.find((m) => m.T === "b") ?? {};
    expect(["n" in b, "vw" in b]).toEqual([false, false]);
    d.ws.close();
  });

  it("publishes a seeded fraction of bars again as corrections (T u); REST then serves the corrected bar", async () => {
    await open({ bars: [WITH_EXTRAS], correctionFraction: 1, correctionSeed: 3 });
    const c = await authed(false, { bars: ["ABC"], updatedBars: ["ABC"] });
    ex.stepBars(1);
    await until(() => c.msgs.some((m) => m.T === "u"));
    const b = c.msgs.find((m) => m.T === "b") ?? {};
    const u = c.msgs.find((m) => m.T === "u") ?? {};
    expect(c.msgs.findIndex((m) => m.T === "b")).toBeLessThan(c.msgs.findIndex((m) => m.T === "u"));
    expect([u.S, u.t, u.o, u.h, u.l]).toEqual([b.S, b.t, b.o, b.h, b.l]);
    expect([u.v, Math.abs(Number(u.c) - Number(b.c))]).toEqual([1050, expect.closeTo(0.01, 9)]);
    const rest = await client(ex).marketData.getStockBars({ symbols: ["ABC"], timeframe: TimeFrame.Minute, start: new Date(0) });
    expect([rest.ABC[0].close, rest.ABC[0].volume, rest.ABC[0].tradeCount]).toEqual([u.c, 1050, 21]);
    c.ws.close();
  });

  it("corrects none with fraction 0 and about the fraction asked otherwise, the same bars on every run", async () => {
    const { correctionOf } = await import("../../src/exchange/knobs.ts");
    const bars = Array.from({ length: 2000 }, (_v, i) => ({ symbol: "ABC", tMs: OPEN_MS + i * 60_000, open: 10, high: 10.5, low: 9.5, close: 10, volume: 100 }));
    const picked = (fraction: number, seed: number): number[] => bars.flatMap((b, i) => (correctionOf(b, { fraction, seed }) ? [i] : []));
    expect(picked(0, 1)).toEqual([]);
    expect(picked(0.1, 1).length).toBeGreaterThan(150);
    expect(picked(0.1, 1).length).toBeLessThan(250);
    expect(picked(0.1, 1)).toEqual(picked(0.1, 1));
    expect(picked(0.1, 2)).not.toEqual(picked(0.1, 1));
    // Opening the exchange with no bars left over keeps the test's own exchange variable valid.
    await open();
  });
});

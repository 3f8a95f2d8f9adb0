import { decode, encode } from "@msgpack/msgpack";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Exchange, ExchangeOptions } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { series } from "../exchange/helpers.ts";
import { KEY, SECRET } from "../exchange/sdk-helpers.ts";

/**
 * Issue 13, item 4: anyone on the machine could kill the local exchange without keys. Every case
 * here crashed it, stalled it or was accepted before; now each is refused, counted, and the
 * exchange keeps answering.
 */

type Msg = Record<string, unknown>;

let ex: Exchange;
afterEach(async () => {
  await ex.close();
});

const ABC = series("ABC", [[10, 10.2, 9.9, 10.1], [10.1, 10.3, 10, 10.2], [10.2, 10.4, 10.1, 10.3]]);

async function open(o: Partial<ExchangeOptions> = {}): Promise<void> {
  ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [ABC], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0, ...o });
}

interface Conn {
  ws: WebSocket;
  msgs: Msg[];
  closed: Promise<number>;
}

async function connect(path: "/stream" | "/v2/iex", msgpack = false): Promise<Conn> {
  const ws = new WebSocket(`${ex.wsUrl}${path}`, { headers: msgpack ? { "Content-Type": "application/msgpack" } : {} });
  const msgs: Msg[] = [];
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    const m = (isBinary ? decode(data) : JSON.parse(data.toString("utf8"))) as Msg | Msg[];
    msgs.push(...(Array.isArray(m) ? m : [m]));
  });
  ws.on("error", () => undefined);
  const closed = new Promise<number>((r) => ws.on("close", (code) => r(code)));
  await new Promise((r) => ws.on("open", r));
  return { ws, msgs, closed };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rest(path: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; body: Msg }> {
  const r = await fetch(`${ex.url}${path}`, {
    method: init.method ?? "GET", body: init.body,
    headers: { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET, "content-type": "application/json" },
  });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Msg) : {} };
}

describe("the trading stream (/stream) ignores frames that are not messages", () => {
  it("answers null, numbers, arrays, garbage text and binary with an error, counts them, and keeps the connection", async () => {
    await open();
    const c = await connect("/stream");
    const frames: (string | Buffer)[] = ["null", "42", "[]", "\"auth\"", "{not json", Buffer.from([0xc1, 0xff, 0x00])];
    for (const f of frames) c.ws.send(f);
    await until(() => c.msgs.length === frames.length);
    expect(c.msgs.every((m) => m.action === "error")).toBe(true);
    expect(ex.framesRefused).toBe(frames.length);
    // Still the same, working connection.
    c.ws.send(JSON.stringify({ action: "authenticate", data: { key_id: KEY, secret_key: SECRET } }));
    await until(() => c.msgs.some((m) => m.stream === "authorization"));
    expect(c.msgs.at(-1)).toEqual({ stream: "authorization", data: { status: "authorized", action: "authenticate" } });
    c.ws.close();
  });

  it("does not parse a large frame before authentication", async () => {
    await open();
    const c = await connect("/stream");
    c.ws.send(JSON.stringify({ action: "authenticate", data: { key_id: KEY, secret_key: SECRET, pad: "x".repeat(5000) } }));
    await until(() => c.msgs.length === 1);
    expect(c.msgs[0]).toEqual({ action: "error", data: { error_message: "access key verification failed" } });
    c.ws.close();
  });
});

describe("the market-data stream (/v2/iex)", () => {
  it("answers null and garbage with 400 invalid syntax (JSON and msgpack), counted, connection kept", async () => {
    await open();
    const c = await connect("/v2/iex", true);
    await until(() => c.msgs.length === 1);
    c.ws.send(Buffer.from(encode(null)), { binary: true });
    c.ws.send(Buffer.from([0xc1]), { binary: true }); // 0xc1: never used in msgpack
    c.ws.send("null");
    c.ws.send(Buffer.from(encode(7)), { binary: true });
    await until(() => c.msgs.length === 5);
    expect(c.msgs.slice(1)).toEqual(Array.from({ length: 4 }, () => ({ T: "error", code: 400, msg: "invalid syntax" })));
    expect(ex.framesRefused).toBe(4);
    c.ws.send(Buffer.from(encode({ action: "auth", key: KEY, secret: SECRET })), { binary: true });
    await until(() => c.msgs.some((m) => m.msg === "authenticated"));
    c.ws.close();
  });

  it("decodes nothing bigger than an auth message before authentication: 401, not decoded", async () => {
    await open();
    const c = await connect("/v2/iex", true);
    await until(() => c.msgs.length === 1);
    // 40 KB of msgpack that would decode to a big array: refused unread.
    c.ws.send(Buffer.from(encode({ action: "subscribe", bars: Array.from({ length: 5000 }, (_v, i) => `S${i}`) })), { binary: true });
    await until(() => c.msgs.length === 2);
    expect(c.msgs[1]).toEqual({ T: "error", code: 401, msg: "not authenticated" });
    expect(ex.framesRefused).toBe(1);
    c.ws.close();
  });

  it("closes a connection that sends a frame over the limit (1009) and stays up for others", async () => {
    await open({ maxFrameBytes: 4096 });
    const c = await connect("/v2/iex");
    c.ws.send("x".repeat(10_000));
    expect(await c.closed).toBe(1009);
    expect(ex.framesRefused).toBe(1);
    const d = await connect("/v2/iex");
    d.ws.send(JSON.stringify({ action: "auth", key: KEY, secret: SECRET }));
    await until(() => d.msgs.some((m) => m.msg === "authenticated"));
    d.ws.close();
    expect((await rest("/v2/clock")).status).toBe(200);
  });

  it("refuses a subscription beyond the symbol cap with 405 and keeps the earlier one", async () => {
    await open({ maxSymbolsPerConnection: 3 });
    const c = await connect("/v2/iex");
    c.ws.send(JSON.stringify({ action: "auth", key: KEY, secret: SECRET }));
    await until(() => c.msgs.some((m) => m.msg === "authenticated"));
    c.ws.send(JSON.stringify({ action: "subscribe", bars: ["ABC", "XYZ"] }));
    await until(() => c.msgs.some((m) => m.T === "subscription"));
    c.ws.send(JSON.stringify({ action: "subscribe", trades: ["A1", "A2"] }));
    await until(() => c.msgs.some((m) => m.T === "error"));
    expect(c.msgs.at(-1)).toEqual({ T: "error", code: 405, msg: "symbol limit exceeded" });
    ex.stepBars(1);
    await until(() => c.msgs.some((m) => m.T === "b" && m.S === "ABC"));
    c.ws.close();
  });

  it("refuses a subscribe flood whole: REST keeps answering at once", async () => {
    await open();
    const c = await connect("/v2/iex");
    c.ws.send(JSON.stringify({ action: "auth", key: KEY, secret: SECRET }));
    await until(() => c.msgs.some((m) => m.msg === "authenticated"));
    // 5 000 names fit in one 64 KiB frame; the default cap (1 000) refuses them all.
    for (let k = 0; k < 10; k++) c.ws.send(JSON.stringify({ action: "subscribe", bars: Array.from({ length: 5000 }, (_v, i) => `S${k}_${i}`) }));
    await until(() => c.msgs.filter((m) => m.code === 405).length === 10);
    c.ws.send(JSON.stringify({ action: "subscribe", bars: [] }));
    await until(() => c.msgs.some((m) => m.T === "subscription"));
    expect(c.msgs.find((m) => m.T === "subscription")?.bars).toEqual([]);
    expect((await rest("/v2/account")).status).toBe(200);
    c.ws.close();
  });
});

describe("REST refuses malformed requests in Alpaca's envelope", () => {
  it("answers bad %-encoding in a path with 400, not 500", async () => {
    await open();
    for (const p of ["/v2/orders/%E0%A4%A", "/v2/positions/%ZZ", "/v2/account/activities/%"]) {
      const r = await rest(p);
      expect([p, r.status, r.body.code]).toEqual([p, 400, 40010001]);
    }
    expect((await rest("/v2/orders/%E0%A4%A", { method: "DELETE" })).status).toBe(400);
  });

  it("answers a malformed JSON body with 400 40010001", async () => {
    await open();
    const r = await rest("/v2/orders", { method: "POST", body: "{\"symbol\":" });
    expect([r.status, r.body.code]).toEqual([400, 40010001]);
  });

  it.each(["0x10", "1e3", " 5", "5 ", "NaN", "Infinity", "-1", "+5", "", "1,000", "0b11"])(
    "refuses limit_price %j with 422 40010001 naming the field",
    async (price) => {
      await open();
      const r = await rest("/v2/orders", { method: "POST", body: JSON.stringify({ symbol: "ABC", qty: "1", side: "buy", type: "limit", time_in_force: "day", limit_price: price }) });
      expect([r.status, r.body.code]).toEqual([422, 40010001]);
      expect(String(r.body.message)).toContain("limit_price");
    },
  );

  it("refuses qty \"0x10\" and a replace's stop_price \"1e1\"; takes \"10\", 10 and \"10.50\"", async () => {
    await open();
    const order = (o: Msg): Promise<{ status: number; body: Msg }> => rest("/v2/orders", { method: "POST", body: JSON.stringify({ symbol: "ABC", side: "buy", time_in_force: "day", ...o }) });
    const q = await order({ qty: "0x10", type: "market" });
    expect([q.status, String(q.body.message)]).toEqual([422, expect.stringContaining("qty")]);
    expect((await order({ qty: "10", type: "limit", limit_price: "9.50" })).status).toBe(200);
    expect((await order({ qty: 10, type: "limit", limit_price: 9.5 })).status).toBe(200);
    const l = await order({ qty: "1", type: "limit", limit_price: "10.50" });
    expect(l.status).toBe(200);
    const r = await rest(`/v2/orders/${String(l.body.id)}`, { method: "PATCH", body: JSON.stringify({ limit_price: "1e1" }) });
    expect([r.status, r.body.code, String(r.body.message)]).toEqual([422, 40010001, expect.stringContaining("limit_price")]);
  });
});

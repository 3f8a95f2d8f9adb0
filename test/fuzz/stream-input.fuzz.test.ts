import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { encode, decode } from "@msgpack/msgpack";
import { WebSocketServer, type WebSocket } from "ws";
import { pino } from "pino";
import { StreamInput, barFromStream, feedBarProblem, tradeUpdateProblem, type InputRejection } from "../../src/daemon/stream-input.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import { startExchange, type Exchange } from "../../src/exchange/server.ts";
import { createAlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { alpacaPort } from "../../src/adapters/alpaca/port.ts";
import { defaultConfig } from "../../src/config/load.ts";
import { series } from "../exchange/helpers.ts";

/**
 * Bad stream input: what the daemon does with stocks-stream bars and trade_updates that are
 * malformed, out of range or not what they claim. The SDK decodes frames and checks nothing; the
 * daemon's boundary (src/daemon/stream-input.ts) refuses each bad message with what was wrong and
 * where, counts it, journals it, and goes on with the next.
 */

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 300), seed: Number(process.env.FUZZ_SEED ?? 5) };
const SYMBOLS = ["AAA", "BBB"];
const T0 = Date.UTC(2024, 0, 2, 14, 30);

const anything = fc.anything({ withBigInt: true, withDate: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true, withMap: true });
const goodBar = (i: number, sym = "AAA") => ({ symbol: sym, open: 10, high: 10.5, low: 9.5, close: 10.2, volume: 1200, timestamp: new Date(T0 + i * 60_000) });

describe("fuzz: the stream boundary (pure)", () => {
  it("any bar-shaped value: a bar the engine can take, or null with a reason and a place, counted", () => {
    const reports: InputRejection[] = [];
    const input = new StreamInput(new Set(SYMBOLS), (r) => reports.push(r), Infinity);
    const field = fc.constantFrom("symbol", "open", "high", "low", "close", "volume", "timestamp");
    const mutated = fc.tuple(fc.nat(1000), field, anything).map(([i, k, v]) => ({ ...goodBar(i), [k]: v }));
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(anything, mutated), (raw) => {
        const b = input.streamBar(raw);
        if (b === null) {
          refused++;
          const r = reports[reports.length - 1];
          expect(r.source).toBe("stocks stream");
          expect(r.where).toMatch(/^bar #\d+/);
          expect(r.reason.length).toBeGreaterThan(0);
          expect(r.reason.length + r.where.length).toBeLessThan(400);
          return;
        }
        expect(feedBarProblem(b)).toBeNull();
        expect(SYMBOLS).toContain(b.symbol);
        for (const x of [b.tMs, b.open, b.high, b.low, b.close, b.volume]) expect(Number.isFinite(x)).toBe(true);
      }),
      RUNS,
    );
    expect(input.rejected["stocks stream"]).toBe(refused);
    expect(input.streamBarsRefused).toBe(refused);
    expect([...input.byReason.values()].reduce((a, b) => a + b, 0)).toBe(refused);
  });

  it("names what is wrong with a bar", () => {
    const why = (patch: Record<string, unknown>): string | null => {
      const r = barFromStream({ ...goodBar(1), ...patch });
      return typeof r === "string" ? r : feedBarProblem(r);
    };
    expect(why({})).toBeNull();
    expect(why({ symbol: undefined })).toBe("symbol undefined is missing or not a string");
    expect(why({ close: Number.NaN })).toBe("non-finite close");
    expect(why({ open: -1 })).toBe("price <= 0");
    expect(why({ volume: -5 })).toBe("volume < 0");
    expect(why({ high: 9 })).toBe("high < low");
    expect(why({ open: "10" })).toBe('open "10" is not a number');
    expect(why({ timestamp: new Date(Number.NaN) })).toBe("timestamp Invalid Date is not a valid time");
    expect(why({ timestamp: "2024-01-02T14:30:00Z" })).toBe('timestamp "2024-01-02T14:30:00Z" is not a valid time');
    expect(why({ timestamp: new Date(T0 + 30_000) })).toBe("timestamp 2024-01-02T14:30:30.000Z is not on a whole minute");
    expect(why({ open: 2e7, high: 2e7, low: 2e7, close: 2e7 })).toBe("high 20000000 is past 10000000");
    expect(why({ volume: 1e20 })).toBe("volume 100000000000000000000 is past 1000000000000");
  });

  it("any trade update: passed on whole, or refused with a reason and a place, counted", () => {
    const reports: InputRejection[] = [];
    const input = new StreamInput(new Set(SYMBOLS), (r) => reports.push(r), Infinity);
    const good = { event: "fill", executionId: "x1", qty: "10", price: "9.87", timestamp: new Date(T0), order: { id: "o1", clientOrderId: "c1" } };
    const field = fc.constantFrom("event", "executionId", "qty", "price", "timestamp", "order");
    const mutated = fc.tuple(field, anything).map(([k, v]) => ({ ...good, [k]: v }));
    const orderMutated = fc.tuple(fc.constantFrom("id", "clientOrderId"), anything).map(([k, v]) => ({ ...good, order: { ...good.order, [k]: v } }));
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(anything, mutated, orderMutated), (raw) => {
        const u = input.tradeUpdate(raw);
        if (u === null) {
          refused++;
          expect(reports[reports.length - 1].where).toMatch(/^update #\d+/);
          return;
        }
        expect(tradeUpdateProblem(u)).toBeNull();
        if (u.event === "fill" || u.event === "partial_fill") {
          expect(Number(u.qty)).toBeGreaterThan(0);
          expect(Number(u.price)).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
    expect(input.rejected["trading stream"]).toBe(refused);
    // An event type Alpaca adds later is taken (journaled and counted), not refused; a malformed name is refused.
    expect(tradeUpdateProblem({ ...good, event: "exploded" })).toBeNull();
    expect(tradeUpdateProblem({ ...good, event: "Bad Event!" })).toBe('event "Bad Event!" is not an event name');
    expect(tradeUpdateProblem({ ...good, qty: "ten" })).toBe('fill qty "ten" is not a positive number');
    expect(tradeUpdateProblem({ ...good, price: "-1" })).toBe('fill price "-1" is not a positive number');
    expect(tradeUpdateProblem({ ...good, order: {} })).toBe("order has neither an id nor a client_order_id");
    expect(tradeUpdateProblem({ ...good, timestamp: new Date(Number.NaN) })).toBe("timestamp Invalid Date is not a valid time");
  });

  it("a feed gone bad cannot flood the journal: the first N in full, then one in a thousand", () => {
    let reported = 0;
    const input = new StreamInput(new Set(SYMBOLS), () => reported++, 50);
    for (let i = 0; i < 5000; i++) input.streamBar({ nope: i });
    expect(input.total).toBe(5000);
    expect(reported).toBe(50 + 5);
    expect([...input.byReason.values()]).toEqual([5000]);
    // Endless distinct garbage does not grow the tally: values are folded out of the reasons.
    for (let i = 0; i < 5000; i++) input.streamBar({ ...goodBar(i), symbol: `Z${i}`, open: -i });
    for (let i = 0; i < 5000; i++) input.streamBar({ ...goodBar(i), symbol: "x".repeat(i % 300), close: `${i}` });
    expect(input.byReason.size).toBeLessThanOrEqual(5);
  });
});

/** Stream servers speaking just enough of Alpaca's protocol to let the SDK in, then sending whatever a test gives them. */
async function fakeStreams(): Promise<{ url: string; stocks: (frame: Uint8Array) => void; trading: (text: string) => void; close(): Promise<void> }> {
  const clients = { stocks: [] as WebSocket[], trading: [] as WebSocket[] };
  const server: Server = createServer();
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) => {
    if (req.url?.startsWith("/v2/")) {
      clients.stocks.push(ws);
      ws.send(encode([{ T: "success", msg: "connected" }]));
      ws.on("message", (data) => {
        const m = decode(data as Buffer) as { action?: string; bars?: string[] };
        if (m.action === "auth") ws.send(encode([{ T: "success", msg: "authenticated" }]));
        if (m.action === "subscribe") ws.send(encode([{ T: "subscription", trades: [], quotes: [], bars: m.bars ?? [], updatedBars: [], dailyBars: [], statuses: [], lulds: [] }]));
      });
    } else {
      clients.trading.push(ws);
      ws.on("message", (data) => {
        const m = JSON.parse(String(data)) as { action?: string };
        if (m.action === "authenticate") ws.send(JSON.stringify({ stream: "authorization", data: { status: "authorized", action: "authenticate" } }));
        if (m.action === "listen") ws.send(JSON.stringify({ stream: "listening", data: { streams: ["trade_updates"] } }));
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    stocks: (frame) => clients.stocks.forEach((ws) => ws.send(frame, { binary: true })),
    trading: (text) => clients.trading.forEach((ws) => ws.send(text)),
    close: async () => {
      for (const ws of [...clients.stocks, ...clients.trading]) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("fuzz: bad frames into a running daemon", () => {
  let ex: Exchange;
  let fake: Awaited<ReturnType<typeof fakeStreams>>;
  let daemon: Daemon;
  const stateDir = mkdtempSync(join(tmpdir(), "sw-fuzz-stream-"));
  beforeAll(async () => {
    const keyId = "PKFUZZSTREAM";
    const secretKey = "fuzz-stream-secret-key";
    ex = await startExchange({ keyId, secretKey, bars: SYMBOLS.map((s) => series(s, [[10, 10, 10, 10]], T0 - 60 * 60_000)), speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 });
    fake = await fakeStreams();
    daemon = await Daemon.open({
      config: defaultConfig(),
      symbols: SYMBOLS,
      stateDir,
      log: pino({ level: "silent" }),
      port: alpacaPort(createAlpacaClient({ keyId, secretKey, baseUrl: ex.url })),
      stocksUrl: `${fake.url}/v2/iex`,
      tradingUrl: `${fake.url}/stream`,
      broker: "local",
      clock: { nowMs: () => ex.nowMs },
      secrets: [keyId, secretKey],
      newRunStartMs: T0 - 60 * 60_000,
      resume: false,
      retryDelayMs: 5,
      calendarUntilMs: T0 + 86_400_000,
    });
    await daemon.start();
  });
  afterAll(async () => {
    await daemon?.stop("test over", false);
    await fake?.close();
    await ex?.close();
  });

  it("refuses, counts and journals every bad bar, update and frame; every good one gets through; nothing crashes", async () => {
    type Msg = { kind: "bar" | "badBar" | "stockJunk" | "update" | "badUpdate" | "tradeJunk"; send: () => void };
    let minute = 0;
    const validBar = fc.constantFrom(...SYMBOLS).map((sym) => ({ sym }));
    const badPatch = fc.constantFrom<Record<string, unknown>>(
      { S: undefined }, { S: 42 }, { S: "ZZZZ" }, { o: Number.NaN }, { o: -1 }, { o: "10" }, { o: null }, { h: 1 }, { v: -5 }, { v: 1e20 },
      { t: undefined }, { t: "garbage" }, { t: "half", half: true }, { c: 99 }, { o: 2e7, h: 2e7, l: 2e7, c: 2e7 }, { h: Number.POSITIVE_INFINITY },
    );
    const badUpdate = fc.constantFrom<Record<string, unknown>>(
      { event: "bogus event!" }, { qty: "abc" }, { price: "-5" }, { price: "1e9" }, { order: {} }, { order: { id: 5 } }, { timestamp: "not a date" }, { qty: undefined }, { execution_id: { a: 1 } },
    );
    const stockJunk = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Uint8Array.from([0xc1, ...b])), // 0xc1: never valid msgpack
      fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.dictionary(fc.string(), fc.integer())).map((v) => encode(v)),
      fc.array(fc.oneof(fc.integer(), fc.string(), fc.constant(null)), { minLength: 1, maxLength: 3 }).map((v) => encode(v)),
    );
    const tradeJunk = fc.oneof(
      fc.string({ maxLength: 30 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }),
      fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.integer())).map((v) => JSON.stringify(v)),
      anything.map((v) => JSON.stringify({ stream: "trade_updates", data: { event: "fill", order: typeof v === "object" && v !== null ? 7 : (v ?? 7) } })),
    );
    const msg: fc.Arbitrary<Msg> = fc.oneof(
      validBar.map(({ sym }) => ({ kind: "bar" as const, send: () => fake.stocks(encode([{ T: "b", S: sym, o: 10, h: 10.5, l: 9.5, c: 10.2, v: 1000, t: new Date(T0 + ++minute * 60_000) }])) })),
      badPatch.map((p) => ({
        kind: "badBar" as const,
        send: () => {
          const base: Record<string, unknown> = { T: "b", S: "AAA", o: 10, h: 10.5, l: 9.5, c: 10.2, v: 1000, t: new Date(T0 + (minute + 1) * 60_000 + (p.half ? 30_000 : 0)) };
          const { half: _h, ...patch } = p;
          const m: Record<string, unknown> = { ...base, ...patch };
          for (const k of Object.keys(m)) if (m[k] === undefined) delete m[k];
          fake.stocks(encode([m]));
        },
      })),
      stockJunk.map((f) => ({ kind: "stockJunk" as const, send: () => fake.stocks(f) })),
      fc.constantFrom("new", "canceled", "fill", "expired").map((event) => ({
        kind: "update" as const,
        send: () => fake.trading(JSON.stringify({ stream: "trade_updates", data: { event, execution_id: `x${minute}-${Math.random()}`, qty: "5", price: "10.01", timestamp: new Date(T0).toISOString(), order: { id: `o${minute}`, client_order_id: `fuzz.c${minute}` } } })),
      })),
      badUpdate.map((p) => ({
        kind: "badUpdate" as const,
        send: () => {
          const data: Record<string, unknown> = { event: "fill", execution_id: "xb", qty: "5", price: "10.01", timestamp: new Date(T0).toISOString(), order: { id: "ob", client_order_id: "fuzz.bad" }, ...p };
          for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
          fake.trading(JSON.stringify({ stream: "trade_updates", data }));
        },
      })),
      tradeJunk.map((t) => ({ kind: "tradeJunk" as const, send: () => fake.trading(t) })),
    );
    const msgs = fc.sample(msg, { numRuns: 400, seed: RUNS.seed });
    const count = (k: Msg["kind"]): number => msgs.filter((m) => m.kind === k).length;
    const updatesBefore = daemon.venue.updatesSeen;
    for (const m of msgs) {
      m.send();
      await new Promise((r) => setImmediate(r));
    }
    const expected = {
      bars: count("bar"),
      barsRefused: count("badBar"),
      stocks: count("badBar") + count("stockJunk"),
      updates: count("update"),
      trading: count("badUpdate") + count("tradeJunk"),
    };
    const seen = () => ({
      bars: daemon.liveBars,
      barsRefused: daemon.input.streamBarsRefused,
      stocks: daemon.input.rejected["stocks stream"],
      updates: daemon.venue.updatesSeen - updatesBefore,
      trading: daemon.input.rejected["trading stream"],
    });
    const t0 = Date.now();
    while (JSON.stringify(seen()) !== JSON.stringify(expected) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(seen()).toEqual(expected);
    expect(Object.values(expected).every((n) => n > 10)).toBe(true);
    expect(daemon.input.rejected["REST bars"]).toBe(0);

    // The journal has the first 50 refusals, each saying what and where.
    await new Promise((r) => setTimeout(r, 50));
    const events = daemon.journal.readDay(daemon.today());
    const refusals = events.filter((e) => e.type === "rejection" && typeof e.source === "string");
    expect(refusals).toHaveLength(50);
    for (const r of refusals) {
      expect(["stocks stream", "trading stream"]).toContain(r.source);
      expect(String(r.where)).toMatch(/^(bar|update|frame after message) #?\d*/);
      expect(String(r.reason).length).toBeGreaterThan(5);
    }
    // Bars still flow after all that: the engine took every good one, in order.
    expect(daemon.engine.result.bars).toBe(expected.bars);
  }, 60_000);
});

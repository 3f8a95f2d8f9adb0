import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import { ApiError, TimeFrame } from "@alpacahq/alpaca-trade-api";
import type { BarSeries } from "../../src/core/bars.ts";
import { generateSeries } from "../../src/data/generator.ts";
import type { Exchange, ExchangeOptions } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { logFileOf } from "../../src/exchange/persist.ts";
import { series } from "./helpers.ts";
import { apiError, client, idOf, KEY, SECRET } from "./sdk-helpers.ts";

const open: Exchange[] = [];
afterEach(async () => {
  for (const ex of open.splice(0)) await ex.close();
});

function stateFile(): string {
  return join(mkdtempSync(join(tmpdir(), "sw-ex-persist-")), "exchange", "book.json");
}

async function start(o: ExchangeOptions): Promise<{ ex: Exchange; alpaca: Alpaca }> {
  const ex = await startExchange(o);
  open.push(ex);
  return { ex, alpaca: client(ex) };
}

const GEN = generateSeries({ seed: 11, symbols: ["AAA", "BBB"], days: 1, selloffProb: 0 });
const baseOpts = (persistFile?: string, bars: readonly BarSeries[] = GEN): ExchangeOptions => ({
  keyId: KEY, secretKey: SECRET, bars, speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0.1,
  partialFill: { fraction: 0.5, seed: 9 }, persistFile,
});

/** What a client does at replay minute `i`; every outcome (order or refusal) is recorded. */
async function act(i: number, ex: Exchange, alpaca: Alpaca, log: string[]): Promise<void> {
  const px = (s: string): number => ex.book.price(s) ?? 0;
  const tried = async (what: string, p: Promise<{ id?: string }>): Promise<void> => {
    try {
      await p;
      log.push(`${i} ${what} ok`);
    } catch (e) {
      log.push(`${i} ${what} ${e instanceof ApiError ? e.status : String(e)}`);
    }
  };
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  if (i % 20 === 3) await tried("market", alpaca.trading.orders.market({ symbol: "AAA", qty: 10 + (i % 7), side: "buy", clientOrderId: `m-${i}` }));
  if (i % 20 === 8) {
    await tried("bracket", alpaca.trading.orders.bracket({ symbol: "BBB", side: "buy", qty: 6, timeInForce: "day", clientOrderId: `b-${i}`, takeProfit: { limitPrice: r2(px("BBB") * 1.004) }, stopLoss: { stopPrice: r2(px("BBB") * 0.996) } }));
  }
  if (i % 20 === 13) await tried("stop", alpaca.trading.orders.stop({ symbol: "AAA", side: "sell", qty: 5, stopPrice: r2(px("AAA") * 0.997), timeInForce: "gtc", clientOrderId: `s-${i}` }));
  if (i % 20 === 17) await tried("limit", alpaca.trading.orders.limit({ symbol: "AAA", side: "buy", qty: 3, limitPrice: r2(px("AAA") * 0.99), timeInForce: "day", clientOrderId: `l-${i}` }));
  if (i % 40 === 19) {
    const o = await alpaca.trading.orders.getOrderByClientOrderId({ clientOrderId: `l-${i - 2}` });
    await tried("cancel", alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(o) }).then(() => ({})));
    await settled();
  }
}

/** Lets pending cancels complete: the default cancel delay is 0 ms of wall clock, a timer set before this one. */
async function settled(): Promise<void> {
  await new Promise((r) => setTimeout(r, 5));
}

type Order = Awaited<ReturnType<Alpaca["trading"]["orders"]["getAllOrders"]>>[number];
type Leg = NonNullable<Order["legs"]>[number];
type Shown = "symbol" | "side" | "type" | "qty" | "filledQty" | "filledAvgPrice" | "status" | "createdAt" | "filledAt" | "canceledAt" | "expiredAt";

/** Everything a client can see, without the random ids. */
async function view(alpaca: Alpaca): Promise<unknown> {
  const orders = await alpaca.trading.orders.getAllOrders({ status: "all", nested: true, limit: 500, direction: "asc" });
  const strip = (o: Pick<Order, Shown> | Pick<Leg, Shown>): unknown[] => [o.symbol, o.side, o.type, o.qty, o.filledQty, o.filledAvgPrice, o.status, o.createdAt, o.filledAt, o.canceledAt, o.expiredAt];
  const fills = await alpaca.trading.collectActivities({ activityTypes: ["FILL"], direction: "asc" });
  const bars = await alpaca.marketData.getStockBars({ symbols: ["AAA", "BBB"], timeframe: TimeFrame.Minute, start: new Date(0) });
  return {
    orders: orders.map((o) => [o.clientOrderId?.startsWith("m-") || o.clientOrderId?.match(/^[bsl]-/) ? o.clientOrderId : "", ...strip(o), (o.legs ?? []).map(strip)]),
    fills: fills.map((f) => [f.type, f.symbol, f.side, f.price, f.qty, f.leavesQty, f.cumQty, f.orderStatus, f.transactionTime?.toISOString()]),
    account: await alpaca.trading.account.getAccount().then((a) => [a.cash, a.equity, a.buyingPower]),
    positions: await alpaca.trading.positions.getAllOpenPositions().then((ps) => ps.map((p) => [p.symbol, p.qty, p.avgEntryPrice])),
    clock: (await alpaca.trading.clock.legacyClock()).timestamp.toISOString(),
    bars: Object.fromEntries(Object.entries(bars).map(([s, b]) => [s, b.length])),
  };
}

async function run(ex: Exchange, alpaca: Alpaca, from: number, to: number, log: string[]): Promise<void> {
  for (let i = from; i < to; i++) {
    await act(i, ex, alpaca, log);
    ex.stepBars(1);
  }
}

describe("exchange persistence", () => {
  it("resumes mid-replay exactly where an uninterrupted run would be, down to the partial-fill draws", async () => {
    const N = 120;
    const whole = await start(baseOpts());
    const wholeLog: string[] = [];
    await run(whole.ex, whole.alpaca, 0, N, wholeLog);

    const file = stateFile();
    const first = await start(baseOpts(file));
    expect(first.ex.resumed).toBe(false);
    const log: string[] = [];
    await run(first.ex, first.alpaca, 0, 70, log);
    const before = await view(first.alpaca);
    const ids = (await first.alpaca.trading.orders.getAllOrders({ status: "all", limit: 500 })).map((o) => [o.clientOrderId, o.id]);
    const fillIds = (await first.alpaca.trading.collectActivities({ activityTypes: ["FILL"] })).map((f) => f.id);
    // Abandoned, not closed: nothing is flushed (and close() would flush nothing either).
    const second = await start(baseOpts(file));
    expect(second.ex.resumed).toBe(true);
    expect(second.ex.nowMs).toBe(first.ex.nowMs);
    expect(await view(second.alpaca)).toEqual(before);
    expect((await second.alpaca.trading.orders.getAllOrders({ status: "all", limit: 500 })).map((o) => [o.clientOrderId, o.id])).toEqual(ids);
    expect((await second.alpaca.trading.collectActivities({ activityTypes: ["FILL"] })).map((f) => f.id)).toEqual(fillIds);
    const dup = await apiError(second.alpaca.trading.orders.market({ symbol: "AAA", qty: 1, side: "buy", clientOrderId: "m-3" }));
    expect([dup.status, dup.message]).toEqual([422, "client_order_id must be unique"]);

    await run(second.ex, second.alpaca, 70, N, log);
    expect(log).toEqual(wholeLog);
    expect(log.filter((l) => l.endsWith(" ok")).length).toBeGreaterThan(15);
    const want = (await view(whole.alpaca)) as { fills: unknown[][] };
    expect(want.fills.some((f) => f[0] === "partial_fill")).toBe(true);
    expect(await view(second.alpaca)).toEqual(want);
  });

  it("completes a cancel that was pending when the process stopped; keeps accepted orders accepted", async () => {
    const file = stateFile();
    const bars = [series("ABC", [[10, 10, 10, 10], [10, 10, 10, 10], [10, 10, 10, 10]])];
    const a = await start({ ...baseOpts(file, bars), partialFill: undefined, cancelDelayMs: 600_000 });
    a.ex.stepBars(1);
    const o = await a.alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    await a.alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(o) });
    expect(a.ex.book.order(idOf(o))?.status).toBe("pending_cancel");
    const r = await start({ ...baseOpts(file, bars), partialFill: undefined });
    expect(r.ex.book.order(idOf(o))?.status).toBe("pending_cancel");
    await settled();
    expect((await r.alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(o) })).status).toBe("canceled");
  });

  it("restores a bracket whose exits are held, which then arm and work as an OCO", async () => {
    const file = stateFile();
    const bars = [series("ABC", [[10, 10, 10, 10], [10, 10, 10, 10], [10.2, 10.8, 10.1, 10.6], [10.6, 10.7, 10.5, 10.6]])];
    const a = await start({ ...baseOpts(file, bars), partialFill: undefined, frictionPctRoundTrip: 0 });
    a.ex.stepBars(1);
    const b = await a.alpaca.trading.orders.bracket({ symbol: "ABC", side: "buy", qty: 4, timeInForce: "gtc", takeProfit: { limitPrice: 10.5 }, stopLoss: { stopPrice: 9.5 } });
    expect(b.legs?.map((l) => l.status)).toEqual(["held", "held"]);
    const r = await start({ ...baseOpts(file, bars), partialFill: undefined, frictionPctRoundTrip: 0 });
    const sell = await apiError(r.alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "sell", limitPrice: 20, timeInForce: "gtc" }));
    expect([sell.status, sell.message]).toEqual([422, "potential wash trade detected. use complex orders"]); // the restored entry still rests
    const stop = await apiError(r.alpaca.trading.orders.stop({ symbol: "ABC", qty: 1, side: "sell", stopPrice: 9, timeInForce: "gtc" }));
    // The restored entry still rests: a sell stop beside it is a potential wash trade (Alpaca's table), refused before the held-qty check.
    expect([stop.status, stop.message]).toEqual([422, "potential wash trade detected. use complex orders"]);
    r.ex.stepBars(1); // the entry fills at 10; the exits arm
    r.ex.stepBars(1); // high 10.8 trades through the 10.5 take-profit
    const after = await r.alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(b) });
    expect([after.status, after.legs?.map((l) => [l.type, l.status, l.filledAvgPrice])]).toEqual(["filled", [["limit", "filled", "10.5"], ["stop", "canceled", undefined]]]);
    expect(Number((await r.alpaca.trading.account.getAccount()).cash)).toBeCloseTo(100_000 - 40 + 42, 9);
  });

  it("refuses to resume on other data or settings, naming what differs", async () => {
    const file = stateFile();
    const a = await start(baseOpts(file));
    a.ex.stepBars(30);
    await expect(startExchange({ ...baseOpts(file), initialCashUsd: 50_000 })).rejects.toThrow(/initial cash differs \(saved 100000; now 50000\)/);
    await expect(startExchange({ ...baseOpts(file), frictionPctRoundTrip: 0 })).rejects.toThrow(/friction differs/);
    await expect(startExchange(baseOpts(file, [GEN[0]]))).rejects.toThrow(/symbols differ \(saved AAA,BBB; data AAA\)/);
    await expect(startExchange(baseOpts(file, generateSeries({ seed: 11, symbols: ["AAA", "BBB"], days: 1, startDay: "2024-01-03", selloffProb: 0 })))).rejects.toThrow(/first bar time differs/);
    // Same symbols and first bar, but a bar inside the replayed 30 minutes changed.
    const edited = GEN.map((s) => ({ ...s, close: Float64Array.from(s.close) }));
    edited[1].close[12] += 0.01;
    await expect(startExchange(baseOpts(file, edited))).rejects.toThrow(/bars differ/);
    // A change after the replayed part does not matter: those bars were never seen.
    const later = GEN.map((s) => ({ ...s, close: Float64Array.from(s.close) }));
    later[1].close[200] += 0.01;
    const ok = await start(baseOpts(file, later));
    expect(ok.ex.resumed).toBe(true);
  });

  it("starts fresh after a finished replay and moves its files aside", async () => {
    const file = stateFile();
    const bars = [series("ABC", [[10, 10, 10, 10], [10, 10, 10, 10]])];
    const a = await start({ ...baseOpts(file, bars), partialFill: undefined });
    a.ex.stepBars(1);
    await a.alpaca.trading.orders.market({ symbol: "ABC", qty: 1, side: "buy", clientOrderId: "x" });
    a.ex.stepBars(5);
    expect(a.ex.done).toBe(true);
    const b = await start({ ...baseOpts(file, bars), partialFill: undefined });
    expect(b.ex.resumed).toBe(false);
    expect(b.ex.book.allOrders()).toEqual([]);
    const names = readdirSync(join(file, ".."));
    expect(names.filter((n) => /^book\.json\.\d{4}-\d\d-\d\dT/.test(n))).toHaveLength(1);
    expect(names.filter((n) => /^book\.history\.jsonl\.\d{4}-\d\d-\d\dT/.test(n))).toHaveLength(1);
    expect(names.filter((n) => n === "book.json" || n === "book.history.jsonl")).toHaveLength(2);
  });

  it("keeps the snapshot the size of what is open, however many orders have finished", async () => {
    const file = stateFile();
    const { ex, alpaca } = await start({ ...baseOpts(file), compactBytes: 0 }); // a snapshot on every save, so its size is measured after each
    ex.stepBars(1);
    const size = (): number => statSync(file).size;
    const place = (cid: string): ReturnType<Alpaca["trading"]["orders"]["limit"]> =>
      alpaca.trading.orders.limit({ symbol: "AAA", qty: 1, side: "buy", limitPrice: 1, timeInForce: "gtc", clientOrderId: cid });
    await place("keep");
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(await place("first")) });
    await settled();
    const small = size();
    for (let i = 0; i < 200; i++) await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(await place(`c-${i}`)) });
    await settled();
    expect(Math.abs(size() - small)).toBeLessThan(50); // digits of counters may grow; 200 orders would add ~200 kB
    expect(statSync(logFileOf(file)).size).toBeGreaterThan(200 * 500);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(logFileOf(file)).mode & 0o777).toBe(0o600);
    const r = await start(baseOpts(file));
    expect(r.ex.book.allOrders()).toHaveLength(202);
    expect((await apiError(r.alpaca.trading.orders.market({ symbol: "AAA", qty: 1, side: "buy", clientOrderId: "c-150" }))).status).toBe(422);
  });

  it("ignores history a crash appended after the last snapshot, and cuts it off", async () => {
    const file = stateFile();
    const { ex, alpaca } = await start(baseOpts(file));
    ex.stepBars(1);
    await alpaca.trading.orders.deleteOrderByOrderID({
      orderId: idOf(await alpaca.trading.orders.limit({ symbol: "AAA", qty: 1, side: "buy", limitPrice: 1, timeInForce: "gtc", clientOrderId: "gone" })),
    });
    await settled();
    const log = logFileOf(file);
    const good = readFileSync(log);
    appendFileSync(log, '{"k":"exec","id":"half-writ');
    const r = await start(baseOpts(file));
    expect(r.ex.book.executions()).toEqual([]);
    expect(r.ex.book.orderByClientId("gone")?.status).toBe("canceled");
    expect(readFileSync(log)).toEqual(good);
  });

  it("tells clients nothing the disk does not hold: a failed save answers 500 and holds back the trade update", async () => {
    const file = stateFile();
    const { ex, alpaca } = await start({ ...baseOpts(file), partialFill: undefined, compactBytes: 0 }); // a snapshot on every save: the blocker below fails each one
    const trading = alpaca.trading.stream({ url: `${ex.wsUrl}/stream`, pingIntervalMs: 60_000 });
    const seen: string[] = [];
    trading.onTradeUpdate((u) => seen.push(u.event));
    trading.onConnect(() => trading.subscribeTradeUpdates());
    trading.connect();
    try {
      await trading.whenAuthenticated();
      await new Promise((r) => setTimeout(r, 100));
      ex.stepBars(1);
      // A directory where the snapshot's temp file goes makes every save fail.
      const blocker = `${file}.tmp-${process.pid}`;
      mkdirSync(blocker);
      const e = await apiError(alpaca.trading.orders.market({ symbol: "AAA", qty: 3, side: "buy", clientOrderId: "unsaved" }));
      expect(e.status).toBe(500);
      expect(() => ex.stepBars(1)).toThrow(/EISDIR|illegal operation on a directory/);
      await new Promise((r) => setTimeout(r, 150));
      expect(seen).toEqual([]);
      rmdirSync(blocker);
      ex.stepBars(1);
      const t0 = Date.now();
      while (seen.length < 2 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 5));
      expect(seen).toEqual(["new", "fill"]);
      expect(readFileSync(logFileOf(file), "utf8")).toContain('"client_order_id":"unsaved"');
    } finally {
      trading.disconnect();
    }
  });

  it("says so when the snapshot is unreadable", async () => {
    const file = stateFile();
    await start(baseOpts(file));
    writeFileSync(file, "{not json");
    chmodSync(file, 0o600);
    await expect(startExchange(baseOpts(file))).rejects.toThrow(/exchange state .*book\.json is unreadable/);
    expect(existsSync(file)).toBe(true);
  });
});

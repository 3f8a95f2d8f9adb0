import { afterEach, describe, expect, it } from "vitest";
import { TimeFrame } from "@alpacahq/alpaca-trade-api";
import type { BarSeries } from "../../src/core/bars.ts";
import type { Exchange } from "../../src/exchange/server.ts";
import { etToUtcMs, NyTime } from "../../src/core/ny-time.ts";
import { series } from "./helpers.ts";
import { idOf, openExchange, RAW_HEADERS } from "./sdk-helpers.ts";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";

/**
 * Daily bars on the local exchange (issue 14, item 3): 1Day files replayed session by session, a
 * session's bar known only at its close (REST 1Day, stream `d`), and a market day order sent
 * after the close queued for the next open, where it fills at the next daily bar's open (Alpaca's
 * time_in_force docs: "If submitted after the close, it is queued and submitted the following
 * trading day").
 */

const ny = new NyTime();
/** 00:00 New York of an ISO day: Alpaca's `t` for that session's 1Day bar. */
const dayT = (iso: string): number => etToUtcMs(ny.etDay(Date.parse(`${iso}T12:00:00Z`)), 0);
const closeOf = (iso: string): number => etToUtcMs(ny.etDay(Date.parse(`${iso}T12:00:00Z`)), 960);

/**
 * Friday 2024-01-05, Monday 2024-01-08, Tuesday 2024-01-09: [open, high, low, close]; plus a
 * Saturday row of after-hours trading, as the shared 1day CSVs hold, which no order may fill on.
 */
function daily(symbol: string, stamp: (iso: string) => number = dayT): BarSeries {
  const rows: [string, number, number, number, number][] = [
    ["2024-01-05", 100, 104, 99, 103],
    ["2024-01-06", 50, 50, 50, 50],
    ["2024-01-08", 105, 107, 104, 106],
    ["2024-01-09", 110, 111, 108, 109],
  ];
  return {
    symbol,
    length: rows.length,
    tMs: Float64Array.from(rows, (r) => stamp(r[0])),
    open: Float64Array.from(rows, (r) => r[1]),
    high: Float64Array.from(rows, (r) => r[2]),
    low: Float64Array.from(rows, (r) => r[3]),
    close: Float64Array.from(rows, (r) => r[4]),
    volume: Float64Array.from(rows, () => 1e6),
  };
}

let ex: Exchange | null = null;
afterEach(async () => {
  await ex?.close();
  ex = null;
});

async function dailyOnly(): Promise<{ ex: Exchange; alpaca: Alpaca }> {
  const o = await openExchange([], { dailyBars: [daily("SPY")] });
  ex = o.ex;
  return o;
}

describe("daily bars on the local exchange", () => {
  it("steps one session at a time, to its close; REST 1Day serves only sessions that have closed", async () => {
    const { ex, alpaca } = await dailyOnly();
    const got = async (): Promise<number[]> => {
      const r = await alpaca.marketData.getStockBars({ symbols: ["SPY"], timeframe: TimeFrame.Day, start: new Date(dayT("2024-01-01")), feed: "iex" });
      return (r.SPY ?? []).map((b) => b.close);
    };
    expect(await got()).toEqual([]);
    expect(ex.stepBars(1)).toBe(1);
    expect(ex.nowMs).toBe(closeOf("2024-01-05"));
    expect(await got()).toEqual([103]);
    const r = await alpaca.marketData.getStockBars({ symbols: ["SPY"], timeframe: TimeFrame.Day, start: new Date(dayT("2024-01-01")), feed: "iex" });
    // The bar keeps Alpaca's own timestamp: 00:00 New York of its session.
    expect(r.SPY?.[0].timestamp.getTime()).toBe(dayT("2024-01-05"));
    ex.stepBars(2);
    expect(ex.done).toBe(true);
    // The Saturday row is not a session: skipped, never published.
    expect(ex.dailyBarsPublished).toBe(3);
    expect(await got()).toEqual([103, 106, 109]);
  });

  it("a file stamped 00:00 UTC (as the shared 1day CSVs are) is the same session, served with Alpaca's 00:00 New York stamp", async () => {
    const o = await openExchange([], { dailyBars: [daily("SPY", (iso) => Date.parse(`${iso}T00:00:00Z`))] });
    ex = o.ex;
    o.ex.stepBars(1);
    expect(o.ex.nowMs).toBe(closeOf("2024-01-05"));
    const r = await o.alpaca.marketData.getStockBars({ symbols: ["SPY"], timeframe: TimeFrame.Day, start: new Date(dayT("2024-01-01")), feed: "iex" });
    expect(r.SPY?.map((b) => [b.timestamp.getTime(), b.close])).toEqual([[dayT("2024-01-05"), 103]]);
  });

  it("a market day order sent after Friday's close is accepted, waits over the weekend, and fills at Monday's open", async () => {
    const { ex, alpaca } = await dailyOnly();
    ex.stepBars(1);
    const o = await alpaca.trading.orders.market({ symbol: "SPY", qty: "10", side: "buy", timeInForce: "day", clientOrderId: "daily-trend.SPY.entry" } as never);
    expect(o.status).toBe("accepted");
    ex.stepBars(1);
    const filled = await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(o) });
    expect(filled.status).toBe("filled");
    expect(Number(filled.filledAvgPrice)).toBe(105);
    // Filled at Monday's open, not at Friday's close or Monday's close.
    expect(filled.filledAt?.getTime()).toBe(etToUtcMs(ny.etDay(Date.parse("2024-01-08T12:00:00Z")), 570));
    const positions = await alpaca.trading.positions.getAllOpenPositions();
    expect(positions.map((p) => [p.symbol, Number(p.qty)])).toEqual([["SPY", 10]]);
  });

  it("a symbol with minute bars gets Alpaca's running daily bar after each minute of the session", async () => {
    const o = await openExchange([series("ABC", [[10, 10.5, 9.9, 10.1], [10.1, 11, 10, 10.8], [10.8, 10.9, 9.5, 9.7]])]);
    ex = o.ex;
    const seen: { c: number; h: number; l: number; v: number; t: number }[] = [];
    const stream = o.alpaca.marketData.stockStream({ url: `${o.ex.wsUrl}/v2/iex`, feed: "iex" });
    stream.onDailyBar((b) => seen.push({ c: b.close, h: b.high, l: b.low, v: b.volume, t: b.timestamp.getTime() }));
    stream.onConnect(() => stream.subscribeForDailyBars(["ABC"]));
    stream.connect();
    await stream.whenAuthenticated();
    await new Promise((r) => setTimeout(r, 50));
    o.ex.stepBars(3);
    for (let i = 0; i < 50 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    stream.disconnect();
    const t = dayT("2024-01-02");
    expect(seen).toEqual([
      { c: 10.1, h: 10.5, l: 9.9, v: 1000, t },
      { c: 10.8, h: 11, l: 9.9, v: 2000, t },
      { c: 9.7, h: 11, l: 9.5, v: 3000, t },
    ]);
  });

  it("REST 1Day for a symbol with minute bars only: its regular-session minutes consolidated; the session in progress so far, as Alpaca serves it", async () => {
    const t = (iso: string, hhmm: string): number => etToUtcMs(ny.etDay(Date.parse(`${iso}T12:00:00Z`)), Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));
    const rows: [number, number, number, number, number][] = [
      [t("2024-01-02", "09:00"), 1, 99, 0.5, 1], // pre-market: not in the daily bar
      [t("2024-01-02", "09:30"), 10, 11, 9, 10.5],
      [t("2024-01-02", "15:59"), 10.5, 12, 10, 11.5],
      [t("2024-01-03", "09:30"), 11.5, 11.6, 11.4, 11.5],
    ];
    const abc: BarSeries = {
      symbol: "ABC",
      length: rows.length,
      tMs: Float64Array.from(rows, (r) => r[0]),
      open: Float64Array.from(rows, (r) => r[1]),
      high: Float64Array.from(rows, (r) => r[2]),
      low: Float64Array.from(rows, (r) => r[3]),
      close: Float64Array.from(rows, (r) => r[4]),
      volume: Float64Array.from(rows, () => 1000),
    };
    const o = await openExchange([abc]);
    ex = o.ex;
    const got = async (): Promise<unknown[]> => {
      const r = await o.alpaca.marketData.getStockBars({ symbols: ["ABC"], timeframe: TimeFrame.Day, start: new Date(dayT("2024-01-01")), feed: "iex" });
      return (r.ABC ?? []).map((b) => [b.timestamp.getTime(), b.open, b.high, b.low, b.close, b.volume]);
    };
    o.ex.stepBars(2);
    // 09:31: the session's bar so far (Alpaca's 1Day includes today's bar during a session), pre-market left out.
    expect(await got()).toEqual([[dayT("2024-01-02"), 10, 11, 9, 10.5, 1000]]);
    o.ex.stepBars(1);
    expect(await got()).toEqual([[dayT("2024-01-02"), 10, 12, 9, 11.5, 2000]]);
    o.ex.stepBars(1);
    // Wednesday's is running: served with its one minute so far.
    expect(await got()).toEqual([[dayT("2024-01-02"), 10, 12, 9, 11.5, 2000], [dayT("2024-01-03"), 11.5, 11.6, 11.4, 11.5, 1000]]);
  });
  it("in a session with minute bars of other symbols, a daily-only symbol's queued order fills at that session's open (not expired at its close)", async () => {
    // ABC trades minutes on Monday 2024-01-08 from the open; SPY has daily bars only.
    const monOpen = etToUtcMs(ny.etDay(Date.parse("2024-01-08T12:00:00Z")), 570);
    const o = await openExchange([series("ABC", [[10, 10.5, 9.9, 10.1], [10.1, 11, 10, 10.8]], monOpen)], { dailyBars: [daily("SPY")] });
    ex = o.ex;
    o.ex.stepBars(1); // Friday's close (daily only)
    expect(o.ex.nowMs).toBe(closeOf("2024-01-05"));
    const sent = await o.alpaca.trading.orders.market({ symbol: "SPY", qty: "10", side: "buy", timeInForce: "day", clientOrderId: "daily-trend.SPY.mixed" } as never);
    o.ex.stepBars(1); // Monday 09:30: ABC's first minute
    const filled = await o.alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(sent) });
    expect([filled.status, Number(filled.filledAvgPrice), filled.filledAt?.getTime()]).toEqual(["filled", 105, monOpen]);
  });

  it("daily bars of sessions closed before the replay start are history: served over REST from the start, never replayed", async () => {
    const o = await openExchange([], { dailyBars: [daily("SPY")], dailyHistoryUntilMs: dayT("2024-01-08") });
    ex = o.ex;
    const r = await o.alpaca.marketData.getStockBars({ symbols: ["SPY"], timeframe: TimeFrame.Day, start: new Date(dayT("2024-01-01")), feed: "iex" });
    expect(r.SPY?.map((b) => [b.timestamp.getTime(), b.close])).toEqual([[dayT("2024-01-05"), 103]]);
    // The replay starts with Monday: two sessions left, Friday not published again.
    expect(o.ex.stepBars(5)).toBe(2);
    expect(o.ex.dailyBarsPublished).toBe(2);
    expect(o.ex.nowMs).toBe(closeOf("2024-01-09"));
  });

  it("refuses what Alpaca refuses on GET /v2/stocks/bars: an unknown timeframe (422) and an unknown, empty or repeated adjustment (400)", async () => {
    const { ex } = await dailyOnly();
    const get = async (query: string): Promise<[number, unknown]> => {
      const r = await fetch(`${ex.url}/v2/stocks/bars?symbols=SPY&${query}`, { headers: RAW_HEADERS });
      return [r.status, await r.json()];
    };
    // alpacahq/Alpaca-API#178: {"code":42210000,"message":"invalid timeframe"}.
    const [tfStatus, tfBody] = await get("timeframe=1Week5");
    expect(tfStatus).toBe(422);
    expect(tfBody).toMatchObject({ code: 42210000, message: expect.stringMatching(/^invalid timeframe/) as unknown });
    // Alpaca Market Data changelog 2026-11-02: "unknown, empty, and repeated values still return 400".
    for (const bad of ["adjustment=both", "adjustment=", "adjustment=split,split", "adjustment=split&adjustment=all"]) {
      const [status, body] = await get(`timeframe=1Day&${bad}`);
      expect([bad, status]).toEqual([bad, 400]);
      expect(body).toMatchObject({ code: 40010001, message: expect.stringMatching(/^invalid adjustment/) as unknown });
    }
    for (const good of ["adjustment=raw", "adjustment=split,spin-off", "adjustment=all"]) {
      const [status] = await get(`timeframe=1Day&${good}`);
      expect([good, status]).toEqual([good, 200]);
    }
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { alpacaPort } from "../../src/adapters/alpaca/port.ts";
import { createAlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { BarSeries } from "../../src/core/bars.ts";
import { sessionOf } from "../../src/core/market-calendar.ts";
import { etDayToIso, etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import { settle } from "../../src/daemon/run-local.ts";
import { lastClosedBefore } from "../../src/daemon/warm-up.ts";
import { startExchange, type Exchange } from "../../src/exchange/server.ts";
import { buildSlots } from "../../src/strategy/slots.ts";

/**
 * The daemon's warm-up (issue 14 follow-up): before the run's first session it fetches its daily
 * strategies' warmupBars 1Day bars over the port (the local exchange serves the daily file's
 * sessions before the replay start as history) and feeds them to engine.warmUp, so daily-trend
 * decides on the run's first session. A restart warms up on the same bars once, anchored to the
 * run's start, and does not send the first session's order again.
 */

const KEY = "PKWARM";
const SECRET = "warm-up-secret-value";

function sessions(fromIso: string, n: number): number[] {
  const out: number[] = [];
  for (let d = isoToEtDay(fromIso); out.length < n; d++) if (sessionOf(d) !== null) out.push(d);
  return out;
}

const HISTORY = sessions("2023-10-02", 40);
const RUN = sessions(etDayToIso(HISTORY[HISTORY.length - 1] + 1), 4);
const RUN_START_MS = etToUtcMs(RUN[0], 0);

/** SPY: closes alternating +1.10 / -1.00 (RSI(10) 50-55, under the band 58), then +5 on the run's first session (RSI 70: a cross). */
function spy(): BarSeries {
  const days = [...HISTORY, ...RUN];
  let c = 100;
  const closes = days.map((_d, i) => (c += i === HISTORY.length ? 5 : i % 2 === 0 ? 1.1 : -1));
  const opens = closes.map((_x, i) => (i === 0 ? 100 : closes[i - 1]));
  return {
    symbol: "SPY",
    length: days.length,
    tMs: Float64Array.from(days, (d) => etToUtcMs(d, 0)),
    open: Float64Array.from(opens),
    high: Float64Array.from(closes, (x, i) => Math.max(x, opens[i]) + 0.5),
    low: Float64Array.from(closes, (x, i) => Math.min(x, opens[i]) - 0.5),
    close: Float64Array.from(closes),
    volume: Float64Array.from(closes, () => 1e6),
  };
}

const config = parseConfig({ strategies: [{ id: "daily-trend", params: { bySymbol: {}, default: { period: 10, upper: 58, lower: 42 } }, symbols: ["SPY"] }] });

let ex: Exchange | null = null;
const daemons: Daemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop("test over", false).catch(() => undefined);
  await ex?.close();
  ex = null;
});

async function openDaemon(exchange: Exchange, stateDir: string, resume: boolean): Promise<Daemon> {
  const d = await Daemon.open({
    config,
    symbols: ["SPY"],
    dailySymbols: ["SPY"],
    slots: buildSlots(config, ["SPY"]),
    stateDir,
    log: pino({ level: "silent" }),
    port: alpacaPort(createAlpacaClient({ keyId: KEY, secretKey: SECRET, baseUrl: exchange.url })),
    stocksUrl: `${exchange.wsUrl}/v2/iex`,
    tradingUrl: `${exchange.wsUrl}/stream`,
    broker: "local",
    clock: { nowMs: () => exchange.nowMs },
    secrets: [SECRET],
    newRunStartMs: RUN_START_MS,
    resume,
    calendarUntilMs: etToUtcMs(RUN[RUN.length - 1], 0),
  });
  daemons.push(d);
  await d.start();
  return d;
}

async function step(d: Daemon, exchange: Exchange, before: number): Promise<void> {
  exchange.stepBars(1);
  await settle(
    () => d.idle && d.dailyBarsHeard >= exchange.dailyBarsPublished - before && d.liveFills >= exchange.fillsPublished,
    () => `daily bars ${d.dailyBarsHeard}, fills ${d.liveFills}/${exchange.fillsPublished}`,
  );
}

describe("daily warm-up in the daemon", () => {
  it("takes the last n sessions closed by the run's start, per symbol", () => {
    const bar = (symbol: string, day: number) => ({ symbol, tMs: etToUtcMs(day, 0), open: 1, high: 1, low: 1, close: 1, volume: 1 });
    const closeOf = (b: { tMs: number }): number => b.tMs + 16 * 3_600_000;
    const days = HISTORY.slice(-5);
    const bars = [...days.map((d) => bar("SPY", d)), ...days.map((d) => bar("QQQ", d)), bar("SPY", RUN[0])];
    const got = lastClosedBefore(bars, 3, RUN_START_MS, closeOf);
    expect(got.map((b) => [b.symbol, b.tMs])).toEqual(days.slice(-3).flatMap((d) => [["QQQ", etToUtcMs(d, 0)], ["SPY", etToUtcMs(d, 0)]]));
  });

  it("warms up on the sessions before the run, decides on the run's first session, and a restart warms up once on the same bars without sending the order again", async () => {
    ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [], dailyBars: [spy()], dailyHistoryUntilMs: RUN_START_MS, speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 });
    const exchange = ex;
    const stateDir = mkdtempSync(join(tmpdir(), "sw-warm-"));
    const d1 = await openDaemon(exchange, stateDir, false);
    // 3 x period 10: the last 30 of the 40 history sessions, none of the run's.
    expect(d1.warmedUpBars).toBe(30);
    expect(d1.engine.warmedUp).toBe(30);
    // History is not replayed: nothing published yet, the first step is the run's first session.
    expect(exchange.dailyBarsPublished).toBe(0);
    expect(d1.engine.result.bars).toBe(0);
    await step(d1, exchange, 0);
    expect(exchange.dailyBarsPublished).toBe(1);
    const entry = `daily-trend.SPY.`;
    const orders = (): [string, string][] => exchange.book.allOrders().map((o) => [o.client_order_id, o.status]);
    expect(orders()).toHaveLength(1);
    expect(orders()[0][0].startsWith(entry)).toBe(true);
    expect(d1.engine.result.signals).toBe(1);

    await d1.stop("restart", false);
    daemons.splice(daemons.indexOf(d1), 1);
    const d2 = await openDaemon(exchange, stateDir, true);
    // The same warm-up, once: anchored to the run's start, so the run's first session is replayed, not warmed up on.
    expect(d2.warmedUpBars).toBe(30);
    expect(d2.engine.warmedUp).toBe(30);
    expect(d2.recovery).toMatchObject({ resumed: true, replayedBars: 1, adoptedOrders: 1, posted: [], flags: [] });
    expect(d2.engine.result.signals).toBe(1);
    const before = exchange.dailyBarsPublished;
    await step(d2, exchange, before); // the next session: the order fills at its open
    expect(exchange.book.allOrders()).toHaveLength(1);
    expect(exchange.book.allOrders()[0].status).toBe("filled");
    expect(d2.venue.heldShares(0)).toBeGreaterThan(0);
    expect(d2.engine.result.signals).toBe(1);
  }, 60_000);
});

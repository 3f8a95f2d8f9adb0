import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { alpacaPort } from "../../src/adapters/alpaca/port.ts";
import { createAlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { defaultConfig } from "../../src/config/load.ts";
import type { BarSeries } from "../../src/core/bars.ts";
import { etToUtcMs } from "../../src/core/ny-time.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import { caughtUp, settle } from "../../src/daemon/run-local.ts";
import { dailyBars, sessionDay } from "./daily-fixtures.ts";
import { startExchange, type Exchange } from "../../src/exchange/server.ts";

/**
 * The daemon on daily bars (issue 14, item 3): it subscribes `d` for the 1Day strategies'
 * symbols, and each session's final bar reaches the engine once, after the close, with its own
 * Alpaca timestamp (00:00 New York), through the one seam `engine.onBar`. A restart over the
 * weekend replays Friday's bar from REST once and takes Monday's live, never twice.
 */

const KEY = "PKDAILY";
const SECRET = "daily-secret-value";
const day = sessionDay;
const DAYS = ["2024-01-05", "2024-01-08", "2024-01-09"]; // Friday, Monday, Tuesday

const daily = (symbol: string, base: number): BarSeries => dailyBars(symbol, base, DAYS);

interface Seen {
  readonly sym: number;
  readonly tMs: number;
  readonly close: number;
  /** The broker's clock when the engine got the bar. */
  readonly atMs: number;
}

let ex: Exchange | null = null;
const daemons: Daemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop("test over", false).catch(() => undefined);
  await ex?.close();
  ex = null;
});

/** A decision the test makes on a daily bar (standing in for a 1Day strategy until the engine runs one). */
type OnDaily = (d: Daemon, sym: number, tMs: number) => void;

async function openDaemon(exchange: Exchange, stateDir: string, resume: boolean, seen: Seen[], decide: OnDaily = () => undefined): Promise<Daemon> {
  const d = await Daemon.open({
    config: defaultConfig(),
    symbols: ["SPY", "QQQ"],
    dailySymbols: ["SPY", "QQQ"],
    stateDir,
    log: pino({ level: "silent" }),
    port: alpacaPort(createAlpacaClient({ keyId: KEY, secretKey: SECRET, baseUrl: exchange.url })),
    stocksUrl: `${exchange.wsUrl}/v2/iex`,
    tradingUrl: `${exchange.wsUrl}/stream`,
    broker: "local",
    clock: { nowMs: () => exchange.nowMs },
    secrets: [SECRET],
    newRunStartMs: etToUtcMs(day(DAYS[0]), 0),
    resume,
    calendarUntilMs: etToUtcMs(day(DAYS[2]), 0),
  });
  daemons.push(d);
  // The seam: one call per final daily bar.
  const onBar = d.engine.onBar.bind(d.engine);
  d.engine.onBar = (sym, tMs, o, h, l, c, v) => {
    seen.push({ sym, tMs, close: c, atMs: exchange.nowMs });
    onBar(sym, tMs, o, h, l, c, v);
    decide(d, sym, tMs);
  };
  await d.start();
  return d;
}

describe("the daemon on daily bars", () => {
  it("hands each session's final bar to the engine once, after the close, with Alpaca's timestamp; a weekend restart does not repeat Friday", async () => {
    ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [], dailyBars: [daily("SPY", 470), daily("QQQ", 400)], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 });
    const stateDir = mkdtempSync(join(tmpdir(), "sw-daily-"));
    const first: Seen[] = [];
    const d1 = await openDaemon(ex, stateDir, false, first);
    await caughtUp(d1, ex);
    ex.stepBars(1); // Friday's close
    await caughtUp(d1, ex);
    const fri = etToUtcMs(day(DAYS[0]), 0);
    expect(first).toEqual([
      { sym: 0, tMs: fri, close: 470, atMs: etToUtcMs(day(DAYS[0]), 960) },
      { sym: 1, tMs: fri, close: 400, atMs: etToUtcMs(day(DAYS[0]), 960) },
    ]);
    // Stopped over the weekend ("Saturday"), started again on the same state: the run resumes.
    await d1.stop("weekend", false);
    daemons.splice(daemons.indexOf(d1), 1);
    const second: Seen[] = [];
    const d2 = await openDaemon(ex, stateDir, true, second);
    expect(d2.recovery?.resumed).toBe(true);
    // The replay rebuilt Friday from REST: once per symbol, at Friday's bar time.
    expect(second.map((s) => [s.sym, s.tMs])).toEqual([[0, fri], [1, fri]]);
    // A daemon counts the daily bars it heard since it started; the exchange, since it did.
    const before = ex.dailyBarsPublished;
    const heard = (): Promise<void> => settle(() => d2.idle && d2.dailyBarsHeard >= (ex?.dailyBarsPublished ?? 0) - before, () => `daily bars ${d2.dailyBarsHeard}`);
    await heard();
    ex.stepBars(1); // Monday's close
    await heard();
    const mon = etToUtcMs(day(DAYS[1]), 0);
    expect(second.slice(2)).toEqual([
      { sym: 0, tMs: mon, close: 471, atMs: etToUtcMs(day(DAYS[1]), 960) },
      { sym: 1, tMs: mon, close: 401, atMs: etToUtcMs(day(DAYS[1]), 960) },
    ]);
    expect(d2.daily.repeats).toBe(0);
    expect(d2.recovery?.flags).toEqual([]);
  });

  it("a daily position opened on Friday's bar survives a weekend restart: the order is adopted, not sent again, and Monday resumes with the same position", async () => {
    ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [], dailyBars: [daily("SPY", 470), daily("QQQ", 400)], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 });
    const exchange = ex;
    const stateDir = mkdtempSync(join(tmpdir(), "sw-daily-pos-"));
    const fri = etToUtcMs(day(DAYS[0]), 0);
    const coid = "bear-trap.SPY.20240105.daily";
    // On Friday's final SPY bar: a market buy for Monday's open (the same decision in the live run and in a replay).
    const decide: OnDaily = (d, sym, tMs) => {
      if (sym === 0 && tMs === fri) d.venue.submit({ clientOrderId: coid, symbol: "SPY", symId: 0, side: "buy", type: "market", qtyShares: 10, purpose: "daily_test" });
    };
    const heard = (d: Daemon, before: number): Promise<void> =>
      settle(() => d.idle && d.dailyBarsHeard >= exchange.dailyBarsPublished - before && d.liveFills >= 0, () => `daily bars ${d.dailyBarsHeard}`);
    const d1 = await openDaemon(exchange, stateDir, false, [], decide);
    await heard(d1, 0);
    exchange.stepBars(1); // Friday's close: the order is sent after the close
    await heard(d1, 0);
    expect(exchange.book.allOrders().map((o) => [o.client_order_id, o.status])).toEqual([[coid, "accepted"]]);
    await d1.stop("weekend", false);
    daemons.splice(daemons.indexOf(d1), 1);

    // Saturday: a new process on the same state. Friday's bar is replayed; its order is found, not posted.
    const d2 = await openDaemon(exchange, stateDir, true, [], decide);
    expect(d2.recovery).toMatchObject({ resumed: true, adoptedOrders: 1, posted: [], flags: [] });
    const before = exchange.dailyBarsPublished;
    exchange.stepBars(1); // Monday: the queued order fills at the open
    await settle(() => d2.idle && d2.dailyBarsHeard >= exchange.dailyBarsPublished - before && d2.liveFills >= exchange.fillsPublished, () => `fills ${d2.liveFills}/${exchange.fillsPublished}`);
    const order = exchange.book.allOrders().find((o) => o.client_order_id === coid);
    expect([order?.status, Number(order?.filled_avg_price)]).toEqual(["filled", 470.5]);
    expect(d2.venue.heldShares(0)).toBe(10);
    await d2.stop("monday night", false);
    daemons.splice(daemons.indexOf(d2), 1);

    // Held over another restart: reconciled like any position, nothing sent, nothing flagged.
    const d3 = await openDaemon(exchange, stateDir, true, [], decide);
    expect(d3.recovery).toMatchObject({ resumed: true, posted: [], flags: [] });
    expect(d3.venue.heldShares(0)).toBe(10);
    expect(exchange.book.allOrders()).toHaveLength(1);
  });
});

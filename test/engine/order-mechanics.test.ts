import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.ts";
import { defaultConfig, parseConfig } from "../../src/config/load.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import type { OrderEnded, Venue, VenueFactory } from "../../src/broker/venue.ts";
import { STOP_ABOVE_MARKET_MESSAGE } from "../../src/broker/stop-legs.ts";
import { intentsConflict, WASH_TRADE_MESSAGE } from "../../src/broker/wash-trade.ts";
import type { Config } from "../../src/config/schema.ts";
import { BROKER_LIQUIDATION, type Fill, type OrderIntent } from "../../src/core/types.ts";
import type { AdoptedEvent, UnprotectedEvent } from "../../src/engine/events.ts";
import { decline, flat, rise, sessionBatch } from "./scenario.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";

// 60 bars falling 10.00 -> 8.30 (-17%), then the reclaim bar: a Bear Trap signal at its close (14:30 UTC).
const selloff = () => [...decline(10, 8.3, 60), [8.26, 8.32, 8.15, 8.3, 3000] as const];
const OPEN = 570;
const T = (hhmm: string) => Date.parse(`2024-05-15T${hhmm}:00Z`);

/**
 * A venue like Alpaca: it acknowledges orders, reports fills when told to, and applies the
 * wash-trade table and the held-shares rule at submission (refusals answered at once here).
 */
function brokerLike() {
  let onFill: (f: Fill) => void = () => {};
  let onEnded: (e: OrderEnded) => void = () => {};
  const open = new Map<string, OrderIntent>();
  const sent = new Map<string, OrderIntent>();
  const log: string[] = [];
  const refused: string[] = [];
  let held = 0;
  const check = (i: OrderIntent): string | null => {
    for (const o of open.values()) if (intentsConflict(o, i)) return WASH_TRADE_MESSAGE;
    const reserved = [...open.values()].filter((o) => o.side === "sell").reduce((a, o) => a + o.qtyShares, 0);
    if (i.side === "sell" && i.type !== "market" && i.qtyShares > held - reserved) return "insufficient qty available for order";
    return null;
  };
  const venue: Venue = {
    onBar: () => {},
    submit: (i) => {
      const why = check(i);
      log.push(`submit ${i.purpose} ${i.type} ${i.side} ${i.qtyShares}${i.stopPriceUsd ? ` stop ${i.stopPriceUsd}` : ""}${why ? " REFUSED" : ""}`);
      if (why) {
        refused.push(why);
        return { accepted: false, reason: why };
      }
      open.set(i.clientOrderId, i);
      sent.set(i.clientOrderId, i);
      return { accepted: true };
    },
    cancel: (id) => {
      log.push(`cancel ${open.get(id)?.purpose}`);
      return open.delete(id);
    },
    replace: (old, i) => {
      const prev = open.get(old)!;
      open.delete(old);
      const why = check(i);
      log.push(`replace ${prev.purpose} ${prev.qtyShares}@${prev.limitPriceUsd ?? "-"}/${prev.stopPriceUsd} -> ${i.qtyShares}@${i.limitPriceUsd ?? "-"}/${i.stopPriceUsd}${why ? " REFUSED" : ""}`);
      if (why) {
        open.set(old, prev);
        return { accepted: false, reason: why };
      }
      open.set(i.clientOrderId, i);
      return { accepted: true };
    },
    equityUsd: () => 100_000,
    buyingPowerUsd: () => 400_000,
    lastPriceUsd: () => NaN,
    liquidate: () => {},
  };
  const factory: VenueFactory = (_s, cb, _bar, ended) => {
    onFill = cb;
    onEnded = ended ?? (() => {});
    return venue;
  };
  return {
    factory,
    log,
    refused,
    open,
    /** Fills a working order whole at a price (or, `raced`, one the engine canceled: the fill beat the cancel). */
    fill(purpose: string, price: number, timeMs: number, asPurpose?: string, raced = false) {
      const o = [...(raced ? sent : open).values()].find((x) => x.purpose === purpose)!;
      open.delete(o.clientOrderId);
      held += o.side === "buy" ? o.qtyShares : -o.qtyShares;
      onFill({ clientOrderId: o.clientOrderId, symbol: o.symbol, symId: o.symId, side: o.side, qtyShares: o.qtyShares, priceUsd: price, timeMs, purpose: asPurpose ?? o.purpose });
      return o;
    },
    /** The broker ends a working order on its own. */
    end(purpose: string, status: OrderEnded["status"], reason: string, timeMs: number) {
      const o = [...open.values()].find((x) => x.purpose === purpose)!;
      open.delete(o.clientOrderId);
      onEnded({ clientOrderId: o.clientOrderId, status, reason, timeMs });
      return o;
    },
    liquidated(qty: number, price: number, timeMs: number) {
      held -= qty;
      onFill({ clientOrderId: "broker-1", symbol: "TRAP", symId: 0, side: "sell", qtyShares: qty, priceUsd: price, timeMs, purpose: BROKER_LIQUIDATION });
    },
    /** Shares of working sells. */
    protectedQty: () => [...open.values()].filter((o) => o.side === "sell").reduce((a, o) => a + o.qtyShares, 0),
  };
}

function engineOn(b: ReturnType<typeof brokerLike>, config: Config = defaultConfig(), events: { unprotected?: UnprotectedEvent[]; adopted?: AdoptedEvent[]; rejected?: string[] } = {}) {
  return new Engine({
    config,
    symbols: ["TRAP"],
    strategy: createBearTrap(strategyParams(config, "bear-trap")),
    sizer: createSizer(config),
    venue: b.factory,
    events: {
      unprotected: (e) => events.unprotected?.push(e),
      adopted: (e) => events.adopted?.push(e),
      rejected: (_s, reason) => events.rejected?.push(reason),
    },
  });
}

/** An engine holding the entry (filled whole at 8.31) with its exits resting. */
function entered(config?: Config, events?: Parameters<typeof engineOn>[2]) {
  const b = brokerLike();
  const engine = engineOn(b, config, events);
  engine.runBatch(sessionBatch("2024-05-15", OPEN, selloff()));
  const entry = b.fill("entry", 8.31, T("14:31"));
  return { b, engine, entry };
}

describe("exits under Alpaca's order rules", () => {
  it("moves the stop by replacing each working exit in place: OCOs keep limit and quantity, only the stop changes", () => {
    const { b, entry } = entered(parseConfig({ strategy: { runnerTrailBars: 0 } }));
    const tp1 = [...b.open.values()].find((o) => o.purpose === "tp1")!;
    b.log.length = 0;
    // TP2 fills: the default plan moves the stop to support for what is left (the runner).
    b.fill("tp1", tp1.limitPriceUsd!, T("14:40"));
    expect(b.log).toEqual([]);
    b.fill("tp2", 10, T("14:45"));
    expect(b.log).toHaveLength(1);
    expect(b.log[0]).toMatch(/^replace stop \d+@-\/[\d.]+ -> \d+@-\/[\d.]+$/);
    const runner = entry.qtyShares - Math.floor(entry.qtyShares * 0.4) - Math.floor(entry.qtyShares * 0.3);
    expect(b.log[0]).toContain(`replace stop ${runner}@`);
    expect(b.protectedQty()).toBe(runner);
    expect(b.refused).toEqual([]);
  });

  it("a protective order rejected after acceptance is re-laid in the same call, so no share waits a bar bare", () => {
    const unprotected: UnprotectedEvent[] = [];
    const { b, engine, entry } = entered(defaultConfig(), { unprotected });
    expect(b.protectedQty()).toBe(entry.qtyShares);
    const stop = b.end("stop", "rejected", "order rejected after acceptance (broker risk check)", T("14:33"));
    // Re-laid before the call returned: every share has its stop again, and the event says so.
    expect(b.protectedQty()).toBe(entry.qtyShares);
    expect(unprotected).toMatchObject([{ clientOrderId: stop.clientOrderId, purpose: "stop", status: "rejected", repairedBy: "relaid", qtyShares: entry.qtyShares }]);
    // A re-laid exit the broker also drops (canceled on its own, say): closed at market at once.
    b.end("tp2", "canceled", "canceled by the broker", T("14:34"));
    expect(unprotected[1]).toMatchObject({ purpose: "tp2", status: "canceled", repairedBy: "closed_at_market" });
    expect([...b.open.values()].map((o) => `${o.purpose} ${o.type} ${o.qtyShares}`)).toEqual([`exits_refused market ${entry.qtyShares}`]);
    engine.runBatch(sessionBatch("2024-05-15", OPEN + 63, flat(8.3, 5)));
    expect(b.open.size).toBe(1);
    expect(b.refused).toEqual([]);
  });

  it("an expired target OCO is re-laid the same way", () => {
    const unprotected: UnprotectedEvent[] = [];
    const { b, entry } = entered(defaultConfig(), { unprotected });
    b.end("tp1", "expired", "day order expired", T("14:40"));
    expect(unprotected.map((e) => e.repairedBy)).toEqual(["relaid"]);
    expect(b.protectedQty()).toBe(entry.qtyShares);
  });
});

describe("a stop the market has reached (Alpaca's stop-leg rule: an OCO's sell stop must be below base_price - 0.01)", () => {
  it("an OCO the broker refuses by the rule gives way to one plain stop for every share, at once", () => {
    const unprotected: UnprotectedEvent[] = [];
    const { b, entry } = entered(defaultConfig(), { unprotected });
    const stopPx = [...b.open.values()].find((o) => o.purpose === "stop")!.stopPriceUsd;
    b.log.length = 0;
    // Laid on the fill, the OCO met a close the engine had not seen yet.
    const tp1 = b.end("tp1", "rejected", STOP_ABOVE_MARKET_MESSAGE, T("14:32"));
    // The other OCO (doomed too) and the runner stop go; one plain stop holds every share, at the same level.
    expect(b.log.filter((l) => l.startsWith("cancel")).sort()).toEqual(["cancel stop", "cancel tp2"]);
    expect([...b.open.values()].map((o) => `${o.purpose} ${o.type} ${o.qtyShares} ${o.stopPriceUsd}`)).toEqual([`stop stop ${entry.qtyShares} ${stopPx}`]);
    expect(unprotected).toMatchObject([{ clientOrderId: tp1.clientOrderId, purpose: "tp1", status: "rejected", repairedBy: "relaid" }]);
    expect(b.refused).toEqual([]);
  });

  it("a trailing stop moved to or above the last close closes the position at market as stop_through, sending no doomed exit", () => {
    const { b, engine, entry } = entered(parseConfig({ strategy: { runnerTrailBars: 2 } }));
    const tp1 = [...b.open.values()].find((o) => o.purpose === "tp1")!;
    const tp2 = [...b.open.values()].find((o) => o.purpose === "tp2")!;
    b.fill("tp1", tp1.limitPriceUsd!, T("14:40"));
    b.fill("tp2", tp2.limitPriceUsd!, T("14:41"));
    b.log.length = 0;
    // Lows 10.00 then 10.05: the stop trails to 10.00 (below the 10.05 close); then a bar closing at its low of
    // 10.05 puts the trail at the close itself: no stop can rest there.
    engine.runBatch(sessionBatch("2024-05-15", OPEN + 71, [[10.1, 10.2, 10, 10.1, 1000], [10.1, 10.2, 10.05, 10.05, 1000], [10.05, 10.06, 10.05, 10.05, 1000]]));
    const runner = entry.qtyShares - tp1.qtyShares - tp2.qtyShares;
    expect(b.log).toEqual([expect.stringMatching(/^replace stop \d+@-\/[\d.]+ -> \d+@-\/10$/), "cancel stop", `submit stop_through market sell ${runner}`]);
    expect(b.refused).toEqual([]);
    b.fill("stop_through", 10.04, T("14:45"));
    expect(engine.result.trades[0].exitReason).toBe("stop_through");
  });
});

describe("scale-ins under the wash-trade rule", () => {
  const cfg = () => parseConfig({ sizing: { mode: "regime_template" }, risk: { maxNotionalUsd: 1e9 }, execution: { buyingPowerMultiple: 4, exitFill: "next_open" } });

  it("cancels the exits before the add goes out, and lays them for the whole new size once it filled", () => {
    const { b, engine, entry } = entered(cfg());
    expect(b.protectedQty()).toBe(entry.qtyShares);
    b.log.length = 0;
    // Rising bars: one closes at or above entry + 0.5R and the add is sent.
    engine.runBatch(sessionBatch("2024-05-15", OPEN + 61, rise(8.3, 9.3, 10)));
    const addAt = b.log.findIndex((l) => l.startsWith("submit add1"));
    expect(addAt).toBeGreaterThan(0);
    // Every exit canceled before the buy; none placed until it fills; nothing refused.
    expect(b.log.slice(0, addAt).every((l) => l.startsWith("cancel "))).toBe(true);
    expect(b.log.slice(addAt + 1)).toEqual([]);
    expect(b.refused).toEqual([]);
    expect(b.protectedQty()).toBe(0);
    const add = b.fill("add1", 8.9, T("14:50"));
    expect(b.protectedQty()).toBe(entry.qtyShares + add.qtyShares);
    expect(b.log.slice(addAt + 1).map((l) => l.split(" ").slice(0, 4).join(" "))).toEqual([
      `submit t1_1R oco sell`,
      `submit t2_2R oco sell`,
    ]);
    expect(b.refused).toEqual([]);
  });

  it("an add the broker cancels lets the exits come back for what is held, and the next add be considered", () => {
    const unprotected: UnprotectedEvent[] = [];
    const { b, engine, entry } = entered(cfg(), { unprotected });
    engine.runBatch(sessionBatch("2024-05-15", OPEN + 61, rise(8.3, 9.3, 10)));
    b.end("add1", "canceled", "canceled by the broker", T("14:50"));
    expect(b.protectedQty()).toBe(entry.qtyShares);
    // An add is not protection: no unprotected event.
    expect(unprotected).toEqual([]);
    expect(engine.openPositions()[0].qtyShares).toBe(entry.qtyShares);
  });

  it("a time stop while the add works cancels the add before selling", () => {
    const { b, engine } = entered(cfg());
    engine.runBatch(sessionBatch("2024-05-15", OPEN + 61, rise(8.3, 9.3, 10)));
    expect([...b.open.values()].map((o) => o.purpose)).toEqual(["add1"]);
    b.log.length = 0;
    engine.runBatch(sessionBatch("2024-05-15", OPEN + 71, flat(9.3, 25)));
    expect(b.log).toEqual([expect.stringMatching(/^cancel add1$/), expect.stringMatching(/^submit time_stop market sell \d+$/)]);
    expect(b.refused).toEqual([]);
    // The add filled before its cancel landed: those shares are sold at market too, nothing re-laid.
    const close = [...b.open.values()][0];
    b.log.length = 0;
    const add = b.fill("add1", 9.3, T("15:02"), undefined, true);
    expect(b.log).toEqual([`submit time_stop market sell ${add.qtyShares}`]);
    b.fill("time_stop", 9.3, T("15:02"));
    b.fill("time_stop", 9.3, T("15:03"));
    expect(engine.openPositions()).toEqual([]);
    expect(engine.result.trades[0].exits.map((e) => e.qtyShares)).toEqual([close.qtyShares, add.qtyShares]);
  });
});

describe("broker-initiated position changes", () => {
  it("books a partial liquidation as an exit and re-lays the exits for what is left", () => {
    const adopted: AdoptedEvent[] = [];
    const { b, engine, entry } = entered(defaultConfig(), { adopted });
    b.liquidated(100, 8.2, T("14:40"));
    expect(adopted).toMatchObject([{ qtyLeftShares: entry.qtyShares - 100, outcome: "exits_relaid" }]);
    expect(b.protectedQty()).toBe(entry.qtyShares - 100);
    expect(engine.openPositions()[0].exits).toMatchObject([{ qtyShares: 100, priceUsd: 8.2, reason: BROKER_LIQUIDATION }]);
  });

  it("closes the trade when the broker sold everything", () => {
    const adopted: AdoptedEvent[] = [];
    const { b, engine, entry } = entered(defaultConfig(), { adopted });
    b.liquidated(entry.qtyShares, 8.2, T("14:40"));
    expect(adopted.map((a) => a.outcome)).toEqual(["closed"]);
    expect(engine.openPositions()).toEqual([]);
    expect(engine.result.trades.map((t) => t.exitReason)).toEqual([BROKER_LIQUIDATION]);
  });
});

describe("pattern-day-trader gate", () => {
  it("refuses an entry when the broker's count leaves no day trade under $25,000, naming the count and the rule", () => {
    const rejected: string[] = [];
    const b = brokerLike();
    const engine = engineOn(b, defaultConfig(), { rejected });
    engine.setAccountDayTrades(3, 20_000);
    engine.runBatch(sessionBatch("2024-05-15", OPEN, selloff()));
    expect(b.log).toEqual([]);
    expect(rejected).toEqual(["pattern day trader rule: 3 day trades in the last 5 business days with previous-day equity $20000.00 under $25000: this entry could not be exited today"]);
  });

  it("counts its own day trades: two seeded and one made today leave no room for a fourth", () => {
    const rejected: string[] = [];
    const b = brokerLike();
    const engine = engineOn(b, defaultConfig(), { rejected });
    engine.setAccountDayTrades(2, 20_000);
    engine.runBatch(sessionBatch("2024-05-15", OPEN, selloff()));
    b.fill("entry", 8.31, T("14:31"));
    for (const leg of ["stop", "tp1", "tp2"]) b.fill(leg, 8.0, T("14:35"), "stop");
    expect(engine.result.trades).toHaveLength(1);
    // A second trap in another symbol-free stretch of the same day.
    engine.runBatch(sessionBatch("2024-05-15", OPEN + 100, [...decline(8.3, 6.9, 60), [6.86, 6.92, 6.75, 6.9, 3000]]));
    expect(rejected.filter((r) => r.startsWith("pattern day trader rule: 3 day trades"))).toHaveLength(1);
  });

  it("does not apply at $25,000 or more", () => {
    const b = brokerLike();
    const engine = engineOn(b);
    engine.setAccountDayTrades(5, 25_000);
    engine.runBatch(sessionBatch("2024-05-15", OPEN, selloff()));
    expect(b.log.map((l) => l.split(" ")[1])).toEqual(["entry"]);
  });
});

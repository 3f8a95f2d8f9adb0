import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.ts";
import { defaultConfig } from "../../src/config/load.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import type { Venue, VenueFactory } from "../../src/broker/venue.ts";
import type { Fill, OrderIntent } from "../../src/core/types.ts";
import { decline, flat, sessionBatch } from "./scenario.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";

/** A venue like a real broker's: it acknowledges orders and reports fills later, when told to. */
function deferredVenue(log: OrderIntent[]): { factory: VenueFactory; fill: (id: string, price: number, timeMs: number) => void } {
  let onFill: (f: Fill) => void = () => {};
  const byId = new Map<string, OrderIntent>();
  const venue: Venue = {
    onBar: () => {},
    submit: (i) => {
      log.push(i);
      byId.set(i.clientOrderId, i);
      return { accepted: true };
    },
    cancel: (id) => byId.delete(id),
    replace: (old, i) => {
      byId.delete(old);
      log.push(i);
      byId.set(i.clientOrderId, i);
      return { accepted: true };
    },
    equityUsd: () => 100_000,
    buyingPowerUsd: () => 100_000,
    lastPriceUsd: () => NaN,
    liquidate: () => {},
  };
  return {
    factory: (_symbols, cb) => {
      onFill = cb;
      return venue;
    },
    fill: (id, price, timeMs) => {
      const i = byId.get(id)!;
      onFill({ clientOrderId: id, symbol: i.symbol, symId: i.symId, side: i.side, qtyShares: i.qtyShares, priceUsd: price, timeMs, purpose: i.purpose });
    },
  };
}

describe("the engine behind a venue that fills later (the daemon's path)", () => {
  it("sends the entry, waits for its fill, then rests the stop and the targets at the venue", () => {
    const config = defaultConfig();
    const orders: OrderIntent[] = [];
    const v = deferredVenue(orders);
    const engine = new Engine({ config, symbols: ["TRAP"], strategy: createBearTrap(strategyParams(config, "bear-trap")), sizer: createSizer(config), venue: v.factory });
    engine.runBatch(sessionBatch("2024-05-15", 570, [...decline(10, 8.3, 60), [8.26, 8.32, 8.15, 8.3, 3000]]));
    expect(orders.map((o) => o.purpose)).toEqual(["entry"]);
    const entry = orders[0];
    expect(entry).toMatchObject({ side: "buy", type: "market", symbol: "TRAP" });
    // Nothing else happens until the broker reports the fill.
    engine.runBatch(sessionBatch("2024-05-15", 631, flat(8.3, 2)));
    expect(orders).toHaveLength(1);
    v.fill(entry.clientOrderId, 8.31, Date.parse("2024-05-15T14:33:10Z"));
    // Brokers reserve shares for open sells, so each target slice is one OCO (target + stop) and a
    // plain stop covers the runner: every share protected once, nothing refused.
    expect(orders.map((o) => [o.purpose, o.type, o.side])).toEqual([
      ["entry", "market", "buy"],
      ["tp1", "oco", "sell"],
      ["tp2", "oco", "sell"],
      ["stop", "stop", "sell"],
    ]);
    const [, tp1, tp2, runner] = orders;
    expect(tp1.qtyShares).toBe(Math.floor(entry.qtyShares * 0.4));
    expect(tp2.qtyShares).toBe(Math.floor(entry.qtyShares * 0.3));
    expect(tp1.qtyShares + tp2.qtyShares + runner.qtyShares).toBe(entry.qtyShares);
    expect(tp1.stopPriceUsd).toBe(runner.stopPriceUsd);
    // Client order ids are deterministic per intent: strategy, symbol, signal bar time, leg.
    expect(orders.map((o) => o.clientOrderId)).toEqual([
      "bear-trap.TRAP.20240515T1430.entry",
      "bear-trap.TRAP.20240515T1430.entry.tp1.1",
      "bear-trap.TRAP.20240515T1430.entry.tp2.2",
      "bear-trap.TRAP.20240515T1430.entry.stop.3",
    ]);
  });
});

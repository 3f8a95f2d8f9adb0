import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.ts";
import { defaultConfig } from "../../src/config/load.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import type { Venue, VenueFactory } from "../../src/broker/venue.ts";
import type { Fill, OrderIntent } from "../../src/core/types.ts";
import { decline, flat, sessionBatch, type Ohlcv } from "../engine/scenario.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";

// 60 bars falling 10.00 -> 8.30 (-17%), then the reclaim bar: a Bear Trap signal at its close.
const selloff = (): Ohlcv[] => [...decline(10, 8.3, 60), [8.26, 8.32, 8.15, 8.3, 3000]];
const OPEN = 570;

function engineWith(events: string[], venue?: VenueFactory) {
  const config = defaultConfig();
  return new Engine({
    config,
    symbols: ["TRAP"],
    strategy: createBearTrap(strategyParams(config, "bear-trap")),
    sizer: createSizer(config),
    venue,
    events: {
      halt: (reason, _t, scope) => events.push(`halt ${scope}: ${reason}`),
      resume: (reason, was) => events.push(`resume: ${reason} (was ${was})`),
      rejected: (s, reason) => events.push(`rejected ${s.symbol}: ${reason}`),
      unprotected: (e) => events.push(`unprotected ${e.clientOrderId} ${e.status} -> ${e.repairedBy}`),
    },
  });
}

describe("the engine's halt until resumed (the kill switch)", () => {
  it("stops new entries on every later day while the open position still exits; resume lets the next one in", () => {
    const events: string[] = [];
    const engine = engineWith(events);
    // Day 1: the trap fires and fills at the reclaim close; then the switch is thrown.
    engine.runBatch(sessionBatch("2024-05-14", OPEN, selloff()));
    expect(engine.openPositions()).toHaveLength(1);
    engine.haltEntries("kill switch (HALT flag): test", Date.parse("2024-05-14T14:32:00Z"));
    // The trap fails: the open position is still managed and stops out.
    engine.runBatch(sessionBatch("2024-05-14", OPEN + 61, [...decline(8.3, 7.5, 10), ...flat(7.5, 5)]));
    expect(engine.openPositions()).toHaveLength(0);
    expect(engine.result.trades.map((t) => t.exitReason)).toEqual(["stop"]);
    // Day 2 and day 3: the same setup is refused, the halt outlives the day change.
    engine.runBatch(sessionBatch("2024-05-15", OPEN, selloff()));
    engine.runBatch(sessionBatch("2024-05-16", OPEN, selloff()));
    expect(engine.openPositions()).toHaveLength(0);
    expect(events.filter((e) => e.startsWith("rejected"))).toEqual([
      "rejected TRAP: halted: kill switch (HALT flag): test",
      "rejected TRAP: halted: kill switch (HALT flag): test",
    ]);
    expect(engine.dayStatus().halted).toBe("kill switch (HALT flag): test");
    // Resumed: day 4's trap is taken.
    expect(engine.resumeEntries("HALT flag removed", Date.parse("2024-05-17T13:00:00Z"))).toBe(true);
    expect(engine.resumeEntries("again", Date.parse("2024-05-17T13:00:00Z"))).toBe(false);
    engine.runBatch(sessionBatch("2024-05-17", OPEN, selloff()));
    expect(engine.openPositions()).toHaveLength(1);
    expect(events.filter((e) => !e.startsWith("rejected"))).toEqual([
      "halt until_resumed: kill switch (HALT flag): test",
      "resume: HALT flag removed (was kill switch (HALT flag): test)",
    ]);
  });

  it("a refused entry is never asked for again; refused exits are laid again, and when that re-lay is refused too the position is closed at market", () => {
    const sent: OrderIntent[] = [];
    let onFill: (f: Fill) => void = () => {};
    const venue: Venue = {
      onBar: () => {},
      submit: (i) => {
        sent.push(i);
        return { accepted: true };
      },
      cancel: () => true,
      replace: (_old, i) => {
        sent.push(i);
        return { accepted: true };
      },
      equityUsd: () => 100_000,
      buyingPowerUsd: () => 100_000,
      lastPriceUsd: () => NaN,
      liquidate: () => {},
    };
    const events: string[] = [];
    const engine = engineWith(events, (_s, cb) => {
      onFill = cb;
      return venue;
    });
    // The entry is refused (say, pattern-day-trading protection): the signal is rejected once and
    // the bars after it send nothing for it.
    engine.runBatch(sessionBatch("2024-05-14", OPEN, selloff()));
    expect(sent.map((i) => i.purpose)).toEqual(["entry"]);
    engine.onOrderRejected(sent[0].clientOrderId, "trade denied due to pattern day trading protection");
    engine.runBatch(sessionBatch("2024-05-14", OPEN + 61, flat(8.3, 20)));
    expect(sent).toHaveLength(1);
    expect(events).toEqual(["rejected TRAP: order rejected: trade denied due to pattern day trading protection"]);
    events.length = 0;

    // Day 2: the entry fills; its exits are refused (a sub-penny price, say) every time.
    engine.runBatch(sessionBatch("2024-05-15", OPEN, selloff()));
    const entry = sent[sent.length - 1];
    onFill({ clientOrderId: entry.clientOrderId, symbol: "TRAP", symId: 0, side: "buy", qtyShares: entry.qtyShares, priceUsd: 8.31, timeMs: Date.parse("2024-05-15T14:32:00Z"), purpose: "entry" });
    const exitsOf = (from: number) => sent.slice(from).filter((i) => i.side === "sell");
    const lay1 = exitsOf(0);
    expect(lay1.map((i) => i.purpose)).toEqual(["tp1", "tp2", "stop"]);
    // The first refusal is answered in the same call: the exits are laid again at once (the
    // others of the first lay were canceled with it, so their refusals change nothing more).
    const before = sent.length;
    for (const i of lay1) engine.onOrderRejected(i.clientOrderId, "sub-penny increment does not fulfill minimum pricing criteria");
    const lay2 = exitsOf(before);
    expect(lay2.map((i) => i.purpose)).toEqual(["tp1", "tp2", "stop"]);
    // The re-lay is refused too: the position is closed at market, at once.
    const after = sent.length;
    for (const i of lay2) engine.onOrderRejected(i.clientOrderId, "sub-penny increment does not fulfill minimum pricing criteria");
    engine.runBatch(sessionBatch("2024-05-15", OPEN + 62, flat(8.3, 30)));
    // No third lay: one market exit, and nothing more however many bars pass.
    expect(sent.slice(after).map((i) => `${i.purpose} ${i.type}`)).toEqual(["exits_refused market"]);
    expect(events.filter((e) => e.startsWith("unprotected"))).toEqual([
      `unprotected ${lay1[0].clientOrderId} rejected -> relaid`,
      `unprotected ${lay2[0].clientOrderId} rejected -> closed_at_market`,
    ]);
    expect(new Set(sent.map((i) => i.clientOrderId)).size).toBe(sent.length);
  });
});

import { describe, expect, it } from "vitest";
import { SimBroker } from "../../src/broker/sim-broker.ts";
import { createBarView, type BarView } from "../../src/core/bars.ts";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import type { Fill, OrderIntent } from "../../src/core/types.ts";

// The simulated broker keeps the calendar's hours: Alpaca accepts a market order sent after the
// close (status `accepted`) and fills it at the next open; orders without extended hours never
// execute outside the regular session, which ends at 13:00 on an early-close day.

const HALF_DAY = isoToEtDay("2024-11-29");
const NEXT_SESSION = isoToEtDay("2024-12-02"); // Monday after the half day

function bar(etDay: number, etMinute: number, o: number, h: number, l: number, c: number): BarView {
  return Object.assign(createBarView(), { symId: 0, tMs: etToUtcMs(etDay, etMinute), open: o, high: h, low: l, close: c, volume: 100, etDay, etMinute });
}

const order = (id: string, o: Partial<OrderIntent>): OrderIntent => ({
  clientOrderId: id, symbol: "AAA", symId: 0, side: "sell", type: "market", qtyShares: 10, purpose: "exit", ...o,
});

/** A broker holding 10 shares bought on the half day's 12:00 bar. */
function holding(): { b: SimBroker; fills: Fill[] } {
  const fills: Fill[] = [];
  const b = new SimBroker(["AAA"], { initialCashUsd: 10_000, frictionPerSide: 0, buyingPowerMultiple: 1 }, (f) => fills.push(f));
  const cur = bar(HALF_DAY, 720, 10, 10, 10, 10);
  b.setCurrentBar(cur);
  b.processBar(cur);
  expect(b.submit(order("in", { side: "buy", purpose: "entry" }))).toEqual({ accepted: true });
  expect(fills).toHaveLength(1);
  return { b, fills };
}

describe("SimBroker hours from the calendar", () => {
  it("a market order sent at the close of the half day's 12:59 bar (13:00) waits for the next session's open", () => {
    const { b, fills } = holding();
    const last = bar(HALF_DAY, 779, 10, 10, 10, 10);
    b.setCurrentBar(last);
    b.processBar(last);
    expect(b.submit(order("out", {}))).toEqual({ accepted: true });
    expect(fills).toHaveLength(1);
    // Post-market bars of the half day (13:00, 15:00) and a pre-market bar of the next day fill nothing.
    for (const m of [780, 900]) b.processBar(bar(HALF_DAY, m, 9, 9, 9, 9));
    b.processBar(bar(NEXT_SESSION, 560, 8.5, 8.5, 8.5, 8.5));
    expect(fills).toHaveLength(1);
    b.processBar(bar(NEXT_SESSION, 570, 8, 8.2, 7.9, 8.1));
    expect(fills[1]).toMatchObject({ clientOrderId: "out", priceUsd: 8, timeMs: etToUtcMs(NEXT_SESSION, 570) });
  });

  it("the same order at 15:59 on a full day also waits, and one at 12:58 on the half day fills at once", () => {
    const { b, fills } = holding();
    const inSession = bar(HALF_DAY, 778, 10, 10, 10, 10);
    b.setCurrentBar(inSession);
    b.processBar(inSession);
    expect(b.submit(order("a", { qtyShares: 5 }))).toEqual({ accepted: true });
    expect(fills[1]).toMatchObject({ clientOrderId: "a", timeMs: etToUtcMs(HALF_DAY, 779) });
    const fullClose = bar(NEXT_SESSION, 959, 10, 10, 10, 10);
    b.setCurrentBar(fullClose);
    b.processBar(fullClose);
    b.submit(order("b", { qtyShares: 5 }));
    expect(fills).toHaveLength(2);
  });

  it("a resting stop is not triggered by a post-market low, nor by a weekend bar, only by the next session", () => {
    const { b, fills } = holding();
    b.setCurrentBar(null);
    expect(b.submit(order("stop", { type: "stop", stopPriceUsd: 9.5, purpose: "stop" }))).toEqual({ accepted: true });
    b.processBar(bar(HALF_DAY, 790, 9, 9, 8, 9)); // 13:10, post-market
    b.processBar(bar(isoToEtDay("2024-11-30"), 600, 9, 9, 8, 9)); // a Saturday (a replayed file may hold one)
    expect(fills).toHaveLength(1);
    b.processBar(bar(NEXT_SESSION, 570, 9.2, 9.3, 9.1, 9.2));
    expect(fills[1]).toMatchObject({ clientOrderId: "stop", priceUsd: 9.2, purpose: "stop" });
  });
});

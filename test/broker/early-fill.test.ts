import { describe, expect, it } from "vitest";
import type { Fill } from "../../src/core/types.ts";
import type { AlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { AlpacaVenue, type BrokerOrderLike } from "../../src/adapters/alpaca/venue.ts";

/**
 * A broker's stream can beat its REST answer: the stop leg of a bracket fills, and its update
 * (under the leg's own id and client id) arrives before the POST's answer that names the leg.
 * That fill must wait for the answer, not be dropped: a dropped exit fill leaves the bot holding
 * shares the broker sold, and every exit it lays after is refused.
 */
describe("a fill that arrives before its order's POST answer", () => {
  it("is held until the answer names its order, then applied once", async () => {
    let answer: (o: BrokerOrderLike) => void = () => undefined;
    const pending = new Promise<BrokerOrderLike>((r) => (answer = r));
    const alpaca = { trading: { orders: { oco: () => pending } } } as unknown as AlpacaClient;
    const fills: Fill[] = [];
    const updates: string[] = [];
    const venue = new AlpacaVenue(alpaca, ["ABC"], (f) => fills.push(f), { update: (e) => updates.push(e) });
    venue.submit({ clientOrderId: "p.t1.1", symbol: "ABC", symId: 0, side: "sell", type: "oco", qtyShares: 10, limitPriceUsd: 11, stopPriceUsd: 9, purpose: "t1" });
    await Promise.resolve();
    const legFill = { event: "fill", executionId: "x1", price: "9", qty: "10", timestamp: new Date(0), order: { id: "leg-1", clientOrderId: "broker-made-id" } };
    venue.onTradeUpdate(legFill);
    expect(fills).toEqual([]);
    expect(updates).not.toContain("unknown_fill");
    answer({ id: "parent-1", clientOrderId: "p.t1.1", legs: [{ id: "leg-1" }] });
    while (venue.inflight > 0) await new Promise((r) => setTimeout(r, 1));
    expect(fills).toMatchObject([{ clientOrderId: "p.t1.1", qtyShares: 10, priceUsd: 9, purpose: "stop" }]);
    venue.onTradeUpdate(legFill);
    expect(fills).toHaveLength(1);
  });

  it("is reported as unknown when no answer under way explains it", async () => {
    const alpaca = { trading: { orders: {} } } as unknown as AlpacaClient;
    const fills: Fill[] = [];
    const updates: string[] = [];
    const venue = new AlpacaVenue(alpaca, ["ABC"], (f) => fills.push(f), { update: (e) => updates.push(e) });
    venue.onTradeUpdate({ event: "fill", executionId: "x9", price: "9", qty: "5", order: { id: "someone-else", clientOrderId: "manual" } });
    expect(fills).toEqual([]);
    expect(updates).toContain("unknown_fill");
  });
});

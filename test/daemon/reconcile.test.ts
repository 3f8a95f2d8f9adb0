import { describe, expect, it } from "vitest";
import type { AlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { AlpacaVenue } from "../../src/adapters/alpaca/venue.ts";
import { alpacaPort } from "../../src/adapters/alpaca/port.ts";
import { reconcile } from "../../src/daemon/reconcile.ts";

/** A broker with one open order of this bot's, and a record of what was canceled. */
function broker(openCoid: string) {
  const canceled: string[] = [];
  const alpaca = {
    trading: {
      account: { getAccount: async () => ({ cash: "100000" }) },
      positions: { getAllOpenPositions: async () => [] },
      orders: {
        // The POST's answer never comes (lost, being looked up): the venue knows the intent, not the broker id.
        market: () => new Promise(() => undefined),
        getAllOrders: async () => [{ id: "broker-1", clientOrderId: openCoid, status: "new" }],
        deleteOrderByOrderID: async ({ orderId }: { orderId: string }) => void canceled.push(orderId),
      },
    },
  } as unknown as AlpacaClient;
  return { alpaca, canceled };
}

describe("start-up reconciliation of open orders", () => {
  it("leaves alone an order the replay made whose POST answer is still out (not an orphan)", async () => {
    const { alpaca, canceled } = broker("bear-trap.AAA.20240111T1814.entry");
    const venue = new AlpacaVenue(alpaca, ["AAA"], () => undefined);
    venue.setCash(100_000);
    venue.submit({ clientOrderId: "bear-trap.AAA.20240111T1814.entry", symbol: "AAA", symId: 0, side: "buy", type: "market", qtyShares: 10, purpose: "entry" });
    const flags = await reconcile({ port: alpacaPort(alpaca), venue, symbols: ["AAA"], strategyPrefixes: ["bear-trap."], closeUnknown: false, leftovers: [] });
    expect(flags).toEqual([]);
    expect(canceled).toEqual([]);
  });

  it("cancels an open order of this bot's that no decision made (an orphan), and says so", async () => {
    const { alpaca, canceled } = broker("bear-trap.AAA.20240111T1500.entry");
    const venue = new AlpacaVenue(alpaca, ["AAA"], () => undefined);
    venue.setCash(100_000);
    const flags = await reconcile({ port: alpacaPort(alpaca), venue, symbols: ["AAA"], strategyPrefixes: ["bear-trap."], closeUnknown: false, leftovers: [] });
    expect(canceled).toEqual(["broker-1"]);
    expect(flags).toEqual([expect.stringMatching(/an orphan of this bot .*canceled/)]);
  });
});

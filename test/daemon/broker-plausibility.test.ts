import { describe, expect, it } from "vitest";
import type { AlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { AlpacaVenue } from "../../src/adapters/alpaca/venue.ts";
import { alpacaPort } from "../../src/adapters/alpaca/port.ts";
import { implausibleBrokerFigures } from "../../src/daemon/broker-plausibility.ts";
import { reconcile } from "../../src/daemon/reconcile.ts";

/** A broker reporting these account figures and positions; records what reconcile closes. */
function broker(account: { cash: string; equity?: string }, positions: { symbol: string; qty: string; currentPrice?: string }[] = []) {
  const closed: string[] = [];
  const alpaca = {
    trading: {
      account: { getAccount: async () => account },
      positions: {
        getAllOpenPositions: async () => positions,
        deleteOpenPosition: async ({ symbolOrAssetId }: { symbolOrAssetId: string }) => void closed.push(symbolOrAssetId),
      },
      orders: { getAllOrders: async () => [] },
    },
  } as unknown as AlpacaClient;
  return { alpaca, closed };
}

async function run(account: { cash: string; equity?: string }, positions: { symbol: string; qty: string; currentPrice?: string }[] = [], closeUnknown = false) {
  const { alpaca, closed } = broker(account, positions);
  const venue = new AlpacaVenue(alpaca, ["AAA"], () => undefined);
  venue.setCash(100_000);
  const journal: Record<string, unknown>[] = [];
  const refused: string[] = [];
  const flags = await reconcile({ port: alpacaPort(alpaca), venue, symbols: ["AAA"], strategyPrefixes: ["bear-trap."], closeUnknown, leftovers: [], journal: (d) => journal.push({ ...d }), refuse: (why) => refused.push(why) });
  return { venue, journal, refused, flags, closed };
}

describe("reconcile refuses implausible broker figures", () => {
  it("$8.7e301 of broker cash is not adopted: the bot keeps its own, journals why and halts entries", async () => {
    const r = await run({ cash: "8.7e301", equity: "8.7e301" });
    expect(r.venue.cashUsd).toBe(100_000);
    expect(r.refused).toHaveLength(1);
    expect(r.refused[0]).toMatch(/cash \$8\.70000e\+301 is over 10x the run's own equity/);
    expect(r.journal).toContainEqual(expect.objectContaining({ kind: "implausible_broker", figure: "account", brokerCash: "8.7e301", adopted: false }));
    expect(r.flags).toEqual([expect.stringMatching(/refused .*kept the replay's \$100000\.00 and halted entries/)]);
  });

  it("a real difference within the limits is still adopted, and nothing is refused", async () => {
    const r = await run({ cash: "99500", equity: "99500" });
    expect(r.venue.cashUsd).toBe(99_500);
    expect(r.refused).toEqual([]);
    expect(r.flags).toEqual([expect.stringMatching(/adopted the broker's/)]);
  });

  it("non-finite, hugely negative cash and absurd equity are refused", async () => {
    for (const account of [{ cash: "Infinity" }, { cash: "NaN" }, { cash: "-1e9" }, { cash: "100000", equity: "5e12" }]) {
      const r = await run(account);
      expect(r.venue.cashUsd).toBe(100_000);
      expect(r.refused).toHaveLength(1);
    }
  });

  it("a position at an absurd price is neither adopted nor closed", async () => {
    const mine = await run({ cash: "100000" }, [{ symbol: "AAA", qty: "10", currentPrice: "1e300" }]);
    expect(mine.refused[0]).toMatch(/position AAA: 10 shares at \$1\.00000e\+300/);
    expect(mine.journal).toContainEqual(expect.objectContaining({ kind: "implausible_broker", figure: "position", symbol: "AAA" }));
    expect(mine.journal.some((j) => j.kind === "position_mismatch")).toBe(false);
    const unknown = await run({ cash: "100000" }, [{ symbol: "ZZZ", qty: "1e200", currentPrice: "5" }], true);
    expect(unknown.closed).toEqual([]);
    expect(unknown.refused[0]).toMatch(/position ZZZ/);
  });

  it("the pure check: limits scale with the run's own equity; a missing price or equity is not a fault", () => {
    expect(implausibleBrokerFigures({ cashUsd: 900_000, equityUsd: null, positions: [{ symbol: "A", qty: 5, priceUsd: null }] }, 100_000)).toEqual({ account: null, positions: new Map() });
    expect(implausibleBrokerFigures({ cashUsd: 1_100_000, equityUsd: null, positions: [] }, 100_000).account).toMatch(/over 10x/);
    expect(implausibleBrokerFigures({ cashUsd: 1_100_000, equityUsd: null, positions: [] }, 100_000, { maxEquityMultiple: 20, maxNegativeCashMultiple: 4 }).account).toBeNull();
    expect(implausibleBrokerFigures({ cashUsd: -300_000, equityUsd: null, positions: [] }, 100_000).account).toBeNull();
    expect(implausibleBrokerFigures({ cashUsd: 0, equityUsd: null, positions: [{ symbol: "A", qty: 1, priceUsd: -2 }] }, 100_000).positions.get("A")).toMatch(/not a positive number/);
  });
});

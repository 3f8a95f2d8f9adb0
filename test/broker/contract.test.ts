import { afterEach, describe, expect, it } from "vitest";
import type { BarView } from "../../src/core/bars.ts";
import { createBarView } from "../../src/core/bars.ts";
import { NyTime } from "../../src/core/ny-time.ts";
import type { Fill, OrderIntent } from "../../src/core/types.ts";
import type { Venue } from "../../src/broker/venue.ts";
import { simVenue } from "../../src/broker/sim-broker.ts";
import { frictionPerSide } from "../../src/broker/fill-model.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { createAlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { AlpacaVenue } from "../../src/adapters/alpaca/venue.ts";
import { OPEN_MS, MIN, series } from "../exchange/helpers.ts";

/**
 * One contract, two brokers: the simulated broker of backtests, and the Alpaca adapter driving
 * the official SDK against the local exchange. The same script of orders and bars must give the
 * same fills, prices, times and refusals on both, or a backtest would not predict the daemon.
 */

const ROWS = [
  [10, 10.1, 9.9, 10],
  [10.05, 10.2, 10.0, 10.1],
  [10.1, 10.5, 10.05, 10.3],
  [10.3, 10.6, 10.25, 10.55],
  [10.5, 10.55, 10.3, 10.35],
  [10.1, 10.15, 9.5, 9.7],
  [9.7, 9.8, 9.5, 9.6],
] as const;
const FRICTION_PCT = 0.125;
const CASH = 100_000;

interface Harness {
  readonly venue: Venue;
  readonly fills: Fill[];
  readonly refusals: string[];
  submit(i: Omit<OrderIntent, "symbol" | "symId">): void;
  /** Replays bar k; orders submitted so far may fill on it; resolves once every fill is in. */
  bar(k: number): Promise<void>;
  close(): Promise<void>;
}

const ny = new NyTime();

function view(k: number): BarView {
  const v = createBarView();
  const [o, h, l, c] = ROWS[k];
  const tMs = OPEN_MS + k * MIN;
  // Real New York coordinates: the simulated broker fills only inside the calendar's session.
  Object.assign(v, { symId: 0, tMs, open: o, high: h, low: l, close: c, volume: 1000, etDay: ny.etDay(tMs), etMinute: ny.etMinute(tMs) });
  return v;
}

/** Submits on ABC; a refusal at submit time joins the later ones (a live broker answers after the POST). */
function submitter(venue: Venue, refusals: string[]): Harness["submit"] {
  return (i) => {
    const r = venue.submit({ ...i, symbol: "ABC", symId: 0 });
    if (!r.accepted) refusals.push(r.reason);
  };
}

function simHarness(): Harness {
  const fills: Fill[] = [];
  const refusals: string[] = [];
  const current = createBarView();
  const venue = simVenue({ initialCashUsd: CASH, frictionPerSide: frictionPerSide(FRICTION_PCT), buyingPowerMultiple: 1 })(["ABC"], (f) => fills.push(f), current);
  return {
    venue,
    fills,
    refusals,
    submit: submitter(venue, refusals),
    bar: async (k) => {
      Object.assign(current, view(k));
      venue.onBar(current);
    },
    close: async () => undefined,
  };
}

async function alpacaHarness(): Promise<Harness> {
  const keyId = "PKCONTRACT";
  const secretKey = "contract-secret";
  const ex = await startExchange({ keyId, secretKey, bars: [series("ABC", ROWS)], speed: "max", initialCashUsd: CASH, frictionPctRoundTrip: FRICTION_PCT });
  const alpaca = createAlpacaClient({ keyId, secretKey, baseUrl: ex.url });
  const fills: Fill[] = [];
  const refusals: string[] = [];
  const venue = new AlpacaVenue(alpaca, ["ABC"], (f) => fills.push(f), { rejected: (_i, reason) => refusals.push(reason) }, { tMs: NaN }, { clock: { nowMs: () => ex.nowMs } });
  await venue.refreshAccount();
  const trading = alpaca.trading.stream({ url: `${ex.wsUrl}/stream` });
  trading.onTradeUpdate((u) => venue.onTradeUpdate(u));
  trading.onConnect(() => trading.subscribeTradeUpdates());
  trading.connect();
  await trading.whenAuthenticated();
  await new Promise((r) => setTimeout(r, 100));
  const settled = async (): Promise<void> => {
    const t0 = Date.now();
    while (venue.inflight > 0 || venue.fillsSeen < ex.fillsPublished) {
      if (Date.now() - t0 > 5000) throw new Error("exchange did not settle");
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  return {
    venue,
    fills,
    refusals,
    submit: submitter(venue, refusals),
    bar: async (k) => {
      await settled();
      ex.stepBars(1);
      await settled();
      venue.onBar(view(k));
    },
    close: async () => {
      trading.disconnect();
      await ex.close();
    },
  };
}

/** The script: buy, protect with an OCO and a runner stop, let a touch not fill, take the target, move the stop, gap through it. */
async function script(h: Harness): Promise<void> {
  await h.bar(0);
  h.submit({ clientOrderId: "c.entry", side: "buy", type: "market", qtyShares: 100, timing: "next_open", purpose: "entry" });
  await h.bar(1);
  h.submit({ clientOrderId: "c.tp1", side: "sell", type: "oco", qtyShares: 50, limitPriceUsd: 10.5, stopPriceUsd: 9.6, purpose: "tp1" });
  h.submit({ clientOrderId: "c.stop1", side: "sell", type: "stop", qtyShares: 50, stopPriceUsd: 9.6, purpose: "stop" });
  await h.bar(2); // high touches 10.5: a touch is not a fill
  await h.bar(3); // trades through 10.5: the OCO's limit leg fills, its stop leg is canceled
  h.venue.cancel("c.stop1");
  h.submit({ clientOrderId: "c.stop2", side: "sell", type: "stop", qtyShares: 50, stopPriceUsd: 10.2, purpose: "stop" });
  await h.bar(4);
  await h.bar(5); // opens below 10.2: the stop fills at the open
  await h.bar(6); // through the old 9.6 stops: both gone, nothing fills
  h.submit({ clientOrderId: "c.entry", side: "buy", type: "market", qtyShares: 1, timing: "next_open", purpose: "entry" });
  h.submit({ clientOrderId: "c.huge", side: "buy", type: "limit", qtyShares: 1_000_000, limitPriceUsd: 9.6, purpose: "entry" });
}

const brokers: [string, () => Promise<Harness>][] = [
  ["simulated broker", async () => simHarness()],
  ["Alpaca adapter + SDK on the local exchange", alpacaHarness],
];

describe.each(brokers)("broker contract: %s", (_name, make) => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it("fills market, limit, OCO and stop orders as the shared fill model says, and refuses what a broker refuses", async () => {
    h = await make();
    await script(h);
    const f = frictionPerSide(FRICTION_PCT);
    expect(h.fills.map((x) => [x.clientOrderId, x.side, x.qtyShares, x.purpose, x.timeMs])).toEqual([
      ["c.entry", "buy", 100, "entry", OPEN_MS + 1 * MIN],
      ["c.tp1", "sell", 50, "tp1", OPEN_MS + 4 * MIN],
      ["c.stop2", "sell", 50, "stop", OPEN_MS + 5 * MIN],
    ]);
    const prices = h.fills.map((x) => x.priceUsd);
    [10.05 * (1 + f), 10.5 * (1 - f), 10.1 * (1 - f)].forEach((p, i) => expect(prices[i]).toBeCloseTo(p, 5));
    // A reused client order id and an order beyond buying power are refused.
    await new Promise((r) => setTimeout(r, 50));
    expect(h.refusals).toHaveLength(2);
    expect(h.refusals.join(" ")).toMatch(/client_order_id must be unique/);
    expect(h.refusals.join(" ")).toMatch(/buying power/);
    // Flat again: equity is the cash the round trips left.
    const cash = CASH - 100 * prices[0] + 50 * prices[1] + 50 * prices[2];
    expect(h.venue.equityUsd()).toBeCloseTo(cash, 4);
    expect(h.venue.cancel("never-placed")).toBe(false);
  }, 20_000);
});

import { afterEach, describe, expect, it } from "vitest";
import type { OrderIntent } from "../../src/core/types.ts";
import { startExchange, type Exchange, type RestFault } from "../../src/exchange/server.ts";
import { createAlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { AlpacaVenue } from "../../src/adapters/alpaca/venue.ts";
import { series } from "../exchange/helpers.ts";

/**
 * "After an ambiguous failure, look the order up by client_order_id before anything else; never
 * resubmit blindly." Each case injects a failure at the local exchange between the official SDK
 * and the book, then counts what the broker ends up holding: one order per intent, always.
 */

const KEY = "PKAMBIGUOUS";
const SECRET = "ambiguous-post-secret";
const ROWS = Array.from({ length: 5 }, () => [10, 10, 10, 10] as const);

interface Seen {
  readonly updates: string[];
  readonly adopted: string[];
  readonly acknowledged: string[];
  readonly rejected: string[];
}

let ex: Exchange | null = null;
afterEach(async () => {
  await ex?.close();
  ex = null;
});

/** An exchange whose faults follow `plan` (method + path -> the faults of successive requests), and a venue on it. */
async function setup(plan: Record<string, (RestFault | null)[]>, timeoutMs?: number) {
  const requests: string[] = [];
  ex = await startExchange({
    keyId: KEY,
    secretKey: SECRET,
    bars: [series("ABC", ROWS)],
    speed: "max",
    initialCashUsd: 100_000,
    frictionPctRoundTrip: 0,
    restFault: ({ method, path }) => {
      const key = `${method} ${path.startsWith("/v2/orders:by_client_order_id") ? "/v2/orders:by_client_order_id" : method === "DELETE" ? "/v2/orders/*" : path}`;
      requests.push(key);
      return plan[key]?.shift() ?? null;
    },
  });
  ex.stepBars(1);
  const seen: Seen = { updates: [], adopted: [], acknowledged: [], rejected: [] };
  const alpaca = createAlpacaClient({ keyId: KEY, secretKey: SECRET, baseUrl: ex.url, timeoutMs });
  const venue = new AlpacaVenue(
    alpaca,
    ["ABC"],
    () => undefined,
    {
      update: (event) => seen.updates.push(event),
      adopted: (i, _id, why) => seen.adopted.push(`${i.clientOrderId}: ${why}`),
      acknowledged: (i) => seen.acknowledged.push(i.clientOrderId),
      rejected: (i, reason) => seen.rejected.push(`${i.clientOrderId}: ${reason}`),
    },
    { tMs: NaN },
    { retryDelayMs: 5, postAttempts: 3 },
  );
  const submit = async (clientOrderId: string): Promise<void> => {
    const intent: OrderIntent = { clientOrderId, symbol: "ABC", symId: 0, side: "buy", type: "limit", qtyShares: 10, limitPriceUsd: 9, purpose: "entry" };
    expect(venue.submit(intent).accepted).toBe(true);
    const t0 = Date.now();
    while (venue.inflight > 0) {
      if (Date.now() - t0 > 10_000) throw new Error("the venue did not settle");
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const atBroker = (coid: string) => ex!.book.allOrders().filter((o) => o.client_order_id === coid).length;
  return { venue, seen, submit, atBroker, requests };
}

const POST = "POST /v2/orders";
const LOOKUP = "GET /v2/orders:by_client_order_id";

describe("ambiguous order POSTs: look up by client order id, never resubmit blindly", () => {
  it("500 after the broker took the order (response lost): found by lookup and adopted, not sent again", async () => {
    const { seen, submit, atBroker, requests } = await setup({ [POST]: [{ when: "after", status: 500 }] });
    await submit("amb.after500");
    expect(atBroker("amb.after500")).toBe(1);
    expect(requests.filter((r) => r === POST)).toHaveLength(1);
    expect(requests).toContain(LOOKUP);
    expect(seen.updates).toEqual(["post_ambiguous"]);
    expect(seen.adopted).toEqual(["amb.after500: found after an ambiguous failure"]);
    expect(seen.rejected).toEqual([]);
  });

  it("500 before the broker saw it: the lookup finds nothing, so it is posted again under the same id, once", async () => {
    const { seen, submit, atBroker, requests } = await setup({ [POST]: [{ when: "before", status: 500 }] });
    await submit("amb.before500");
    expect(atBroker("amb.before500")).toBe(1);
    expect(requests.filter((r) => r === POST)).toHaveLength(2);
    expect(requests.indexOf(LOOKUP)).toBeLessThan(requests.lastIndexOf(POST));
    expect(seen.acknowledged).toEqual(["amb.before500"]);
    expect(seen.adopted).toEqual([]);
  });

  it("the response is lost and so is the lookup: the second POST is refused as a duplicate id, which proves the first landed; adopted", async () => {
    const { seen, submit, atBroker } = await setup({ [POST]: [{ when: "after", status: 502 }], [LOOKUP]: [{ when: "before", status: 500 }] });
    await submit("amb.dup");
    expect(atBroker("amb.dup")).toBe(1);
    expect(seen.updates).toEqual(["post_ambiguous", "lookup_failed", "post_ambiguous"]);
    expect(seen.adopted).toEqual(["amb.dup: duplicate client_order_id: the first POST was accepted"]);
  });

  it("429 with Retry-After: waits as told, looks up, then posts once", async () => {
    const { seen, submit, atBroker } = await setup({ [POST]: [{ when: "before", status: 429, retryAfterS: 1 }] });
    const t0 = Date.now();
    await submit("amb.429");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(atBroker("amb.429")).toBe(1);
    expect(seen.acknowledged).toEqual(["amb.429"]);
  });

  it("an answer slower than the client's timeout: the order that did land is found and adopted", async () => {
    const { seen, submit, atBroker } = await setup({ [POST]: [{ when: "after", delayMs: 1500 }] }, 300);
    await submit("amb.slow");
    expect(atBroker("amb.slow")).toBe(1);
    expect(seen.updates).toEqual(["post_ambiguous"]);
    expect(seen.adopted).toEqual(["amb.slow: found after an ambiguous failure"]);
  });

  it("a definitive refusal (4xx) is final: no lookup, no second POST", async () => {
    const { seen, submit, atBroker, requests } = await setup({ [POST]: [{ when: "before", status: 403 }] });
    await submit("amb.403");
    expect(atBroker("amb.403")).toBe(0);
    expect(requests.filter((r) => r === POST)).toHaveLength(1);
    expect(requests).not.toContain(LOOKUP);
    expect(seen.rejected).toHaveLength(1);
  });

  it("the broker stays unreachable: gives up after the configured attempts and says the state is unknown (one POST per attempt)", async () => {
    const down: RestFault = { when: "before", status: 503 };
    const { seen, submit, atBroker, requests } = await setup({ [POST]: [down, down, down], [LOOKUP]: [down, down, down] });
    await submit("amb.down");
    expect(atBroker("amb.down")).toBe(0);
    expect(requests.filter((r) => r === POST)).toHaveLength(3);
    expect(seen.rejected).toEqual([expect.stringMatching(/^amb\.down: order state unknown after 3 attempts .*not sent again/)]);
  });

  it("a cancel that meets a 429 or a 500 is tried again until it lands (an exit left resting would refuse its replacement)", async () => {
    const { venue, seen, submit, requests } = await setup({ "DELETE /v2/orders/*": [{ when: "before", status: 429, retryAfterS: 0 }, { when: "before", status: 500 }] });
    await submit("amb.cancel");
    expect(venue.cancel("amb.cancel")).toBe(true);
    const t0 = Date.now();
    while (venue.inflight > 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 2));
    expect(ex!.book.allOrders().find((o) => o.client_order_id === "amb.cancel")?.status).toBe("canceled");
    expect(requests.filter((r) => r === "DELETE /v2/orders/*")).toHaveLength(3);
    expect(seen.updates.filter((u) => u === "cancel_ambiguous")).toHaveLength(2);
  });
});

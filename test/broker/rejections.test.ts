import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { OrderIntent } from "../../src/core/types.ts";
import { startExchange, type Exchange, type RestFault } from "../../src/exchange/server.ts";
import { createAlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { AlpacaVenue } from "../../src/adapters/alpaca/venue.ts";
import { runLocal } from "../../src/daemon/run-local.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { parseConfig } from "../../src/config/load.ts";
import { readJournal } from "../../src/store/journal.ts";
import { series } from "../exchange/helpers.ts";

/**
 * Definitive broker refusals (alpaca-protocol.md, error codes): each reaches the engine once as a
 * rejection, with the broker's words, and is never sent again: no lookup, no second POST, nothing
 * later. Real refusals of the local exchange where it makes them (buying power, sub-penny prices,
 * a reused client order id), injected ones where it has no such rule (PDT, market closed).
 */

const KEY = "PKREJECTIONS";
const SECRET = "rejections-test-secret";
const POST = "POST /v2/orders";
const LOOKUP = "GET /v2/orders:by_client_order_id";

let ex: Exchange | null = null;
afterEach(async () => {
  await ex?.close();
  ex = null;
});

async function setup(fault: RestFault | null = null) {
  const requests: string[] = [];
  ex = await startExchange({
    keyId: KEY,
    secretKey: SECRET,
    bars: [series("ABC", Array.from({ length: 5 }, () => [10, 10, 10, 10] as const))],
    speed: "max",
    initialCashUsd: 100_000,
    frictionPctRoundTrip: 0,
    restFault: ({ method, path }) => {
      const key = `${method} ${path.startsWith("/v2/orders:by_client_order_id") ? "/v2/orders:by_client_order_id" : path}`;
      requests.push(key);
      return key === POST ? fault : null;
    },
  });
  ex.stepBars(1);
  const rejected: string[] = [];
  const updates: string[] = [];
  const adopted: string[] = [];
  const venue = new AlpacaVenue(
    createAlpacaClient({ keyId: KEY, secretKey: SECRET, baseUrl: ex.url }),
    ["ABC"],
    () => undefined,
    { rejected: (i, reason) => rejected.push(`${i.clientOrderId}: ${reason}`), update: (e) => updates.push(e), adopted: (i, _id, why) => adopted.push(`${i.clientOrderId}: ${why}`) },
    { tMs: NaN },
    { retryDelayMs: 5, postAttempts: 3 },
  );
  const settle = async (): Promise<void> => {
    const t0 = Date.now();
    while (venue.inflight > 0) {
      if (Date.now() - t0 > 10_000) throw new Error("the venue did not settle");
      await new Promise((r) => setTimeout(r, 2));
    }
    // Long enough for any retry the venue might still schedule to show up.
    await new Promise((r) => setTimeout(r, 50));
  };
  const buy = (clientOrderId: string, extra: Partial<OrderIntent> = {}): OrderIntent => ({ clientOrderId, symbol: "ABC", symId: 0, side: "buy", type: "limit", qtyShares: 10, limitPriceUsd: 9, purpose: "entry", ...extra });
  return { venue, requests, rejected, updates, adopted, settle, buy };
}

const count = (xs: readonly string[], x: string): number => xs.filter((y) => y === x).length;

describe("definitive broker refusals: one rejection each, never sent again", () => {
  const cases: { name: string; fault: RestFault | null; intent: Partial<OrderIntent>; says: RegExp }[] = [
    { name: "insufficient buying power (403, the exchange's own check)", fault: null, intent: { qtyShares: 1_000_000 }, says: /insufficient buying power/ },
    { name: "pattern day trading protection (403 40310100)", fault: { when: "before", status: 403, code: 40310100, message: "trade denied due to pattern day trading protection" }, intent: {}, says: /pattern day trading/ },
    { name: "sub-penny price (422 42210000, the exchange's own check)", fault: null, intent: { limitPriceUsd: 9.123 }, says: /sub-penny increment/ },
    { name: "market closed (403)", fault: { when: "before", status: 403, code: 40310000, message: "market is closed" }, intent: {}, says: /market is closed/ },
    { name: "market closed (422)", fault: { when: "before", status: 422, code: 42210000, message: "market is closed" }, intent: {}, says: /market is closed/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const s = await setup(c.fault);
      expect(s.venue.submit(s.buy("rej.1", c.intent)).accepted).toBe(true);
      await s.settle();
      expect(s.rejected).toEqual([expect.stringMatching(new RegExp(`^rej\\.1: .*${c.says.source}`))]);
      expect(count(s.requests, POST)).toBe(1);
      expect(count(s.requests, LOOKUP)).toBe(0);
      expect(s.updates).toEqual([]);
      // The engine asking again under the same id is answered at once, without a request.
      expect(s.venue.submit(s.buy("rej.1", c.intent))).toEqual({ accepted: false, reason: "client_order_id must be unique" });
      await s.settle();
      expect(count(s.requests, POST)).toBe(1);
    });
  }

  it("a reused client order id whose order the broker has: adopted, not refused, not sent twice", async () => {
    const s = await setup();
    s.venue.submit(s.buy("dup.1"));
    await s.settle();
    // A second bot process (no memory of the first) asks for the same intent.
    const other = new AlpacaVenue(createAlpacaClient({ keyId: KEY, secretKey: SECRET, baseUrl: ex!.url }), ["ABC"], () => undefined, { adopted: (i, _id, why) => s.adopted.push(`${i.clientOrderId}: ${why}`), rejected: (i, r) => s.rejected.push(`${i.clientOrderId}: ${r}`) }, { tMs: NaN }, { retryDelayMs: 5, postAttempts: 3 });
    other.submit(s.buy("dup.1"));
    while (other.inflight > 0) await new Promise((r) => setTimeout(r, 2));
    expect(s.adopted).toEqual(["dup.1: duplicate client_order_id: the first POST was accepted"]);
    expect(s.rejected).toEqual([]);
    expect(count(s.requests, POST)).toBe(2);
    expect(ex!.book.allOrders().filter((o) => o.client_order_id === "dup.1")).toHaveLength(1);
  });

  it("a reused client order id the broker cannot show: looked up, never posted again, one rejection", async () => {
    const s = await setup({ when: "before", status: 422, code: 40010001, message: "client_order_id must be unique" });
    s.venue.submit(s.buy("dup.2"));
    await s.settle();
    expect(count(s.requests, POST)).toBe(1);
    expect(count(s.requests, LOOKUP)).toBe(3);
    expect(s.rejected).toEqual([expect.stringMatching(/^dup\.2: client_order_id dup\.2 is already used at the broker, but no order by it was found in 3 lookups .*not sent again$/)]);
  });
});

describe("the daemon when the broker refuses every order (PDT protection)", () => {
  it("journals each refusal once (order_update + the signal's rejection) and sends each intent once", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "sw-refused-"));
    const config = parseConfig({ strategy: { minDayChangePct: -10 }, execution: { entryFill: "next_open", exitFill: "next_open" } });
    let posts = 0;
    const r = await runLocal({
      config,
      series: generateSeries({ seed: 3, symbols: 8, days: 6, selloffProb: 0.3 }),
      stateDir,
      log: pino({ level: "silent" }),
      restFault: ({ method, path }) => {
        if (method !== "POST" || path !== "/v2/orders") return null;
        posts++;
        return { when: "before", status: 403, code: 40310100, message: "trade denied due to pattern day trading protection" };
      },
    });
    const events = readdirSync(join(stateDir, "journal"))
      .filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f))
      .flatMap((f) => readJournal(stateDir, f.slice(0, 10)));
    const submitted = events.filter((e) => e.type === "order_submitted").map((e) => String(e.clientOrderId));
    const refused = events.filter((e) => e.type === "order_update" && e.event === "rejected").map((e) => String(e.clientOrderId));
    const rejections = events.filter((e) => e.type === "rejection" && /^order rejected: .*pattern day trading/.test(String(e.reason)));
    expect(submitted.length).toBeGreaterThan(3);
    expect(new Set(submitted).size).toBe(submitted.length);
    expect(refused.sort()).toEqual([...submitted].sort());
    expect(rejections).toHaveLength(submitted.length);
    expect(posts).toBe(submitted.length);
    expect(r.trades).toEqual([]);
    expect(r.brokerOrders).toEqual([]);
  }, 60_000);
});

/**
 * nock against Alpaca's real hosts, with the fixtures of test/fixtures/alpaca (Alpaca's own payload
 * shapes, see that folder's README). Nothing here reaches the network: every test file that imports
 * this disables it (loopback stays open for the local exchange).
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach } from "vitest";
import type { OrderIntent } from "../../src/core/types.ts";
import { createAlpacaClient, type AlpacaClient } from "../../src/adapters/alpaca/client.ts";

// nock 15 intercepts fetch through @mswjs/interceptors, which calls Promise.withResolvers
// (Node 22+) when a request is made; the project runs on Node 20.
const P = Promise as unknown as { withResolvers?: () => unknown };
if (typeof P.withResolvers !== "function") {
  P.withResolvers = function withResolvers() {
    let resolve: (v: unknown) => void = () => undefined;
    let reject: (e: unknown) => void = () => undefined;
    const promise = new Promise((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}
const { default: nockDefault } = await import("nock");
export const nock = nockDefault;

/** Alpaca's paper trading host and market-data host, as the SDK calls them. */
export const PAPER = "https://paper-api.alpaca.markets";
export const LIVE = "https://api.alpaca.markets";
export const DATA = "https://data.alpaca.markets";
export const KEY = "PKADAPTERTEST";
export const SECRET = "adapter-test-secret";

/** A JSON object as the fixtures hold it. */
export type Json = Record<string, unknown>;

const FIXTURES = new URL("../fixtures/alpaca/", import.meta.url);

function load(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")) as Record<string, unknown>;
}

/** Orders by name (orders.json). */
export const ORDERS = load("orders.json") as Record<string, Json>;
/** trade_updates frames by name (trade-updates.json). */
export const UPDATES = load("trade-updates.json") as Record<string, { stream: string; data: Json }>;
/** FILL activities (activities.json). */
export const FILLS = (load("activities.json") as { fills: Json[] }).fills;
/** Error answers by name (errors.json). */
export const ERRORS = load("errors.json") as Record<string, { status: number; headers?: Record<string, string>; body: Json }>;
/** Account, clock, calendar, positions and the 207 answers (account.json). */
export const ACCOUNT = load("account.json") as {
  account: Json;
  clock_open: Json;
  clock_closed: Json;
  calendar: Json[];
  positions: Json[];
  close_all_207: Json[];
  cancel_all_207: Json[];
};

/** A copy of a fixture with some fields changed (fixtures are shared: never mutate one). */
export function like<T extends Json>(base: T, changes: Json): T {
  return { ...structuredClone(base), ...changes } as T;
}

/**
 * The client the daemon builds for Alpaca paper (no base URL: the SDK's own hosts, retries and
 * limiter on). The timeout is long: no test here times a request out, and on a loaded machine a 2 s
 * timeout aborted a request while nock's interceptor was answering it, which undici then failed on
 * outside any test (an uncaught "reading 'statusCode'" that turns the whole run red).
 */
export function paperClient(): AlpacaClient {
  return createAlpacaClient({ keyId: KEY, secretKey: SECRET, timeoutMs: 30_000 });
}

/** nock's interceptor for Alpaca's paper host that checks the key headers the SDK must send. */
export function paper(): ReturnType<typeof nock> {
  return nock(PAPER, { reqheaders: { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET } });
}

/** Network off (loopback stays open for the local exchange) and no interceptor left over between tests. */
export function useNock(): void {
  beforeEach(() => {
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
  });
  afterEach(() => {
    const left = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    if (left.length > 0) throw new Error(`interceptors never called: ${left.join(", ")}`);
  });
}

/** An intent as the engine makes one. */
export function intent(over: Partial<OrderIntent> = {}): OrderIntent {
  return {
    clientOrderId: "sw-test-SOFI-1-entry",
    symbol: "SOFI",
    symId: 0,
    side: "buy",
    type: "market",
    qtyShares: 100,
    purpose: "entry",
    ...over,
  };
}

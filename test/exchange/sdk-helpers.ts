import { Alpaca, ApiError } from "@alpacahq/alpaca-trade-api";
import { fetchTo } from "../../src/adapters/alpaca/client.ts";
import type { BarSeries } from "../../src/core/bars.ts";
import { startExchange, type Exchange, type ExchangeOptions } from "../../src/exchange/server.ts";
import type { TradeUpdate } from "../../src/exchange/types.ts";

export const KEY = "PKTESTKEY";
export const SECRET = "test-secret";

/** The official SDK, unchanged, with its hosts rewritten to the local exchange (in this process or another). */
export function client(ex: { readonly url: string }, keyId = KEY, secret = SECRET): Alpaca {
  return new Alpaca({ keyId, secret, paper: true, retry: false, rateLimit: false, fetchApi: fetchTo(ex.url) });
}

export async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

/** The SDK types order ids as optional; every order this exchange returns has one. */
export function idOf(o: { id?: string }): string {
  if (!o.id) throw new Error("order without an id");
  return o.id;
}

/** Raw REST headers with the test key pair, for requests the SDK cannot shape. */
export const RAW_HEADERS = { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET, "content-type": "application/json" };

/** A local exchange on `bars` ($100k, no friction), the SDK pointed at it, and every trade update it sends. */
export async function openExchange(bars: readonly BarSeries[], o: Partial<ExchangeOptions> = {}): Promise<{ ex: Exchange; alpaca: Alpaca; updates: TradeUpdate[] }> {
  const ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [...bars], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0, ...o });
  const updates: TradeUpdate[] = [];
  ex.book.onUpdate((u) => updates.push(u));
  return { ex, alpaca: client(ex), updates };
}

import { Alpaca, ApiError } from "@alpacahq/alpaca-trade-api";
import { fetchTo } from "../../src/adapters/alpaca/client.ts";

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

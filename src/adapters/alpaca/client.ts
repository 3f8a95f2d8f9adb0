import { Alpaca } from "@alpacahq/alpaca-trade-api";

export interface AlpacaClientOptions {
  readonly keyId: string;
  readonly secretKey: string;
  /** http://127.0.0.1:PORT of a local exchange; absent = Alpaca's own paper and data hosts. */
  readonly baseUrl?: string;
  /** Real money: only when the config AND the command line both opt in (see start-cmd chooseBroker). */
  readonly live?: boolean;
  /**
   * Per-request deadline. The SDK's default is 30 s; an order POST that has not answered in 10 s
   * is better looked up by client order id (the venue does) than waited on while bars pass.
   */
  readonly timeoutMs?: number;
  /** Sees every request on its way to a local exchange (a benchmark times the POSTs); only with baseUrl. */
  readonly onRequest?: (url: string, init?: RequestInit) => void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The official SDK, unchanged. SDK 4.x has no base-URL option, so a local exchange is reached by
 * rewriting its hosts in `fetchApi` (alpaca-protocol.md: "Pointing SDK 4.x at another host").
 */
export function createAlpacaClient(o: AlpacaClientOptions): Alpaca {
  const base = o.baseUrl;
  const timeoutMs = o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (base === undefined) return new Alpaca({ keyId: o.keyId, secret: o.secretKey, paper: o.live !== true, timeoutMs });
  return new Alpaca({
    keyId: o.keyId,
    secret: o.secretKey,
    paper: true,
    timeoutMs,
    // The local exchange answers at once; retries would only hide its errors.
    retry: false,
    rateLimit: false,
    fetchApi: o.onRequest ? watched(fetchTo(base), o.onRequest) : fetchTo(base),
  });
}

export type AlpacaClient = Alpaca;

function watched(f: (u: string, i?: RequestInit) => Promise<Response>, see: (u: string, i?: RequestInit) => void): (u: string, i?: RequestInit) => Promise<Response> {
  return (u, i) => {
    see(u, i);
    return f(u, i);
  };
}

/** A `fetchApi` for the SDK that sends Alpaca's paper and data hosts to `base` (a local exchange). */
export function fetchTo(base: string): (u: string, i?: RequestInit) => Promise<Response> {
  return (u, i) => fetch(u.replace(/^https:\/\/(paper-api|data)\.alpaca\.markets/, base), i);
}

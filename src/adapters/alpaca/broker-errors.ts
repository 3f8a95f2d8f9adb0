/**
 * How the venue reads a failed REST call. Alpaca answers a refused order with a 4xx envelope; a
 * 5xx, a 408/429, a timeout or a dropped connection leaves the order's fate unknown: it may have
 * been accepted. Only the first kind is a rejection; the second must be looked up by
 * client_order_id before anything else (alpaca-protocol.md, "client_order_id").
 */

interface StatusLike {
  readonly status?: unknown;
  readonly message?: unknown;
  readonly retryAfterMs?: unknown;
}

function statusOf(e: unknown): number | null {
  const s = typeof e === "object" && e !== null ? (e as StatusLike).status : undefined;
  return typeof s === "number" ? s : null;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The broker read the request and refused it: sending it again gets the same answer. */
export function isDefinitiveRejection(e: unknown): boolean {
  const s = statusOf(e);
  return s !== null && s >= 400 && s < 500 && s !== 408 && s !== 429;
}

/** Alpaca refuses a reused client_order_id with 422: the order exists (or existed) at the broker. */
export function isDuplicateClientId(e: unknown): boolean {
  return statusOf(e) === 422 && /client_order_id must be unique/i.test(errorMessage(e));
}

export function isNotFound(e: unknown): boolean {
  return statusOf(e) === 404;
}

/** The broker's suggested wait (Retry-After) when it gave one. */
export function retryAfterMs(e: unknown): number | null {
  const r = typeof e === "object" && e !== null ? (e as StatusLike).retryAfterMs : undefined;
  return typeof r === "number" && r >= 0 ? r : null;
}

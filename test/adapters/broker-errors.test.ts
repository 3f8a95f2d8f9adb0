import { describe, expect, it } from "vitest";
import { ApiError, AuthError, NotFoundError, PermissionError, RateLimitError, ValidationError } from "@alpacahq/alpaca-trade-api";
import { errorMessage, isDefinitiveRejection, isDuplicateClientId, isNotFound, retryAfterMs } from "../../src/adapters/alpaca/broker-errors.ts";
import { ERRORS, paper, paperClient, useNock } from "./alpaca-nock.ts";

useNock();

/** What the venue must make of each of Alpaca's error answers (errors.json). */
const EXPECT: Record<string, { cls: typeof ApiError; final: boolean; duplicate?: boolean; notFound?: boolean }> = {
  insufficient_buying_power: { cls: PermissionError, final: true },
  insufficient_qty: { cls: PermissionError, final: true },
  pattern_day_trader: { cls: PermissionError, final: true },
  wash_trade: { cls: ValidationError, final: true },
  sub_penny: { cls: ValidationError, final: true },
  stop_vs_base_price: { cls: ValidationError, final: true },
  client_order_id_not_unique: { cls: ValidationError, final: true, duplicate: true },
  order_not_cancelable: { cls: ValidationError, final: true },
  order_not_found: { cls: NotFoundError, final: true, notFound: true },
  position_not_found: { cls: NotFoundError, final: true, notFound: true },
  unauthorized: { cls: AuthError, final: true },
  rate_limited: { cls: RateLimitError, final: false },
  internal: { cls: ApiError, final: false },
};

/** The error the SDK raises for a POST /v2/orders answered with fixture `name` (POSTs are never retried by the SDK). */
async function postAnsweredWith(name: string): Promise<unknown> {
  const f = ERRORS[name];
  paper().post("/v2/orders").reply(f.status, f.body, f.headers);
  try {
    await paperClient().trading.orders.market({ symbol: "SOFI", qty: 100, side: "buy", clientOrderId: "sw-x" });
  } catch (e) {
    return e;
  }
  throw new Error("expected the POST to fail");
}

describe("each of Alpaca's error bodies becomes the right error, code and message", () => {
  it("covers every fixture", () => {
    expect(Object.keys(EXPECT).sort()).toEqual(Object.keys(ERRORS).sort());
  });

  for (const [name, want] of Object.entries(EXPECT)) {
    it(`${name}: ${ERRORS[name].status} ${String(ERRORS[name].body.code)}`, async () => {
      const f = ERRORS[name];
      const e = await postAnsweredWith(name);
      expect(e).toBeInstanceOf(want.cls);
      const api = e as ApiError;
      expect(api.status).toBe(f.status);
      expect(api.code).toBe(f.body.code);
      // The message the venue journals and hands the engine is Alpaca's own.
      expect(errorMessage(e)).toBe(f.body.message);
      expect(isDefinitiveRejection(e)).toBe(want.final);
      expect(isDuplicateClientId(e)).toBe(want.duplicate === true);
      expect(isNotFound(e)).toBe(want.notFound === true);
    });
  }

  it("429: the X-RateLimit-* headers are read, and the wait until X-RateLimit-Reset is the retry delay", async () => {
    const f = ERRORS.rate_limited;
    const resetS = Math.floor(Date.now() / 1000) + 3;
    paper().post("/v2/orders").reply(429, f.body, { ...f.headers, "X-RateLimit-Reset": String(resetS) });
    const e = (await paperClient().trading.orders.market({ symbol: "SOFI", qty: 1, side: "buy", clientOrderId: "sw-x" }).catch((x: unknown) => x)) as RateLimitError;
    expect(e.rateLimit).toEqual({ limit: 200, remaining: 0, reset: new Date(resetS * 1000) });
    const wait = retryAfterMs(e);
    expect(wait).not.toBeNull();
    expect(wait).toBeGreaterThan(1000);
    expect(wait).toBeLessThanOrEqual(3000);
  });

  it("429 with Retry-After: that is the wait", async () => {
    paper().post("/v2/orders").reply(429, ERRORS.rate_limited.body, { "Retry-After": "2" });
    const e = await paperClient().trading.orders.market({ symbol: "SOFI", qty: 1, side: "buy", clientOrderId: "sw-x" }).catch((x: unknown) => x);
    expect(retryAfterMs(e)).toBe(2000);
  });

  it("the extra fields of a 403 insufficient-qty answer stay readable on the SDK error's response", async () => {
    const e = (await postAnsweredWith("insufficient_qty")) as ApiError;
    const body = (await e.response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ available: "0", existing_qty: "100", held_for_orders: "100", related_orders: ["b2f0a6b4-59c5-4b4d-9a57-1f0d9c6ad008"] });
  });

  it("a dropped connection is not a rejection (the order may have been accepted)", () => {
    const dropped = new TypeError("fetch failed");
    expect(isDefinitiveRejection(dropped)).toBe(false);
    expect(isDuplicateClientId(dropped)).toBe(false);
    expect(retryAfterMs(dropped)).toBeNull();
  });
});

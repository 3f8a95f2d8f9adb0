import type { Working } from "./order-classes.ts";
import { invalid } from "./order-classes.ts";
import type { TimeInForce } from "./types.ts";
import { decimalValue, describeValue as describe, ERR, ExchangeError } from "./types.ts";
import { isOnTick } from "../core/tick.ts";

/**
 * The body of PATCH /v2/orders/{id} (Alpaca "Replace an Order" reference; SDK 4.x
 * `trading.orders.replaceOrderForCurrentAccount` / the generated `PatchOrderRequest` model):
 * qty, time_in_force, limit_price, stop_price, trail, client_order_id. Each given field overrides
 * the old order's; the rest are kept. Numbers may arrive as strings.
 */
export interface ReplaceFields {
  readonly qty: number;
  readonly tif: TimeInForce;
  readonly limit: number;
  readonly stop: number;
  /** null: the exchange assigns a fresh one (the old order's id stays taken). */
  readonly cid: string | null;
}

/** The validated replacement of `old`; throws Alpaca-style refusals for fields the order cannot take. */
export function parseReplace(body: unknown, old: Working): ReplaceFields {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalid("request body must be a JSON object");
  const b = body as Record<string, unknown>;
  const given = (k: string): boolean => b[k] !== undefined && b[k] !== null && b[k] !== "";
  if (!["qty", "time_in_force", "limit_price", "stop_price", "trail", "client_order_id"].some(given)) throw invalid("nothing to replace");
  // This exchange has no trailing stops, so no order here can take a trail.
  if (given("trail")) throw invalid("trail can only be replaced on trailing_stop orders");
  const type = old.order.type;
  if (given("limit_price") && type !== "limit") throw invalid(`limit_price cannot be set on a ${type} order`);
  if (given("stop_price") && type !== "stop") throw invalid(`stop_price cannot be set on a ${type} order`);
  let tif = old.order.time_in_force;
  if (given("time_in_force")) {
    if (b.time_in_force !== "day" && b.time_in_force !== "gtc") throw invalid(`invalid time_in_force: ${JSON.stringify(b.time_in_force)}`);
    tif = b.time_in_force;
  }
  const qty = given("qty") ? positive(b.qty, "qty") : old.qty;
  if (!Number.isInteger(qty)) throw invalid("fractional qty is not supported by the local exchange");
  const cid = given("client_order_id") ? b.client_order_id : null;
  if (cid !== null && (typeof cid !== "string" || cid.length > 128)) throw invalid("client_order_id must be a string of at most 128 characters");
  return {
    qty, tif, cid,
    limit: given("limit_price") ? price(b.limit_price, "limit_price") : old.limit,
    stop: given("stop_price") ? price(b.stop_price, "stop_price") : old.stop,
  };
}

function positive(v: unknown, field: string): number {
  // Numbers or plain decimal strings only (Alpaca's reference: string-encoded decimals): see decimalValue.
  const n = decimalValue(v);
  if (!(n > 0)) throw invalid(`invalid ${field}: ${describe(v)} is not a positive decimal number`);
  return n;
}

function price(v: unknown, field: string): number {
  const n = positive(v, field);
  if (!isOnTick(n)) throw new ExchangeError(422, ERR.unprocessable, `invalid ${field} ${n}. sub-penny increment does not fulfill minimum pricing criteria`);
  return n;
}

import type { BarView } from "../core/bars.ts";
/**
 * Wire shapes of the local paper exchange. They mirror Alpaca's REST/stream JSON (snake_case,
 * numbers as strings) so the official SDK parses them unchanged.
 */

export type OrderSide = "buy" | "sell";
export type OrderType = "market" | "limit" | "stop";
export type TimeInForce = "day" | "gtc";
/**
 * Alpaca's order statuses that this exchange produces (docs "Orders at Alpaca", Order Lifecycle):
 * "held": a bracket exit leg waiting for its entry to fill; "accepted": taken but not yet routed
 * (outside the session, or before an asynchronous rejection); "pending_cancel": a DELETE was
 * answered but the cancel has not completed (the order can still fill); "replaced": superseded by
 * the order a PATCH created; "rejected": refused after its 200.
 */
export type OrderStatus =
  | "new" | "accepted" | "held" | "partially_filled" | "pending_cancel" | "pending_replace"
  | "filled" | "canceled" | "expired" | "replaced" | "rejected";
export type OrderClass = "simple" | "oco" | "bracket";

/** An Alpaca order object as sent over REST and inside trade updates. */
export interface AlpacaOrder {
  id: string;
  client_order_id: string;
  created_at: string;
  updated_at: string;
  submitted_at: string;
  filled_at: string | null;
  expired_at: string | null;
  canceled_at: string | null;
  failed_at: string | null;
  replaced_at: string | null;
  replaced_by: string | null;
  replaces: string | null;
  asset_id: string;
  symbol: string;
  asset_class: "us_equity";
  notional: string | null;
  qty: string;
  filled_qty: string;
  filled_avg_price: string | null;
  order_class: OrderClass;
  order_type: OrderType;
  type: OrderType;
  side: OrderSide;
  position_intent: "buy_to_open" | "sell_to_close";
  time_in_force: TimeInForce;
  limit_price: string | null;
  stop_price: string | null;
  status: OrderStatus;
  extended_hours: boolean;
  /** The exit legs of an oco (the stop leg) or bracket (take-profit, stop-loss) parent; null otherwise. */
  legs: AlpacaOrder[] | null;
  trail_percent: null;
  trail_price: null;
  hwm: null;
}

/**
 * The `trade_updates` events this exchange sends (Alpaca docs, "Websocket Streaming": Common and
 * Less Common events), plus any other name: one the SDK does not list (Alpaca adds events over
 * time), which the exchange sends only when told to (see the server's `extraEvent` option).
 */
export type KnownTradeEvent =
  | "new" | "accepted" | "fill" | "partial_fill" | "canceled" | "expired" | "pending_cancel"
  | "pending_replace" | "replaced" | "rejected";
export type TradeEvent = KnownTradeEvent | (string & NonNullable<unknown>);

/** The `data` of a `trade_updates` stream message. */
export interface TradeUpdate {
  event: TradeEvent;
  order: AlpacaOrder;
  timestamp: string;
  /** Present on fills only: this execution's price and size, and the position after it. */
  price?: string;
  qty?: string;
  position_qty?: string;
  /** A bare UUID (docs' trade_updates example `adb4f7c7-...`), on fills and on `new` events. */
  execution_id?: string;
}

/** One execution (a fill or partial fill) as the book records it: the source of the FILL activities. */
export interface Execution {
  /**
   * The FILL activity's id, `YYYYMMDDHHMMSSmmm::<uuid>`: the transaction time in New York (Alpaca
   * docs, Account Activities FILL example `20210127144930176::...` for 19:49:30.176Z). The uuid
   * differs from `executionId` unless BookOptions.activityIdSharesExecutionId says otherwise.
   */
  readonly id: string;
  /** The bare UUID sent as the fill's trade update `execution_id`. */
  readonly executionId: string;
  /** The fill's time (the trade update's `timestamp`), epoch ms. */
  readonly tMs: number;
  readonly type: "fill" | "partial_fill";
  readonly price: number;
  readonly qty: number;
  readonly side: OrderSide;
  readonly symbol: string;
  /** What remains of the order after this execution, and what it has filled in all. */
  readonly leavesQty: number;
  readonly cumQty: number;
  readonly orderId: string;
  readonly orderStatus: "filled" | "partially_filled";
}

/** An order request as the REST body carries it (numbers may arrive as strings). */
export interface OrderRequest {
  symbol?: unknown;
  qty?: unknown;
  notional?: unknown;
  side?: unknown;
  type?: unknown;
  time_in_force?: unknown;
  limit_price?: unknown;
  stop_price?: unknown;
  client_order_id?: unknown;
  extended_hours?: unknown;
  order_class?: unknown;
  /** oco and bracket only: `{limit_price}`. */
  take_profit?: unknown;
  /** oco and bracket only: `{stop_price, limit_price?}`. */
  stop_loss?: unknown;
}

/** One bar as the book sees it: the engine's bar fields, named by symbol rather than by index. */
export type ExBar = Pick<BarView, "tMs" | "open" | "high" | "low" | "close" | "volume"> & {
  symbol: string;
  /** Alpaca's `n` and `vw`, when the data has them (the 1-min CSVs' trade_count and vwap); otherwise not sent. */
  tradeCount?: number;
  vwap?: number;
};

/** An Alpaca error: HTTP status plus the `{code, message}` envelope (and optional extra fields). */
export class ExchangeError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly extra: Readonly<Record<string, string | readonly string[]>> = {},
  ) {
    super(message);
    this.name = "ExchangeError";
  }

  body(): Record<string, string | number | readonly string[]> {
    return { ...this.extra, code: this.code, message: this.message };
  }
}

/** Alpaca's error codes, named so call sites read as intent. */
export const ERR = {
  invalid: 40010001,
  forbidden: 40310000,
  /** Pattern day trading protection (docs "User Protection"). */
  pdt: 40310100,
  notFound: 40410000,
  unprocessable: 42210000,
} as const;

/** Prices and quantities go out as strings without float noise (at most 6 decimals). */
export function numStr(x: number): string {
  return String(Number(x.toFixed(6)));
}

/**
 * A price or quantity as Alpaca takes it: a JSON number or a plain decimal string ("12", "12.34").
 * The API reference types these fields as string-encoded decimals; JavaScript's Number() would
 * also read "0x10" as 16, "1e3" as 1000, " 5" as 5 and "Infinity" (issue 13, item 4), so strings
 * must match the decimal grammar. Returns NaN for anything else; the caller names the field.
 */
export function decimalValue(v: unknown): number {
  if (typeof v === "number") return Number.isFinite(v) ? v : NaN;
  if (typeof v !== "string" || !DECIMAL.test(v)) return NaN;
  return Number(v);
}

const DECIMAL = /^\d{1,15}(\.\d{1,15})?$/;

/** A short rendering of a client's value for an error message (never the whole of a huge one). */
export function describeValue(v: unknown): string {
  const s = v === undefined ? "undefined" : (JSON.stringify(v) ?? String(v));
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

import type { OrderEnded } from "../../broker/venue.ts";
import type { OrderIntent } from "../../core/types.ts";

/** What the venue reports besides fills: the daemon journals and records these. */
export interface VenueObserver {
  /** The intent is about to be POSTed for the first time: record it (the returned promise must settle before the POST leaves). */
  beforePost?(intent: OrderIntent): Promise<void> | void;
  submitted?(intent: OrderIntent): void;
  acknowledged?(intent: OrderIntent, brokerId: string): void;
  /** The broker already had the order (found by client_order_id after a restart or an ambiguous failure): nothing was sent again. */
  adopted?(intent: OrderIntent, brokerId: string, why: string): void;
  rejected?(intent: OrderIntent, reason: string): void;
  /**
   * An order of the engine ended without the engine asking: refused after its acceptance, or
   * canceled or expired by the broker (a refusal of the POST itself comes through `rejected`).
   */
  ended?(e: OrderEnded): void;
  update?(event: string, clientOrderId: string, detail: Readonly<Record<string, unknown>>): void;
}

/** One leg of an order as the broker lists it. */
export interface BrokerLegLike {
  readonly id?: string;
  readonly clientOrderId?: string;
  readonly status?: string;
  readonly type?: string;
  readonly filledQty?: string;
}

/** An order as the broker lists it (the SDK's Order has these fields). */
export interface BrokerOrderLike {
  readonly id?: string;
  readonly clientOrderId?: string;
  readonly status?: string;
  readonly type?: string;
  readonly symbol?: string;
  readonly side?: string;
  readonly qty?: string | null;
  /** Cumulative filled quantity of this order (or leg) at the time of the message. */
  readonly filledQty?: string;
  readonly replacedBy?: string | null;
  readonly replaces?: string | null;
  readonly legs?: readonly BrokerLegLike[] | null;
}

/** One execution, from a trade update or from the fill activities fetched after a gap. */
export interface Execution {
  /** The broker's id for the message: a bare UUID on the stream, `YYYYMMDDHHMMSSmmm::<uuid>` for an activity. Never compared across sources. */
  readonly executionId: string;
  /** The broker id of the order that filled (an OCO's stop leg has its own). */
  readonly orderId?: string;
  readonly clientOrderId?: string;
  /** The order's (leg's) cumulative filled quantity after this execution: with the order id it names the execution. */
  readonly cumQty?: number;
  readonly qtyShares: number;
  readonly priceUsd: number;
  readonly timeMs: number;
  /** What the broker says was traded: a fill of an order the bot never made is adopted by these (a broker liquidation). */
  readonly symbol?: string;
  readonly side?: string;
  /** The whole order's quantity, when the message carries it. */
  readonly orderQty?: number;
}

/** The subset of a trade_updates message the venue reads (the SDK's TradeUpdate has these). */
export interface TradeUpdateLike {
  readonly event: string;
  readonly timestamp?: Date;
  readonly executionId?: string;
  readonly price?: string;
  readonly qty?: string;
  readonly order: BrokerOrderLike;
}

/**
 * What names one execution wherever it was reported: the order (leg) that filled and its
 * cumulative filled quantity after it. Alpaca's stream and activities give the same execution
 * different id strings (alpaca-protocol.md, "Execution ids"), so ids are never the key.
 */
export function fillKey(x: Pick<Execution, "orderId" | "clientOrderId" | "cumQty" | "executionId">): string {
  return `${x.orderId ?? x.clientOrderId ?? "?"}@${x.cumQty ?? `#${x.executionId}`}`;
}

/** A positive finite number from a broker's decimal string, else undefined. */
export function qtyOf(v: string | null | undefined): number | undefined {
  if (v === undefined || v === null || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The execution a fill or partial_fill update reports; its order's `filled_qty` is the cumulative quantity. */
export function executionOf(u: TradeUpdateLike, nowMs: number): Execution {
  return {
    executionId: u.executionId ?? `${u.order.id ?? u.order.clientOrderId ?? ""}:${u.order.filledQty ?? u.qty ?? ""}`,
    orderId: u.order.id,
    clientOrderId: u.order.clientOrderId,
    cumQty: qtyOf(u.order.filledQty),
    qtyShares: Number(u.qty),
    priceUsd: Number(u.price),
    timeMs: u.timestamp?.getTime() ?? nowMs,
    symbol: u.order.symbol,
    side: u.order.side,
    orderQty: qtyOf(u.order.qty),
  };
}

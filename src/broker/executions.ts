import type { Execution, TradeUpdateLike } from "./port.ts";

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

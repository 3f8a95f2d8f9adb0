import type { OrderIntent } from "../../core/types.ts";
import type { AlpacaClient } from "./client.ts";
import { errorMessage, isDefinitiveRejection, isDuplicateClientId, isNotFound, retryAfterMs } from "./broker-errors.ts";
import type { BrokerOrderLike } from "./venue-types.ts";

/**
 * The venue's calls to the broker and their retry rules: what is safe to repeat, what is final,
 * and what must be looked up before anything is sent again. Every uncertain step is reported
 * through `note` (journaled as an order update).
 */
export class OrderCalls {
  constructor(
    private readonly alpaca: AlpacaClient,
    private readonly note: (event: string, clientOrderId: string, detail: Readonly<Record<string, unknown>>) => void,
    private readonly postAttempts: number,
    private readonly retryDelayMs: number,
  ) {}

  /**
   * One order, posted at most once per attempt with the same client order id. A refusal is final.
   * Anything ambiguous (5xx, 429, timeout, dropped connection) is looked up by client order id
   * first; only when the broker does not have it is it posted again, and a reused-id refusal then
   * means it was accepted after all, so it is looked up again. The id makes a repeat harmless.
   * Once the broker has said the id is taken, posting again can only get the same answer: from
   * then on it is only looked up, and if it never shows, that is the refusal.
   */
  async post(intent: OrderIntent): Promise<{ order: BrokerOrderLike; adoptedWhy: string | null }> {
    let lastError: unknown = null;
    let idTaken = false;
    for (let attempt = 1; attempt <= this.postAttempts; attempt++) {
      if (!idTaken) {
        try {
          return { order: await this.send(intent), adoptedWhy: null };
        } catch (e) {
          lastError = e;
          if (isDefinitiveRejection(e) && !isDuplicateClientId(e)) throw e;
          idTaken = isDuplicateClientId(e);
          this.note("post_ambiguous", intent.clientOrderId, { attempt, reason: errorMessage(e) });
        }
      }
      await sleep(retryAfterMs(lastError) ?? this.retryDelayMs * attempt);
      const found = await this.lookup(intent.clientOrderId);
      if (found !== null) return { order: found, adoptedWhy: idTaken ? "duplicate client_order_id: the first POST was accepted" : "found after an ambiguous failure" };
    }
    if (idTaken) throw new Error(`client_order_id ${intent.clientOrderId} is already used at the broker, but no order by it was found in ${this.postAttempts} lookups (${errorMessage(lastError)}); not sent again`);
    throw new Error(`order state unknown after ${this.postAttempts} attempts (${errorMessage(lastError)}); not sent again`);
  }

  /**
   * A cancel is safe to repeat (it names the broker's id), so an ambiguous failure (5xx, 429,
   * timeout) is tried again, as the broker's Retry-After says; a refusal (an order already
   * filled or canceled) is final. A cancel left undone would keep the old exit holding shares and
   * every replacement would be refused.
   */
  async cancel(clientOrderId: string, id: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.alpaca.trading.orders.deleteOrderByOrderID({ orderId: id });
        return;
      } catch (e) {
        if (isDefinitiveRejection(e) || attempt >= this.postAttempts) throw e;
        this.note("cancel_ambiguous", clientOrderId, { attempt, reason: errorMessage(e) });
        await sleep(retryAfterMs(e) ?? this.retryDelayMs * attempt);
      }
    }
  }

  /**
   * Replaces a working order (Alpaca PATCH /v2/orders/{id}; SDK 4.x `patchOrderByOrderId`): the
   * answer is a NEW order with its own id (`replaces` = the old one). Never repeated: a PATCH is
   * not idempotent, and after an ambiguous failure the caller looks the new client id up.
   */
  patch(orderId: string, change: { readonly qty?: number; readonly stopPriceUsd?: number; readonly limitPriceUsd?: number; readonly clientOrderId: string }): Promise<BrokerOrderLike> {
    return this.alpaca.trading.orders.patchOrderByOrderId({
      orderId,
      patchOrderRequest: {
        clientOrderId: change.clientOrderId,
        ...(change.qty !== undefined ? { qty: String(change.qty) } : {}),
        ...(change.stopPriceUsd !== undefined ? { stopPrice: String(change.stopPriceUsd) } : {}),
        ...(change.limitPriceUsd !== undefined ? { limitPrice: String(change.limitPriceUsd) } : {}),
      },
    });
  }

  /** An order by the broker's id (GET /v2/orders/{id}, retried by the SDK as a GET), or null when it cannot be read now. */
  async byId(clientOrderId: string, orderId: string): Promise<BrokerOrderLike | null> {
    try {
      return await this.alpaca.trading.orders.getOrderByOrderID({ orderId, nested: true });
    } catch (e) {
      this.note("lookup_failed", clientOrderId, { reason: errorMessage(e) });
      return null;
    }
  }

  async lookup(clientOrderId: string): Promise<BrokerOrderLike | null> {
    try {
      return await this.alpaca.trading.orders.getOrderByClientOrderId({ clientOrderId });
    } catch (e) {
      if (isNotFound(e)) return null;
      this.note("lookup_failed", clientOrderId, { reason: errorMessage(e) });
      return null;
    }
  }

  private send(i: OrderIntent): Promise<BrokerOrderLike> {
    const common = { symbol: i.symbol, qty: i.qtyShares, side: i.side, timeInForce: "day" as const, clientOrderId: i.clientOrderId };
    const o = this.alpaca.trading.orders;
    if (i.type === "oco") return o.oco({ ...common, takeProfit: { limitPrice: i.limitPriceUsd ?? NaN }, stopLoss: { stopPrice: i.stopPriceUsd ?? NaN } });
    if (i.type === "limit") return o.limit({ ...common, limitPrice: i.limitPriceUsd ?? NaN });
    if (i.type === "stop") return o.stop({ ...common, stopPrice: i.stopPriceUsd ?? NaN });
    return o.market(common);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

import { TimeFrame } from "@alpacahq/alpaca-trade-api";
import type { AlpacaClient } from "./client.ts";
import { qtyOf, type BrokerOrderLike, type Execution } from "./venue-types.ts";
import type { BarTimeframe, FeedBar } from "../../broker/port.ts";

const ORDER_PAGE = 500;

/** Every order created since `fromMs` (legs nested), oldest first, following Alpaca's `after` paging. */
export async function fetchOrders(alpaca: AlpacaClient, fromMs: number): Promise<BrokerOrderLike[]> {
  const byId = new Map<string, BrokerOrderLike>();
  let after = new Date(fromMs - 1);
  for (let page = 0; page < 1000; page++) {
    const got = await alpaca.trading.orders.getAllOrders({ status: "all", after: after.toISOString(), direction: "asc", nested: true, limit: ORDER_PAGE });
    let added = 0;
    let newest = after;
    for (const o of got) {
      if (o.id === undefined || byId.has(o.id)) continue;
      byId.set(o.id, o);
      added++;
      const created = o.createdAt ?? o.submittedAt;
      if (created instanceof Date && created > newest) newest = created;
    }
    if (got.length < ORDER_PAGE || added === 0) break;
    // Orders created in the same millisecond straddle a page edge: step back 1 ms and de-duplicate by id.
    after = new Date(newest.getTime() - 1);
  }
  return [...byId.values()];
}

/**
 * The fill activities since `fromMs`, oldest first. Each keeps what names its execution: the
 * order it filled and that order's cumulative quantity (`cum_qty`); its id (Alpaca:
 * `YYYYMMDDHHMMSSmmm::<uuid>`, New York time) is only a paging token, never a key.
 */
export async function fetchExecutions(alpaca: AlpacaClient, fromMs: number): Promise<Execution[]> {
  const out: Execution[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    // Not getAccountActivitiesByActivityType: SDK 4.x parses its answers as non-trade activities,
    // dropping order_id, price and transaction_time. The general endpoint's model
    // (GetAccountActivities200ResponseInner) keeps id, order_id, cum_qty, qty, price, transaction_time.
    const got = await alpaca.trading.accountActivities.getAccountActivities({ activityTypes: ["FILL"], after: new Date(fromMs - 1), direction: "asc", pageSize: 100, pageToken });
    for (const a of got) {
      if (!("orderId" in a) || typeof a.id !== "string") continue;
      out.push({
        executionId: a.id,
        orderId: a.orderId,
        cumQty: qtyOf(a.cumQty),
        qtyShares: Number(a.qty),
        priceUsd: Number(a.price),
        timeMs: a.transactionTime instanceof Date ? a.transactionTime.getTime() : NaN,
        symbol: a.symbol,
        side: a.side,
      });
    }
    if (got.length < 100) break;
    const last = got[got.length - 1];
    pageToken = typeof last.id === "string" ? last.id : undefined;
    if (pageToken === undefined) break;
  }
  // Transaction time orders them (the broker's paging order is kept among equal times).
  return out.map((x, i) => ({ x, i })).sort((a, b) => a.x.timeMs - b.x.timeMs || a.i - b.i).map((e) => e.x);
}

/** Bars (minute by default, or daily) of `symbols` from `fromMs` on, sorted by time and then by the symbols' order. */
export async function fetchBars(alpaca: AlpacaClient, symbols: readonly string[], fromMs: number, feed: "iex" | "sip", timeframe: BarTimeframe = "1Min"): Promise<FeedBar[]> {
  if (symbols.length === 0) return [];
  const tf = timeframe === "1Day" ? TimeFrame.Day : TimeFrame.Minute;
  const got = await alpaca.marketData.getStockBars({ symbols: [...symbols], timeframe: tf, start: new Date(fromMs), feed });
  const out: FeedBar[] = [];
  for (const symbol of symbols) {
    for (const b of got[symbol] ?? []) {
      out.push({ symbol, tMs: b.timestamp.getTime(), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume });
    }
  }
  const rank = new Map(symbols.map((s, i) => [s, i]));
  out.sort((a, b) => a.tMs - b.tMs || (rank.get(a.symbol) ?? 0) - (rank.get(b.symbol) ?? 0));
  return out;
}

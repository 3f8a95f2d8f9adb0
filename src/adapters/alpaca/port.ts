import type { AlpacaClient } from "./client.ts";
import { AlpacaVenue } from "./venue.ts";
import { errorMessage } from "./broker-errors.ts";
import { accountDayTrades } from "./account-day-trades.ts";
import { fetchBars, fetchExecutions, fetchOrders } from "./history.ts";
import type { BrokerAccount, BrokerPort, BrokerPosition, CalendarDay, MarketStream, StreamOptions, TradeStream } from "../../broker/port.ts";

/**
 * The broker port on Alpaca (paper, live, or a local exchange that speaks its protocol) through
 * the official SDK. Each call is the SDK call of the same name, its answer reduced to the port's
 * shapes; the SDK's own retries and rate limiting apply as configured on the client.
 */
export function alpacaPort(alpaca: AlpacaClient): BrokerPort {
  return {
    name: "alpaca",
    async account(): Promise<BrokerAccount> {
      const a = await alpaca.trading.account.getAccount();
      const d = accountDayTrades(a);
      return {
        cashUsd: Number(a.cash),
        equityUsd: a.equity == null ? null : Number(a.equity),
        rawCash: String(a.cash),
        rawEquity: a.equity == null ? null : String(a.equity),
        dayTradeCount: d.count,
        lastEquityUsd: d.lastEquityUsd,
      };
    },
    async clockMs(): Promise<number> {
      return (await alpaca.trading.clock.legacyClock()).timestamp.getTime();
    },
    async calendar(fromMs: number, toMs: number): Promise<CalendarDay[]> {
      const days = await alpaca.trading.calendar.legacyCalendar({ start: new Date(fromMs), end: new Date(toMs) });
      return days.map((d) => ({ date: d.date.toISOString().slice(0, 10), open: d.open, close: d.close }));
    },
    ordersSince: (fromMs) => fetchOrders(alpaca, fromMs),
    async openOrders() {
      return alpaca.trading.orders.getAllOrders({ status: "open", nested: false, limit: 500 });
    },
    async cancelOrder(brokerOrderId: string): Promise<void> {
      await alpaca.trading.orders.deleteOrderByOrderID({ orderId: brokerOrderId });
    },
    executionsSince: (fromMs) => fetchExecutions(alpaca, fromMs),
    async positions(): Promise<BrokerPosition[]> {
      const out: BrokerPosition[] = [];
      for (const p of await alpaca.trading.positions.getAllOpenPositions()) {
        if (!p.symbol) continue;
        out.push({ symbol: p.symbol, qty: Number(p.qty), currentPriceUsd: p.currentPrice == null ? null : Number(p.currentPrice) });
      }
      return out;
    },
    async closePosition(symbol: string): Promise<void> {
      await alpaca.trading.positions.deleteOpenPosition({ symbolOrAssetId: symbol });
    },
    bars: (symbols, fromMs, timeframe, feed) => fetchBars(alpaca, symbols, fromMs, feed, timeframe),
    marketStream(o: StreamOptions): MarketStream {
      const s = alpaca.marketData.stockStream({
        ...(o.feed ? { feed: o.feed } : {}),
        ...connection(o),
      });
      return {
        onBar: (fn) => void s.onBar(fn),
        onUpdatedBar: (fn) => void s.onUpdatedBar(fn),
        onDailyBar: (fn) => void s.onDailyBar(fn),
        // The SDK sends only non-empty lists; the server answers with the full union (alpaca-protocol.md).
        subscribe(lists) {
          if (lists.bars?.length) s.subscribeForBars([...lists.bars]);
          if (lists.updatedBars?.length) s.subscribeForUpdatedBars([...lists.updatedBars]);
          if (lists.dailyBars?.length) s.subscribeForDailyBars([...lists.dailyBars]);
        },
        ...lifecycle(s),
      };
    },
    tradeStream(o: StreamOptions): TradeStream {
      const s = alpaca.trading.stream({
        ...connection(o),
      });
      return {
        onTradeUpdate: (fn) => void s.onTradeUpdate(fn),
        listen: () => s.subscribeTradeUpdates(),
        ...lifecycle(s),
      };
    },
    venue(observer, ref, opts) {
      const own: { venue?: AlpacaVenue } = {};
      const make = AlpacaVenue.factory(alpaca, observer, own, { ...(opts.clock ? { clock: opts.clock } : {}), retryDelayMs: opts.retryDelayMs });
      return (symbols, onFill, currentBar, onEnded) => {
        const v = make(symbols, onFill, currentBar, onEnded);
        ref.venue = own.venue;
        return v;
      };
    },
    errorMessage,
  };
}

/** The SDK stream's lifecycle in the port's shape (both streams have the same one). */
interface SdkStream {
  onConnect(fn: () => void): unknown;
  onReconnected(fn: () => void): unknown;
  onDisconnect(fn: () => void): unknown;
  onError(fn: (message: string) => void): unknown;
  connect(): void;
  disconnect(): void;
  whenAuthenticated(): Promise<unknown>;
}

function lifecycle(s: SdkStream): Pick<TradeStream, "onConnect" | "onReconnected" | "onDisconnect" | "onError" | "connect" | "disconnect" | "whenAuthenticated"> {
  return {
    onConnect: (fn) => void s.onConnect(fn),
    onReconnected: (fn) => void s.onReconnected(fn),
    onDisconnect: (fn) => void s.onDisconnect(fn),
    onError: (fn) => void s.onError(fn),
    connect: () => s.connect(),
    disconnect: () => s.disconnect(),
    whenAuthenticated: async () => void (await s.whenAuthenticated()),
  };
}

/** The stream options the SDK takes, only those given (an absent key keeps the SDK's default). */
function connection(o: StreamOptions): { url?: string; initialReconnectMs?: number; maxReconnectAttempts?: number } {
  return {
    ...(o.url ? { url: o.url } : {}),
    ...(o.initialReconnectMs !== undefined ? { initialReconnectMs: o.initialReconnectMs } : {}),
    ...(o.maxReconnectAttempts !== undefined ? { maxReconnectAttempts: o.maxReconnectAttempts } : {}),
  };
}

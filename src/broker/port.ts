import type { OrderEnded, Venue, VenueFactory } from "./venue.ts";
import type { OrderIntent } from "../core/types.ts";
import type { OrderManager } from "../orders/order-manager.ts";
import type { EndStatus, LoggedEnd } from "../store/intent-log.ts";
import type { Clock } from "../core/clock.ts";

/**
 * The broker port: everything the daemon asks of a broker, in the bot's own shapes. The Alpaca
 * adapter (src/adapters/alpaca/) implements it over the official SDK; a second broker is one more
 * adapter folder implementing the same interface (docs/brokers.md). Nothing here names an SDK type.
 */

/** A bar fetched over REST or taken off a stream, in one shape (minute or daily: the timeframe says which). */
export interface FeedBar {
  readonly symbol: string;
  /** The bar's start: the minute for a 1Min bar; 00:00 New York of the session for a 1Day bar (Alpaca's `t`). */
  readonly tMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export type BarTimeframe = "1Min" | "1Day";

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

/** An order as the broker lists it (Alpaca's order object, camel-cased; quantities as decimal strings). */
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

/** The subset of an order-update message the daemon reads (Alpaca's trade_updates). */
export interface TradeUpdateLike {
  readonly event: string;
  readonly timestamp?: Date;
  readonly executionId?: string;
  readonly price?: string;
  readonly qty?: string;
  readonly order: BrokerOrderLike;
}

/** The account figures the daemon reads (Alpaca GET /v2/account). */
export interface BrokerAccount {
  readonly cashUsd: number;
  /** null when the broker did not say. */
  readonly equityUsd: number | null;
  /** Raw figures as the broker sent them, for the journal when they are refused as implausible. */
  readonly rawCash: string;
  readonly rawEquity: string | null;
  /** Day trades the broker counts in the last 5 business days; 0 when absent. */
  readonly dayTradeCount: number;
  /** Equity at the previous close; NaN when absent. */
  readonly lastEquityUsd: number;
}

/** One open position as the broker reports it. */
export interface BrokerPosition {
  readonly symbol: string;
  readonly qty: number;
  /** null when the broker did not say. */
  readonly currentPriceUsd: number | null;
}

/** One trading session of the broker's calendar (New York local times). */
export interface CalendarDay {
  /** YYYY-MM-DD */
  readonly date: string;
  /** HH:MM */
  readonly open: string;
  readonly close: string;
}

/** A stream's connection events (both streams reconnect by themselves, with backoff). */
export interface StreamEvents {
  onConnect(fn: () => void): void;
  onReconnected(fn: () => void): void;
  onDisconnect(fn: () => void): void;
  onError(fn: (message: string) => void): void;
  connect(): void;
  disconnect(): void;
  /** Resolves once the first authentication succeeded. */
  whenAuthenticated(): Promise<void>;
}

/**
 * The market-data stream: minute bars (Alpaca `b`), updated minute bars (`u`) and daily bars
 * (`d`). Messages arrive unchecked, as the transport decoded them: the daemon's boundary
 * (stream-input.ts) checks every field.
 */
export interface MarketStream extends StreamEvents {
  onBar(fn: (raw: unknown) => void): void;
  onUpdatedBar(fn: (raw: unknown) => void): void;
  onDailyBar(fn: (raw: unknown) => void): void;
  /** A set union with what is subscribed already (a resubscribe after a reconnect is harmless). */
  subscribe(lists: { readonly bars?: readonly string[]; readonly updatedBars?: readonly string[]; readonly dailyBars?: readonly string[] }): void;
}

/** The order-update stream (Alpaca trade_updates). Updates arrive unchecked. */
export interface TradeStream extends StreamEvents {
  onTradeUpdate(fn: (raw: unknown) => void): void;
  listen(): void;
}

export interface StreamOptions {
  /** Endpoint; undefined = the broker's own. */
  readonly url?: string;
  /** Market data only: the feed (Alpaca: iex or sip). */
  readonly feed?: "iex" | "sip";
  readonly initialReconnectMs?: number;
  /** -1 = forever. */
  readonly maxReconnectAttempts?: number;
}

/**
 * The engine's order venue on a live broker, plus what the daemon needs for a restart: recovery
 * mode (orders adopted by client order id instead of sent again), fills applied once by order and
 * cumulative quantity, and the figures reconcile compares with the broker.
 */
export interface BrokerVenue extends Venue {
  readonly orders: OrderManager;
  readonly inflight: number;
  readonly recovering: boolean;
  readonly cashUsd: number;
  readonly fillsSeen: number;
  /** Order updates taken off the stream (tests compare it with what was sent). */
  readonly updatesSeen: number;
  readonly adoptedOrders: number;
  readonly missedEntries: number;
  setCash(cashUsd: number): void;
  heldShares(symId: number): number;
  clientIdOf(brokerOrderId: string): string | undefined;
  knowsOrderOf(x: Execution): boolean;
  hasApplied(x: Execution): boolean;
  hasIntent(clientOrderId: string): boolean;
  applyExecution(x: Execution): boolean;
  onTradeUpdate(u: TradeUpdateLike): void;
  /** The broker sold shares the bot did not hear of (a liquidation): booked as an exit. */
  adoptPositionChange(symId: number, soldShares: number, priceUsd: number, timeMs: number): boolean;
  beginRecovery(orders: readonly BrokerOrderLike[], edgeMs: number, refused?: ReadonlyMap<string, LoggedEnd>): void;
  replayRefusal(clientOrderId: string, reason: string, endedAs?: EndStatus): void;
  takeReplayedRefusals(): ReplayedEnd[];
  finishRecovery(hold: (i: OrderIntent) => string | null): RecoverySent;
  /** Resolves when no request is under way (true) or after `maxMs` (false). */
  settled(maxMs: number): Promise<boolean>;
}

/** A refusal the replay re-heard for an order of the run. */
export interface ReplayedEnd {
  readonly clientOrderId: string;
  readonly reason: string;
  /** Absent: the POST itself was refused. */
  readonly endedAs?: EndStatus;
}

/** What finishing a recovery sent and held back. */
export interface RecoverySent {
  readonly posted: readonly string[];
  readonly canceled: readonly string[];
  readonly held: readonly { readonly clientOrderId: string; readonly reason: string }[];
}

export interface BrokerVenueOptions {
  /** Stamps a fill the broker sent without a time (the replay clock on the local exchange). */
  readonly clock?: Clock;
  /** Post retry pacing after an ambiguous failure (tests shorten it). */
  readonly retryDelayMs?: number;
}

/** Everything the daemon asks of a broker. */
export interface BrokerPort {
  /** For logs and the journal ("alpaca"). */
  readonly name: string;
  account(): Promise<BrokerAccount>;
  /** The broker's time (a replaying broker's is its replay clock). */
  clockMs(): Promise<number>;
  calendar(fromMs: number, toMs: number): Promise<CalendarDay[]>;
  /** Every order created since `fromMs` (legs nested), oldest first. */
  ordersSince(fromMs: number): Promise<BrokerOrderLike[]>;
  /** The orders open now. */
  openOrders(): Promise<BrokerOrderLike[]>;
  cancelOrder(brokerOrderId: string): Promise<void>;
  /** The fills since `fromMs`, oldest first. */
  executionsSince(fromMs: number): Promise<Execution[]>;
  positions(): Promise<BrokerPosition[]>;
  /** Closes a whole position with a market order. */
  closePosition(symbol: string): Promise<void>;
  /** Bars of `symbols` from `fromMs` on, sorted by time and then by the symbols' order. */
  bars(symbols: readonly string[], fromMs: number, timeframe: BarTimeframe, feed: "iex" | "sip"): Promise<FeedBar[]>;
  marketStream(o: StreamOptions): MarketStream;
  tradeStream(o: StreamOptions): TradeStream;
  /** The engine's venue (orders submit / replace / cancel / get), built by the engine with `ref.venue` set. */
  venue(observer: VenueObserver, ref: { venue?: BrokerVenue }, opts: BrokerVenueOptions): VenueFactory;
  /** A short message for an error a broker call threw. */
  errorMessage(e: unknown): string;
}

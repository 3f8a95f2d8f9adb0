import type { BarSeries, BarSource } from "../core/bars.ts";
import type { BookOptions, BookRuleOptions } from "./book.ts";
import type { Book } from "./book.ts";
import type { RejectAfterAccept } from "./knobs.ts";
import type { PlausibilityLimits } from "../data/plausibility.ts";

/** The local exchange's options and handle (server.ts starts it). */

export interface ExchangeOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Only loopback is allowed: this is a paper exchange that accepts any order from anyone who knows the key. */
  readonly host?: "127.0.0.1";
  readonly keyId: string;
  readonly secretKey: string;
  readonly bars: readonly BarSeries[] | BarSource;
  /**
   * 1Day bars (Alpaca's `t`: 00:00 New York of the session), replayed session by session: due at
   * the session's close, served over REST as timeframe 1Day and streamed as `d` to dailyBars
   * subscribers. A symbol with daily bars only trades on them: its queued orders fill at the
   * session's open against the daily bar (a market order sent after the close waits for it).
   */
  readonly dailyBars?: readonly BarSeries[];
  /**
   * The replay's start: daily bars of sessions closed by then are history, not replay. REST serves
   * them as 1Day from the start (a daily strategy warms up on them, as it would on Alpaca's
   * history), and they are neither streamed nor traded. Default: every daily bar is replayed.
   */
  readonly dailyHistoryUntilMs?: number;
  /** "max": replay as fast as possible; N: N bar-minutes per wall-clock minute (one every 60000/N ms). */
  readonly speed: "max" | number;
  readonly initialCashUsd: number;
  readonly frictionPctRoundTrip: number;
  /** Seeded partial fills of market orders (see BookOptions). */
  readonly partialFill?: { readonly fraction: number; readonly seed: number };
  /** How the unverified Alpaca rules behave (see BookOptions); defaults are the stricter readings. */
  readonly rules?: BookRuleOptions;
  /**
   * WALL-CLOCK delay between a cancel's 204 (order `pending_cancel`) and its `canceled` (Alpaca
   * cancels asynchronously). Default 0: the next macrotask, never inside the DELETE's answer. Wall
   * clock, not replay clock: a lock-step replay waits for the bot, so replay time would never pass.
   */
  readonly cancelDelayMs?: number;
  /** Knob: orders answered 200 `accepted`, then `rejected` (with failed_at) `rejectDelayMs` of wall clock later (default 0). */
  readonly rejectAfterAccept?: RejectAfterAccept;
  readonly rejectDelayMs?: number;
  /** Knob: the broker cancels or expires resting orders on its own (asked at each clock move; see also Exchange.brokerCancel). */
  readonly brokerCancel?: BookOptions["brokerEnd"];
  /** Knob: trade updates reach the stream this many ms (wall clock) after they happen; order kept. Default 0. */
  readonly streamLagMs?: number;
  /** Knob: after every `new` update, also send this event (one the SDK does not list) for the same order. */
  readonly extraEvent?: string;
  /** Knob: a seeded fraction of bars is corrected after publication: `T:"u"` on the stream, the corrected bar over REST. */
  readonly correctionFraction?: number;
  /** Seed of the corrections' choice (default 1). */
  readonly correctionSeed?: number;
  /** The market-data stream closes a connection that has not authenticated within this (default 10 000 ms, as Alpaca). */
  readonly authTimeoutMs?: number;
  /** Largest websocket frame a client may send, bytes (default 64 KiB; Alpaca's client messages are tiny). A bigger one closes the connection with 1009. */
  readonly maxFrameBytes?: number;
  /** Symbols one market-data connection may subscribe across its lists (default 1 000); more is refused with 405 "symbol limit exceeded". */
  readonly maxSymbolsPerConnection?: number;
  /**
   * Bars outside these limits fill no order and set no last price (see fill-gate.ts). Default: the
   * `data.*` defaults at start-up's wall clock without the session rule (rules/session.ts already
   * decides when a bar may fill). null: no check.
   */
  readonly plausibility?: PlausibilityLimits | null;
  /** Where the exchange logs what it refused (one line each). Default: stderr. */
  readonly log?: (line: string) => void;
  /** Start replaying at `speed` right away. Default false: call `play()` or step by hand. */
  readonly autoPlay?: boolean;
  /** Told how many bars each replayed minute published (a lock-step driver waits for that many). */
  readonly onMinute?: (bars: number) => void;
  /**
   * Keep the book here (plus `<name>.history.jsonl` beside it; see persist.ts) and resume from it
   * on start. Every mutation a client could observe is written before the client hears of it.
   * Throws on start when the file was saved for other bars or settings.
   */
  readonly persistFile?: string;
  /**
   * The change log beside `persistFile` is folded into a new snapshot once it exceeds this many
   * bytes. Default: max(256 KiB, the last snapshot's size), so a save costs about twice its own
   * change line however many orders are open; 0: a snapshot after every save.
   */
  readonly compactBytes?: number;
  /**
   * Fault injection for tests and the chaos run: asked once per authenticated REST request; a
   * fault answers in place of the exchange (see RestFault). Absent or null: no fault.
   */
  readonly restFault?: (req: { readonly method: string; readonly path: string }) => RestFault | null;
  /**
   * Fault injection on the streams: asked once per frame. "duplicate" sends the frame twice;
   * "stale" sends it and then the stream's previous frame again (out of order, as a network can).
   */
  readonly frameFault?: (stream: "bars" | "trade_updates") => FrameFault | null;
}

export type FrameFault = "duplicate" | "stale";

/**
 * One injected REST failure. `before`: answered without touching the book, as if the request
 * never reached the broker. `after`: the request takes effect and then its answer is replaced,
 * as when a response is lost: the case that makes a client look an order up before sending it
 * again. `delayMs` holds the answer back (past a client's timeout); with no `status` the real
 * answer is sent late.
 */
export interface RestFault {
  readonly when: "before" | "after";
  readonly status?: number;
  /** Sent as Retry-After (seconds) with the fault's answer, as Alpaca does on 429. */
  readonly retryAfterS?: number;
  readonly delayMs?: number;
  /** The answer's envelope (default: a generic 500 / rate-limit text), e.g. Alpaca's refusals: 40310000 "insufficient buying power". */
  readonly code?: number;
  readonly message?: string;
}

export type StreamHubName = "stocks" | "trading" | "both";

export interface Exchange {
  readonly port: number;
  /** http://127.0.0.1:PORT, the base for both the trading and the data REST routes. */
  readonly url: string;
  /** ws://127.0.0.1:PORT; streams live at /stream (trading) and /v2/iex or /v2/sip (stocks). */
  readonly wsUrl: string;
  readonly book: Book;
  /** The replay clock: the end of the last replayed minute (epoch ms). */
  readonly nowMs: number;
  /** True once every bar has been replayed. */
  readonly done: boolean;
  /** True when the book and the replay position were restored from `persistFile`. */
  readonly resumed: boolean;
  /** fill and partial_fill trade updates this process has sent on the trading stream (counted once each, listeners or not). */
  readonly fillsPublished: number;
  /** Bars this process has published on the stocks stream (counted once each, subscribers or not). */
  readonly barsPublished: number;
  /** Final daily bars published at a session's close (from `dailyBars`; counted once each, subscribers or not). */
  readonly dailyBarsPublished: number;
  /**
   * Final daily bars published so far for these symbols: what a client subscribed to `d` for
   * exactly them must have heard (a lock-step driver waits for that many, not for the daily bars
   * of symbols nobody subscribed).
   */
  dailyBarsPublishedOf(symbols: Iterable<string>): number;
  /** Bars that failed the plausibility check: replayed and published, but never used to fill or to price. */
  readonly barsRefused: number;
  /** Client frames both streams ignored (garbage, null or non-object, oversized before auth, unknown action, over the symbol cap). */
  readonly framesRefused: number;
  /** Cuts the current websocket connections of a hub, as a network failure would; clients reconnect on their own. */
  dropStreams(which: StreamHubName): void;
  /** The broker cancels or expires an open order on its own (event `canceled`/`expired`, no DELETE). */
  brokerCancel(orderId: string, status?: "canceled" | "expired"): void;
  /** Replays up to `n` minutes synchronously; returns how many were replayed. */
  stepBars(n?: number): number;
  /**
   * Replays one minute (as stepBars(1)) up to its fills, and holds its bars back until
   * `publishHeld`: on Alpaca a fill inside a minute reaches the client before that minute's bar,
   * which is published only after the minute ends, while the two websockets of a replay run at
   * once could deliver them the other way round. A lock-step driver lets the client take the fills
   * first. Returns false when there is nothing left.
   */
  stepFills(): boolean;
  /** Publishes the bars `stepFills` held back (nothing when none are held). */
  publishHeld(): void;
  /** Replays at the configured speed until the data ends or `pause()`; resolves then. */
  play(): Promise<void>;
  pause(): void;
  close(): Promise<void>;
}

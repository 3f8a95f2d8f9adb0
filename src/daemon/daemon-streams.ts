import type { Execution, FeedBar, MarketStream, TradeStream, TradeUpdateLike } from "../broker/port.ts";
import { executionOf } from "../broker/executions.ts";
import type { DaemonOptions } from "./daemon-options.ts";
import type { DailyBars } from "./daily-bars.ts";
import type { StreamInput } from "./stream-input.ts";

/** What the live streams need of the daemon. */
export interface StreamHost {
  readonly o: DaemonOptions;
  readonly input: StreamInput;
  readonly daily: DailyBars;
  nowMs(): number;
  today(): string;
  journal(type: "reconcile", detail: Readonly<Record<string, unknown>>): void;
  error(where: string, e: unknown): void;
  /** The first minute a backfill needs (after each symbol's last bar). */
  backfillFromMs(): number;
  historyBars(fromMs: number): Promise<FeedBar[]>;
  /** The run's start: fills are caught up from there. */
  runStartMs(): number;
  hasApplied(x: Execution): boolean;
  fillsSeen(): number;
  merge(bars: readonly FeedBar[], execs: readonly Execution[], bar: (b: FeedBar) => void): Execution[];
  /** A live bar off the stream, in frame order (see OrderFirstFrames). */
  pushFrame(b: FeedBar): void;
  ingestLive(b: FeedBar): void;
  onUpdate(u: TradeUpdateLike): void;
  recordUpdate(u: TradeUpdateLike): void;
  symbolRank(symbol: string): number;
  /** Fills applied outside the start-up replay (counted for a lock-step driver). */
  addLiveFills(n: number): void;
}

/**
 * The daemon's two streams and what is held back from the engine while it must wait: during the
 * start-up recovery, while a bar backfill runs after the bar stream reconnects, and while the
 * order stream is down (a decision must not be made without the fills before it; the missed
 * fills are fetched from the activities when it is back). Held bars and fills are released in
 * broker order.
 */
export class LiveStreams {
  /** While > 0, stream data is held (recovery, a backfill, the order stream down). */
  holds = 0;
  heldBars: FeedBar[] = [];
  heldUpdates: TradeUpdateLike[] = [];
  private heldDaily: { readonly bar: FeedBar; readonly atMs: number }[] = [];
  private pendingExecs: Execution[] = [];
  tradingDown = false;
  stopped = false;
  /** Async work under way (a backfill, a catch-up): a lock-step driver waits for none. */
  busy = 0;
  backfills = 0;
  /** Daily bars (`d`) taken off the stream, accepted or refused (a lock-step driver counts them). */
  dailyBarsHeard = 0;
  private stocks: MarketStream | null = null;
  private trading: TradeStream | null = null;

  constructor(private readonly h: StreamHost) {}

  connect(): void {
    const { h } = this;
    const o = h.o;
    const reconnect = { initialReconnectMs: o.config.daemon.reconnectInitialMs, maxReconnectAttempts: -1 };
    const stocks = o.port.marketStream({ feed: o.config.daemon.feed, ...(o.stocksUrl ? { url: o.stocksUrl } : {}), ...reconnect });
    const barReceived = o.hooks?.barReceived;
    stocks.onBar((b) => {
      barReceived?.();
      const bar = h.input.streamBar(b);
      if (bar === null) return;
      if (this.holds > 0) this.heldBars.push(bar);
      else h.pushFrame(bar);
    });
    stocks.onDailyBar((raw) => {
      this.dailyBarsHeard++;
      const bar = h.input.streamDailyBar(raw);
      if (bar === null) return;
      if (this.holds > 0) this.heldDaily.push({ bar, atMs: h.nowMs() });
      else h.daily.daily(bar, h.nowMs());
    });
    const dailySymbols = o.symbols.filter((s) => h.daily.has(s));
    stocks.onConnect(() => stocks.subscribe({ bars: o.symbols, dailyBars: dailySymbols }));
    stocks.onReconnected(() => void this.backfill("bar stream reconnected"));
    stocks.onDisconnect(() => this.streamEvent("stocks", "disconnected"));
    stocks.onError((m) => void h.input.frameError("stocks stream", m));
    const trading = o.port.tradeStream({ ...(o.tradingUrl ? { url: o.tradingUrl } : {}), ...reconnect });
    trading.onTradeUpdate((raw) => {
      const u = h.input.tradeUpdate(raw);
      if (u === null) return;
      if (this.holds > 0) this.heldUpdates.push(u);
      else h.onUpdate(u);
    });
    trading.onConnect(() => trading.listen());
    trading.onError((m) => void h.input.frameError("trading stream", m));
    trading.onDisconnect(() => {
      this.streamEvent("trading", "disconnected");
      if (this.stopped || this.tradingDown) return;
      // No decision without the fills before it: hold bars until the missed updates are fetched.
      this.tradingDown = true;
      this.holds++;
    });
    trading.onReconnected(() => void this.catchUpFills());
    this.stocks = stocks;
    this.trading = trading;
    stocks.connect();
    trading.connect();
  }

  /** Resolves once both streams have authenticated. */
  async authenticated(): Promise<void> {
    await Promise.all([this.stocks?.whenAuthenticated(), this.trading?.whenAuthenticated()]);
  }

  disconnect(): void {
    this.stopped = true;
    this.stocks?.disconnect();
    this.trading?.disconnect();
  }

  private streamEvent(stream: string, what: string): void {
    if (this.stopped) return;
    this.h.o.log.warn({ stream }, `${stream} stream ${what}`);
    this.h.journal("reconcile", { kind: "stream", stream, event: what });
  }

  /** The bar stream came back: fetch what it missed, then release what it held meanwhile. */
  private async backfill(why: string): Promise<void> {
    if (this.stopped) return;
    this.streamEvent("stocks", "reconnected");
    this.holds++;
    this.busy++;
    try {
      const from = this.h.backfillFromMs();
      const bars = await this.h.historyBars(from);
      this.backfills++;
      this.heldBars.push(...bars);
      this.h.journal("reconcile", { kind: "backfill", why, fromTime: new Date(from).toISOString(), bars: bars.length });
    } catch (e) {
      this.h.error("backfill", e);
    } finally {
      this.busy--;
      this.holds--;
    }
    this.release();
  }

  /** The order stream came back: apply the fills it missed (from the activities), then release the held bars. */
  private async catchUpFills(): Promise<void> {
    if (this.stopped) return;
    this.streamEvent("trading", "reconnected");
    this.busy++;
    try {
      const execs = (await this.h.o.port.executionsSince(this.h.runStartMs())).filter((x) => !this.h.hasApplied(x));
      this.h.journal("reconcile", { kind: "fills_caught_up", fills: execs.length });
      this.pendingExecs.push(...execs);
    } catch (e) {
      this.h.error("fetching missed fills", e);
    } finally {
      this.busy--;
      if (this.tradingDown) {
        this.tradingDown = false;
        this.holds--;
      }
    }
    this.release();
  }

  /** Hands held stream data to the engine, bars and fills interleaved in broker order. */
  release(): void {
    const { h } = this;
    if (this.holds > 0 || this.stopped) return;
    const updates = this.heldUpdates;
    this.heldUpdates = [];
    const daily = this.heldDaily;
    this.heldDaily = [];
    const bars = this.heldBars.sort((a, b) => a.tMs - b.tMs || h.symbolRank(a.symbol) - h.symbolRank(b.symbol));
    this.heldBars = [];
    const execs = this.pendingExecs;
    this.pendingExecs = [];
    // Held updates: their fills join the merge; the rest (new, canceled...) go to the ledger now.
    for (const u of updates) {
      if (u.event !== "fill" && u.event !== "partial_fill") {
        h.onUpdate(u);
        continue;
      }
      h.recordUpdate(u);
      execs.push(executionOf(u, h.nowMs()));
    }
    if (bars.length > 0 || execs.length > 0) {
      const fresh = execs.filter((x) => !h.hasApplied(x));
      const before = h.fillsSeen();
      const left = h.merge(bars, fresh, (b) => h.ingestLive(b));
      h.addLiveFills(h.fillsSeen() - before);
      for (const x of left) h.journal("reconcile", { kind: "unknown_fill", executionId: x.executionId, orderId: x.orderId ?? null, qty: x.qtyShares, price: x.priceUsd });
    }
    // Daily bars held meanwhile go after the held minute bars (a long hold hands them on late, never twice).
    for (const d of daily) h.daily.daily(d.bar, d.atMs);
  }
}

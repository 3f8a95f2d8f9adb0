import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import type { OrderIntent, TradeRecord } from "../core/types.ts";
import { SeededRng } from "../core/rng.ts";
import { NyTime, etDayToIso } from "../core/ny-time.ts";
import { Engine } from "../engine/engine.ts";
import type { EngineResult } from "../engine/events.ts";
import { LearningState } from "../engine/learning.ts";
import { createSizer } from "../sizing/pipeline.ts";
import { serializeQTable } from "../sizing/rl/persist.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import type { AlpacaClient } from "../adapters/alpaca/client.ts";
import { AlpacaVenue, type Execution, type TradeUpdateLike, type VenueObserver } from "../adapters/alpaca/venue.ts";
import { Journal } from "../store/journal.ts";
import { FileStateStore } from "../store/state-store.ts";
import type { RunRecord } from "../store/state-store.ts";
import { IntentLog } from "../store/intent-log.ts";
import { journalEvents } from "./journal-events.ts";
import { DedupingJournal } from "./journal-dedupe.ts";
import { fetchBars, fetchExecutions, fetchOrders, type FeedBar } from "./broker-history.ts";
import { minuteOfLocalId, minuteOfTime, replayInOrder } from "./merge-replay.ts";
import { reconcile } from "./reconcile.ts";
import { Scheduler, type JobContext, type LiveDriver, type ReplayDriver } from "./schedule.ts";
import { SessionCalendar } from "./session-calendar.ts";

export type BrokerKind = "local" | "paper" | "live";

export interface DaemonOptions {
  readonly config: Config;
  readonly symbols: readonly string[];
  readonly stateDir: string;
  readonly log: Logger;
  readonly alpaca: AlpacaClient;
  /** Stream endpoints; undefined = the SDK's Alpaca defaults. */
  readonly stocksUrl?: string;
  readonly tradingUrl?: string;
  readonly broker: BrokerKind;
  /** The broker's time: the replay clock on the local exchange, the wall clock on Alpaca. */
  readonly clock: Clock;
  /** Values that must never reach the journal or the state (the API key pair). */
  readonly secrets: readonly string[];
  /** Where a new run's replay starts (its first bar, or the warm-up start before today's open). */
  readonly newRunStartMs: number;
  /** False abandons a run the state holds (e.g. the local exchange started a fresh replay). */
  readonly resume: boolean;
  /** The local exchange writes the replay minute of a fill into its execution id (see merge-replay). */
  readonly executionMinuteFromId?: boolean;
  /** Jobs on the wall clock with node-cron (Alpaca). Otherwise they fire on the replay clock, as bars pass them. */
  readonly liveSchedule?: boolean;
  /** The session calendar is fetched up to here (a replay's last bar; default 30 days ahead). */
  readonly calendarUntilMs?: number;
  /** Fault injection for tests: runs after the write-ahead intent line, before the POST. */
  readonly hooks?: {
    readonly afterIntentLogged?: (intent: OrderIntent) => void;
    /** A bar came off the stocks stream (the latency benchmark's start point). */
    readonly barReceived?: () => void;
  };
  /** Post retry pacing after an ambiguous failure (tests shorten it). */
  readonly retryDelayMs?: number;
}

/** What a restart's replay found and did; journaled as one `reconcile` event. */
export interface RecoveryReport {
  readonly resumed: boolean;
  readonly replayedBars: number;
  readonly appliedFills: number;
  readonly adoptedOrders: number;
  readonly posted: readonly string[];
  readonly canceled: readonly string[];
  readonly missedEntries: number;
  readonly journalEventsAdded: number;
  readonly flags: readonly string[];
}

const DAY_MS = 86_400_000;

/**
 * The paper-trading daemon on any Alpaca-protocol broker: the same Engine, strategy and sizer as
 * a backtest, fed by the stocks stream, its orders placed through the SDK.
 *
 * Start-up: connect both streams first (holding what they deliver), then rebuild the run by
 * replaying it from its start through a fresh engine (orders adopted by client order id, fills
 * from the broker's fill activities, duplicate journal events dropped), send only what the broker
 * lacks, reconcile positions, orders and cash, and only then release the held stream data. A
 * reconnect of the bar stream backfills the missed bars over REST; while the order stream is
 * down, bars are held (a decision must not be made without the fills before it) and the missed
 * fills are fetched when it is back.
 */
export class Daemon {
  readonly engine: Engine<unknown>;
  readonly venue: AlpacaVenue;
  readonly journal: DedupingJournal;
  private readonly ny = new NyTime();
  private readonly symId: Map<string, number>;
  private readonly lastBarMs: Float64Array;
  private readonly learning: LearningState;
  private stocks: ReturnType<AlpacaClient["marketData"]["stockStream"]> | null = null;
  private trading: ReturnType<AlpacaClient["trading"]["stream"]> | null = null;
  /** While > 0, stream data is held (recovery, a backfill, the order stream down). */
  private holds = 0;
  private heldBars: FeedBar[] = [];
  private heldUpdates: TradeUpdateLike[] = [];
  private tradingDown = false;
  private replayMs: number | null = null;
  private flushQueued = false;
  private stopped = false;
  private run: RunRecord | null = null;
  /** Bars ingested from the streams or a backfill (not the start-up replay). */
  liveBars = 0;
  /** Fills applied outside the start-up replay. */
  liveFills = 0;
  duplicateBars = 0;
  backfills = 0;
  /** Async work under way (a backfill, a catch-up): a lock-step driver waits for none. */
  busy = 0;
  recovery: RecoveryReport | null = null;
  private replayJobs: ReplayDriver | null = null;
  private liveJobs: LiveDriver | null = null;
  private jobsClockMs = -Infinity;
  private readonly summarized = new Set<string>();
  /** Told the end time of every bar ingested (a replaying broker's clock follows its bars). */
  onBarTime: ((endMs: number) => void) | null = null;

  private constructor(
    private readonly o: DaemonOptions,
    private readonly store: FileStateStore,
    private readonly intentLog: IntentLog,
    journal: Journal,
  ) {
    this.journal = new DedupingJournal(journal);
    this.symId = new Map(o.symbols.map((s, i) => [s, i]));
    this.lastBarMs = new Float64Array(o.symbols.length).fill(-Infinity);
    const cfg = o.config;
    this.learning = new LearningState(cfg, new SeededRng(cfg.execution.seed));
    const events = journalEvents(this.journal, () => this.nowMs());
    const ref: { venue?: AlpacaVenue } = {};
    this.engine = new Engine<unknown>({
      config: cfg,
      symbols: o.symbols,
      strategy: createBearTrap(cfg.strategy),
      sizer: createSizer(cfg),
      learning: this.learning,
      events: {
        ...events,
        trade: (t) => {
          events.trade?.(t);
          this.onTradeClosed(t);
        },
        dayEnd: (d, equity) => {
          this.store.raiseEquityHighWater(equity);
          // The scheduled summary normally came at close + 5 min; a day the calendar did not
          // know (generated data on a holiday) still gets one.
          if (!this.summarized.has(d)) this.journalSummary(d, equity);
        },
      },
      venue: AlpacaVenue.factory(o.alpaca, this.observer(), ref, { clock: { nowMs: () => this.nowMs() }, retryDelayMs: o.retryDelayMs }),
    });
    if (!ref.venue) throw new Error("venue was not built");
    this.venue = ref.venue;
  }

  static async open(o: DaemonOptions): Promise<Daemon> {
    const journal = Journal.open(o.stateDir, { secrets: o.secrets, now: () => o.clock.nowMs(), fsync: false });
    const { store, issue } = await FileStateStore.open(o.stateDir, { onCorrupt: "reset", now: () => o.clock.nowMs() });
    const d = new Daemon(o, store, IntentLog.open(o.stateDir), journal);
    if (issue) d.journal.append(d.today(), "state_recovered", { problem: issue.message, movedTo: issue.movedTo });
    return d;
  }

  /** The broker's time, or during the start-up replay the end of the bar being replayed. */
  nowMs(): number {
    return this.replayMs ?? this.o.clock.nowMs();
  }

  today(): string {
    return etDayToIso(this.ny.etDay(this.nowMs()));
  }

  get runRecord(): RunRecord | null {
    return this.run;
  }

  /** True when nothing is held or under way: every delivered bar and fill has reached the engine. */
  get idle(): boolean {
    return this.holds === 0 && this.busy === 0 && this.venue.inflight === 0;
  }

  /** Connects, rebuilds the run, reconciles, and goes live. */
  async start(): Promise<RecoveryReport> {
    const o = this.o;
    this.holds++;
    try {
      const account = await o.alpaca.trading.account.getAccount();
      const run = this.chooseRun(Number(account.cash));
      this.journal.append(this.today(), "startup", { broker: o.broker, runId: run.id, resumed: run.startedAt !== this.newRunStamp, symbols: o.symbols, sizingMode: o.config.sizing.mode });
      await this.startSchedule(run);
      this.connectStreams();
      await Promise.all([this.stocks?.whenAuthenticated(), this.trading?.whenAuthenticated()]);
      this.recovery = await this.recover(run);
      await this.store.commit();
    } finally {
      this.holds--;
    }
    this.release();
    if (o.liveSchedule && this.scheduler !== null) {
      this.liveJobs = this.scheduler.live();
      this.liveJobs.start();
    }
    return this.recovery;
  }

  private scheduler: Scheduler | null = null;

  /** The broker's calendar drives the jobs: warm-up, flatten (12:55 on a half day), summary, retrain. */
  private async startSchedule(run: RunRecord): Promise<void> {
    const o = this.o;
    const d = o.config.daemon;
    const fromMs = run.startMs - 7 * DAY_MS;
    const toMs = Math.max(o.calendarUntilMs ?? 0, o.clock.nowMs() + 30 * DAY_MS);
    const days = await o.alpaca.trading.calendar.legacyCalendar({ start: new Date(fromMs), end: new Date(toMs) });
    const iso = (ms: number): string => etDayToIso(this.ny.etDay(ms));
    const calendar = SessionCalendar.fromAlpaca(
      days.map((x) => ({ date: x.date.toISOString().slice(0, 10), open: x.open, close: x.close })),
      { from: iso(fromMs), to: iso(toMs) },
    );
    this.scheduler = new Scheduler({
      calendar,
      warmupMinutes: d.warmupMinutesBeforeOpen,
      flattenMinutesBeforeClose: d.flattenMinutesBeforeClose,
      summaryMinutesAfterClose: d.summaryMinutesAfterClose,
      retrainCron: d.nightlyRetrain ? "0 20 * * 1-5" : undefined,
      handlers: {
        warmup: (c) => this.onJob(c, { session: `${new Date(c.session.openMs).toISOString()}..${new Date(c.session.closeMs).toISOString()}` }),
        flatten: (c) => this.onJob(c, { positions: this.engine.flattenAll("eod") }),
        summary: (c) => {
          const date = etDayToIso(c.etDay);
          if (!this.summarized.has(date)) this.journalSummary(date, this.venue.equityUsd());
        },
        retrain: (c) => this.onJob(c, { note: "the learners update online as trades close; nothing to refit" }),
      },
      onError: (err, at) => this.error(`job ${at.job} at ${new Date(at.nowMs).toISOString()}`, err),
    });
    this.replayJobs = this.scheduler.replay(run.startMs - 1);
  }

  private onJob(c: JobContext, detail: Record<string, unknown>): void {
    this.journal.append(etDayToIso(c.etDay), "schedule", { job: c.job, at: new Date(c.nowMs).toISOString(), ...detail }, c.nowMs);
  }

  /** The day's summary: what the journal review reads first. */
  private journalSummary(date: string, equityUsd: number): void {
    this.summarized.add(date);
    const trades = this.engine.result.trades.filter((t) => etDayToIso(this.ny.etDay(t.exitTimeMs)) === date);
    const wins = trades.filter((t) => t.pnlUsd > 0).length;
    const day = this.engine.dayStatus();
    this.journal.append(date, "summary", {
      date,
      trades: trades.length,
      wins,
      winRatePct: trades.length > 0 ? (wins / trades.length) * 100 : null,
      pnlUsd: trades.reduce((a, t) => a + t.pnlUsd, 0),
      equityUsd,
      halted: day.day === date ? day.halted : null,
    });
  }

  /** Fires the jobs a replay clock has passed (the last day's summary at the end of a replay). */
  advanceJobs(toMs: number): void {
    if (this.replayJobs === null || !(toMs > this.jobsClockMs)) return;
    this.jobsClockMs = toMs;
    this.replayJobs.advanceToSync(toMs);
  }

  private newRunStamp = "";

  /** The run to resume, or a new one (journaled with why). */
  private chooseRun(cashUsd: number): RunRecord {
    const o = this.o;
    const prev = this.store.getRun();
    const configHash = createHash("sha256").update(JSON.stringify(o.config)).digest("hex").slice(0, 16);
    const tooOld = prev !== null && this.o.clock.nowMs() - prev.startMs > o.config.daemon.maxReplayDays * DAY_MS;
    const sameSymbols = prev !== null && JSON.stringify(prev.symbols) === JSON.stringify(o.symbols);
    if (o.resume && prev !== null && prev.broker === o.broker && sameSymbols && !tooOld) {
      this.run = prev;
      if (prev.configHash !== configHash) this.journal.append(this.today(), "reconcile", { kind: "config_changed", detail: "the config differs from the one this run started with; the replay uses the new one" });
      return prev;
    }
    const why = prev === null ? "no run in state" : !o.resume ? "the broker started a new session" : prev.broker !== o.broker ? `broker changed from ${prev.broker}` : !sameSymbols ? "symbols changed" : `run older than ${o.config.daemon.maxReplayDays} days`;
    this.newRunStamp = new Date(this.o.clock.nowMs()).toISOString();
    const run: RunRecord = { id: randomUUID(), broker: o.broker, startMs: o.newRunStartMs, symbols: [...o.symbols], initialCashUsd: cashUsd, configHash, startedAt: this.newRunStamp };
    this.store.resetRun(run);
    this.intentLog.reset();
    this.run = run;
    if (prev !== null) this.journal.append(this.today(), "reconcile", { kind: "new_run", why, previousRun: prev.id });
    return run;
  }

  /**
   * Replays the run from its start through the engine with the venue in recovery mode, then
   * sends what the broker lacks and reconciles. A new run replays its warm-up bars the same way
   * (the broker has no orders of it yet).
   */
  private async recover(run: RunRecord): Promise<RecoveryReport> {
    const o = this.o;
    const [orders, executions, bars] = await Promise.all([fetchOrders(o.alpaca, run.startMs), fetchExecutions(o.alpaca, run.startMs), fetchBars(o.alpaca, o.symbols, run.startMs, o.config.daemon.feed)]);
    const edgeMs = bars.length > 0 ? bars[bars.length - 1].tMs : -Infinity;
    let adopted = 0;
    this.onAdopted = () => void adopted++;
    const missedBefore = this.venue.missedEntries;
    this.venue.beginRecovery(orders, edgeMs, this.intentLog.read().rejected);
    this.venue.setCash(run.initialCashUsd);
    this.journal.beginReplay();
    const fillsBefore = this.venue.fillsSeen;
    let leftovers: Execution[];
    try {
      leftovers = this.replay(bars, executions);
    } finally {
      this.journal.endReplay();
      this.replayMs = null;
    }
    const sent = this.venue.finishRecovery();
    this.onAdopted = null;
    const flags = await reconcile({ alpaca: o.alpaca, venue: this.venue, symbols: o.symbols, strategyPrefix: `${this.engineStrategyId()}.`, closeUnknown: o.config.daemon.closeUnknownPositions, leftovers });
    const report: RecoveryReport = {
      resumed: run.startedAt !== this.newRunStamp,
      replayedBars: bars.length,
      appliedFills: this.venue.fillsSeen - fillsBefore,
      adoptedOrders: adopted,
      posted: sent.posted,
      canceled: sent.canceled,
      missedEntries: this.venue.missedEntries - missedBefore,
      journalEventsAdded: this.journal.added,
      flags,
    };
    this.journal.append(this.today(), "reconcile", { kind: "startup", ...report });
    for (const f of flags) o.log.warn({ flag: f }, "reconcile");
    o.log.info({ ...report, posted: report.posted.length, canceled: report.canceled.length }, "recovered");
    this.afterActivity();
    return report;
  }

  private engineStrategyId(): string {
    return createBearTrap(this.o.config.strategy).id;
  }

  private onAdopted: (() => void) | null = null;

  /** Bars and fills in the order the live bot saw them (see replayInOrder); returns fills no order explains. */
  private replay(bars: readonly FeedBar[], execs: readonly Execution[]): Execution[] {
    const minuteOf = this.o.executionMinuteFromId ? minuteOfLocalId : minuteOfTime;
    return replayInOrder(bars, execs, minuteOf, {
      canApply: (x) => x.orderId !== undefined && this.venue.clientIdOf(x.orderId) !== undefined,
      apply: (x) => this.applyExecution(x),
      bar: (b) => {
        this.replayMs = b.tMs + 60_000;
        this.ingestBar(b);
        // The run heard these refusals before its next bar; so does the replay.
        for (const r of this.venue.takeReplayedRefusals()) this.venue.replayRefusal(r.clientOrderId, r.reason);
      },
    });
  }

  private connectStreams(): void {
    const o = this.o;
    const reconnect = { initialReconnectMs: o.config.daemon.reconnectInitialMs, maxReconnectAttempts: -1 };
    const stocks = o.alpaca.marketData.stockStream({ feed: o.config.daemon.feed, ...(o.stocksUrl ? { url: o.stocksUrl } : {}), ...reconnect });
    const barReceived = o.hooks?.barReceived;
    stocks.onBar((b) => {
      barReceived?.();
      if (typeof b.symbol !== "string") return;
      const bar: FeedBar = { symbol: b.symbol, tMs: b.timestamp.getTime(), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
      if (this.holds > 0) this.heldBars.push(bar);
      else this.ingestLive(bar);
    });
    stocks.onConnect(() => stocks.subscribeForBars([...o.symbols]));
    stocks.onReconnected(() => void this.backfill("bar stream reconnected"));
    stocks.onDisconnect(() => this.streamEvent("stocks", "disconnected"));
    const trading = o.alpaca.trading.stream({ ...(o.tradingUrl ? { url: o.tradingUrl } : {}), ...reconnect });
    trading.onTradeUpdate((u) => {
      if (this.holds > 0) this.heldUpdates.push(u);
      else this.onUpdate(u);
    });
    trading.onConnect(() => trading.subscribeTradeUpdates());
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

  /** True while the order-update stream is down (bars are being held). */
  get ordersStreamDown(): boolean {
    return this.tradingDown;
  }

  private streamEvent(stream: string, what: string): void {
    if (this.stopped) return;
    this.o.log.warn({ stream }, `${stream} stream ${what}`);
    this.journal.append(this.today(), "reconcile", { kind: "stream", stream, event: what });
  }

  private onUpdate(u: TradeUpdateLike): void {
    try {
      const before = this.venue.fillsSeen;
      this.venue.onTradeUpdate(u);
      this.liveFills += this.venue.fillsSeen - before;
      this.ledgerUpdate(u);
    } catch (e) {
      this.error(`trade update ${u.event} for ${u.order.clientOrderId ?? u.order.id ?? "?"}`, e);
    }
    this.afterActivity();
  }

  private ingestLive(b: FeedBar): void {
    if (this.ingestBar(b)) this.liveBars++;
  }

  /** One bar into the engine, once: a bar at or before the symbol's last one (a duplicate or out-of-order frame) is dropped and counted. */
  private ingestBar(b: FeedBar): boolean {
    const id = this.symId.get(b.symbol);
    if (id === undefined) return false;
    if (!(b.tMs > this.lastBarMs[id])) {
      this.duplicateBars++;
      return false;
    }
    this.lastBarMs[id] = b.tMs;
    this.onBarTime?.(b.tMs + 60_000);
    // Jobs due at or before this bar's start run first (the flatten before the bar after it).
    if (b.tMs > this.jobsClockMs) this.advanceJobs(b.tMs);
    try {
      this.engine.onBar(id, b.tMs, b.open, b.high, b.low, b.close, b.volume);
    } catch (e) {
      this.error(`bar ${b.symbol} ${new Date(b.tMs).toISOString()}`, e);
    }
    this.afterActivity();
    return true;
  }

  private applyExecution(x: Execution): void {
    try {
      this.venue.applyExecution(x);
    } catch (e) {
      this.error(`fill ${x.executionId}`, e);
    }
  }

  /** The bar stream came back: fetch what it missed, then release what it held meanwhile. */
  private async backfill(why: string): Promise<void> {
    if (this.stopped) return;
    this.streamEvent("stocks", "reconnected");
    this.holds++;
    this.busy++;
    try {
      let from = Infinity;
      for (let i = 0; i < this.lastBarMs.length; i++) from = Math.min(from, this.lastBarMs[i] === -Infinity ? (this.run?.startMs ?? 0) : this.lastBarMs[i] + 60_000);
      const bars = await fetchBars(this.o.alpaca, this.o.symbols, from, this.o.config.daemon.feed);
      this.backfills++;
      this.heldBars.push(...bars);
      this.journal.append(this.today(), "reconcile", { kind: "backfill", why, fromTime: new Date(from).toISOString(), bars: bars.length });
    } catch (e) {
      this.error("backfill", e);
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
      const since = (this.run?.startMs ?? 0);
      const execs = (await fetchExecutions(this.o.alpaca, since)).filter((x) => !this.venue.hasSeenExecution(x.executionId));
      this.journal.append(this.today(), "reconcile", { kind: "fills_caught_up", fills: execs.length });
      this.pendingExecs.push(...execs);
    } catch (e) {
      this.error("fetching missed fills", e);
    } finally {
      this.busy--;
      if (this.tradingDown) {
        this.tradingDown = false;
        this.holds--;
      }
    }
    this.release();
  }

  private pendingExecs: Execution[] = [];

  /** Hands held stream data to the engine, bars and fills interleaved in broker order. */
  private release(): void {
    if (this.holds > 0 || this.stopped) return;
    const updates = this.heldUpdates;
    this.heldUpdates = [];
    const bars = this.heldBars.sort((a, b) => a.tMs - b.tMs || (this.symId.get(a.symbol) ?? 0) - (this.symId.get(b.symbol) ?? 0));
    this.heldBars = [];
    const execs = this.pendingExecs;
    this.pendingExecs = [];
    // Held updates: their fills join the merge; the rest (new, canceled...) go to the ledger now.
    for (const u of updates) {
      if (u.event !== "fill" && u.event !== "partial_fill") {
        this.onUpdate(u);
        continue;
      }
      this.ledgerUpdate(u);
      execs.push({ executionId: u.executionId ?? `${u.order.id ?? ""}:${u.qty ?? ""}`, orderId: u.order.id, clientOrderId: u.order.clientOrderId, qtyShares: Number(u.qty), priceUsd: Number(u.price), timeMs: u.timestamp?.getTime() ?? this.nowMs() });
    }
    if (bars.length === 0 && execs.length === 0) return;
    const fresh = execs.filter((x) => !this.venue.hasSeenExecution(x.executionId));
    const minuteOf = this.o.executionMinuteFromId ? minuteOfLocalId : minuteOfTime;
    const before = this.venue.fillsSeen;
    const left = replayInOrder(bars, fresh, minuteOf, {
      canApply: (x) => (x.orderId !== undefined && this.venue.clientIdOf(x.orderId) !== undefined) || (x.clientOrderId !== undefined && this.venue.knowsIntent(x.clientOrderId)),
      apply: (x) => this.applyExecution(x),
      bar: (b) => this.ingestLive(b),
    });
    this.liveFills += this.venue.fillsSeen - before;
    for (const x of left) this.journal.append(this.today(), "reconcile", { kind: "unknown_fill", executionId: x.executionId, orderId: x.orderId ?? null, qty: x.qtyShares, price: x.priceUsd });
  }

  /** Order ledger transitions from the order stream. */
  private ledgerUpdate(u: TradeUpdateLike): void {
    const coid = (u.order.id !== undefined ? this.venue.clientIdOf(u.order.id) : undefined) ?? u.order.clientOrderId;
    if (coid === undefined || this.store.getOrder(coid) === undefined) return;
    const status = u.event === "fill" ? "filled" : u.event === "partial_fill" ? "partially_filled" : u.event === "canceled" || u.event === "expired" || u.event === "rejected" ? u.event : null;
    if (status === null) return;
    const cur = this.store.getOrder(coid)?.status;
    if (cur === "filled" || cur === "canceled" || cur === "expired" || cur === "rejected") return;
    this.store.markOrderStatus(coid, status);
  }

  private observer(): VenueObserver {
    const submittedPayload = (i: OrderIntent): Record<string, unknown> => ({ clientOrderId: i.clientOrderId, symbol: i.symbol, side: i.side, orderType: i.type, qty: i.qtyShares, limit: i.limitPriceUsd ?? null, stop: i.stopPriceUsd ?? null, purpose: i.purpose });
    return {
      beforePost: (i) => {
        // The write-ahead line goes down before the POST leaves (see IntentLog).
        this.intentLog.append(i, this.nowMs());
        this.o.hooks?.afterIntentLogged?.(i);
        this.store.recordIntent(i.clientOrderId, i);
        this.store.markSubmitted(i.clientOrderId);
      },
      submitted: (i) => {
        this.journal.append(this.today(), "order_submitted", submittedPayload(i));
      },
      acknowledged: (i, id) => {
        this.store.markAcknowledged(i.clientOrderId, id);
        this.afterActivity();
      },
      adopted: (i, id, why) => {
        this.onAdopted?.();
        if (this.store.getOrder(i.clientOrderId) === undefined) this.store.recordIntent(i.clientOrderId, i);
        this.store.markAcknowledged(i.clientOrderId, id);
        // Journaled like a submission: during the replay the journal drops it when it already has it.
        this.journal.append(this.today(), "order_submitted", submittedPayload(i));
        if (why !== "recovered") this.journal.append(this.today(), "reconcile", { kind: "adopted", clientOrderId: i.clientOrderId, why });
      },
      rejected: (i, reason) => {
        if (!this.venue.recovering) this.intentLog.appendRejection(i.clientOrderId, reason, this.nowMs());
        if (this.store.getOrder(i.clientOrderId) !== undefined) this.store.markRejected(i.clientOrderId, reason);
        this.journal.append(this.today(), "order_update", { clientOrderId: i.clientOrderId, event: "rejected", reason });
        this.o.log.warn({ clientOrderId: i.clientOrderId, reason }, "order rejected");
        this.engine.onOrderRejected(i.clientOrderId, reason);
        this.afterActivity();
      },
      update: (event, coid, detail) => {
        this.journal.append(this.today(), "order_update", { clientOrderId: coid, event, ...detail });
      },
    };
  }

  private onTradeClosed(t: TradeRecord): void {
    const equity = this.venue.equityUsd();
    if (Number.isFinite(equity)) this.store.raiseEquityHighWater(equity);
    this.store.setKelly(this.learning.kelly.toJSON());
    if (this.learning.rl !== null) this.store.setQTable(serializeQTable(this.learning.rl.table));
    void t;
  }

  private error(where: string, e: unknown): void {
    const message = `${where}: ${e instanceof Error ? e.message : String(e)}`;
    this.o.log.error({ err: e }, message);
    this.journal.append(this.today(), "error", { message });
  }

  /** State follows the engine once per turn of the event loop, however many bars and fills the turn brought. */
  private afterActivity(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.syncState();
      void this.store.commit().catch((e: unknown) => this.error("state write", e));
    });
  }

  private syncState(): void {
    const e = this.engine;
    this.store.replacePositions(
      e.openPositions().map((p) => ({
        id: p.id, symbol: p.symbol, strategyId: p.strategyId, template: p.template, stage: p.stage, qtyShares: p.qtyShares,
        entries: [...p.entries], exits: [...p.exits], stopUsd: p.stopUsd, targets: [...p.targets], nextAdd: p.nextAdd, orderIds: [...p.orderIds], closing: p.closing,
      })),
    );
    const day = e.dayStatus();
    if (day.day !== null) this.store.setDaily({ date: day.day, realizedPnlUsd: day.dayPnlUsd, entries: day.entriesToday, haltedReason: day.halted });
    // Bar times change every minute and matter only to `status`: they ride along with a write that
    // something else caused, or go down at most every few seconds, so a quiet minute costs no write.
    const now = Date.now();
    if (this.store.dirty || now - this.barTimesWrittenMs > 5000) {
      this.barTimesWrittenMs = now;
      for (let i = 0; i < this.lastBarMs.length; i++) if (this.lastBarMs[i] > -Infinity) this.store.setLastBarTime(this.o.symbols[i], this.lastBarMs[i]);
    }
  }

  private barTimesWrittenMs = 0;

  /**
   * Graceful stop: no new entries, wait (bounded) for requests under way, close the streams,
   * write state and the journal. Returns the engine's result (every trade of the run).
   */
  async stop(reason: string, endOfRun: boolean): Promise<EngineResult> {
    this.engine.haltEntries(`shutdown: ${reason}`, this.nowMs());
    const t0 = Date.now();
    while (this.venue.inflight > 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    this.stopped = true;
    this.liveJobs?.stop();
    this.replayJobs?.stop();
    this.stocks?.disconnect();
    this.trading?.disconnect();
    // Only a run that is over closes its books (the day's summary); a stop mid-session resumes later.
    const result = endOfRun ? this.engine.finish() : this.engine.result;
    this.syncState();
    this.journal.append(this.today(), "shutdown", { reason, trades: result.trades.length, equityUsd: this.venue.equityUsd() });
    await this.store.commit();
    this.journal.close();
    this.intentLog.close();
    return result;
  }
}

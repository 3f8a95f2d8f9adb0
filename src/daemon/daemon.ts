import { SeededRng } from "../core/rng.ts";
import { NyTime, etDayToIso } from "../core/ny-time.ts";
import { Engine } from "../engine/engine.ts";
import type { EngineResult } from "../engine/events.ts";
import { LearningState } from "../engine/learning.ts";
import { OrderFirstFrames } from "./order-first-frames.ts";
import { FAIL_SAFE_REGIME_CALL, type RegimeClassifier } from "../sizing/regime-port.ts";
import { createSizer, type PipelineSizer, type SizingMode } from "../sizing/pipeline.ts";
import { allocationsOf, buildSlots, dailySymbolsOf, warmupBarsOf } from "../strategy/slots.ts";
import type { BrokerVenue, Execution, FeedBar, TradeUpdateLike } from "../broker/port.ts";
import { Journal } from "../store/journal.ts";
import { FileStateStore } from "../store/state-store.ts";
import type { RunRecord } from "../store/state-store.ts";
import { IntentLog } from "../store/intent-log.ts";
import { chooseRunFor, recoverRun, type StartupHost } from "./daemon-startup.ts";
import { journalEvents } from "./journal-events.ts";
import { DedupingJournal } from "./journal-dedupe.ts";
import type { StreamInput } from "./stream-input.ts";
import { inputGate } from "./input-gate.ts";
import type { DailyBars } from "./daily-bars.ts";
import { DailyPath } from "./daily-path.ts";
import { BarIngest } from "./bar-ingest.ts";
import { FillIntake } from "./fill-intake.ts";
import { StateSync } from "./state-sync.ts";
import { saveLearning, sizerFor, storeLearning, switchSizingMode } from "./daemon-sizing.ts";
import { LiveStreams } from "./daemon-streams.ts";
import { KillSwitch } from "./kill-switch.ts";
import { checkRunFiles } from "./run-files.ts";
import type { DaemonOptions, RecoveryReport } from "./daemon-options.ts";
import { DaemonJobs } from "./daemon-jobs.ts";
import { brokerSessions, sessionOf, type SessionLookup } from "../core/market-calendar.ts";
import { notifyEngineEvents } from "../notify/engine-hooks.ts";
import { mergeEvents } from "../engine/merge-events.ts";
import type { SizingConfig } from "../config/schema.ts";
import { orderLedger } from "./order-ledger.ts";

export type { BrokerKind, DaemonOptions, RecoveryReport } from "./daemon-options.ts";

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
export class Daemon implements StartupHost {
  readonly engine: Engine<unknown>;
  readonly venue: BrokerVenue;
  readonly journal: DedupingJournal;
  private readonly ny = new NyTime();
  /** The minute bars' path into the engine, and the bar position. */
  private readonly bars: BarIngest;
  /** The 1Day strategies' bars: stream marks, final bars at the close, the REST fetch for a replay. */
  private readonly dailyPath: DailyPath;
  /** Order updates and fills into the venue, each fill's bar position written ahead. */
  private readonly fills: FillIntake;
  /** The state file following the engine. */
  private readonly state: StateSync;
  /** Swapped by setSizingMode; the engine asks it through a forwarder, so a switch applies at the next decision. */
  sizer: PipelineSizer;
  /** Fills the bot has applied this run, by fill key (order and cumulative qty, see fillKey), with the bar position they came at. */
  fillsSeenAt = new Map<string, number>();
  readonly learning: LearningState;
  replayMs: number | null = null;
  run: RunRecord | null = null;
  /** Bars ingested from the streams or a backfill (not the start-up replay). */
  liveBars = 0;
  /** Fills applied outside the start-up replay. */
  liveFills = 0;
  get duplicateBars(): number {
    return this.bars.duplicates;
  }
  /** Bars and trade updates refused at the boundary (malformed, out of range), counted by source and reason. */
  readonly input: StreamInput;
  /** 1Day bars the daily strategies warm up on before the run's first session (src/daemon/warm-up.ts). */
  readonly dailyWarmupBars: number;
  /** Bars the engine warmed up on at this start (0: none needed, none served, or the fetch failed). */
  warmedUpBars = 0;
  /** The HALT flag and the emergency conditions (risk.emergency). */
  readonly killSwitch: KillSwitch;
  recovery: RecoveryReport | null = null;
  private jobs: DaemonJobs | null = null;
  /** Which days trade and when they close: the NYSE rules until the broker's calendar is fetched. */
  private sessions: SessionLookup = sessionOf;
  readonly strategyIds: readonly string[];
  /** Whether start() resumed the run the state held (false: a new run began). */
  resumed = false;
  /** Final daily bars of the 1Day strategies' symbols, handed to the engine once each after their session's close. */
  readonly daily: DailyBars;
  /** Final daily bars the engine has had. */
  get dailyBarsTaken(): number {
    return this.dailyPath.taken;
  }
  /** The streams, and what is held back from the engine while it must wait. */
  private readonly streams: LiveStreams;
  /** Told the end time of every bar ingested (a replaying broker's clock follows its bars). */
  onBarTime: ((endMs: number) => void) | null = null;

  private constructor(
    readonly o: DaemonOptions,
    readonly store: FileStateStore,
    readonly intentLog: IntentLog,
    journal: Journal,
  ) {
    this.journal = new DedupingJournal(journal);
    const gate = inputGate(o, this.journal, () => this.today());
    this.input = gate.input;
    const slots = o.slots ?? buildSlots(o.config, o.symbols);
    const bars = (this.bars = new BarIngest({
      symbols: o.symbols,
      engine: () => this.engine,
      daily: () => this.daily,
      onNewMinute: () => {
        this.killSwitch.onNewMinute();
        gate.moveFutureBound();
      },
      onBarTime: (endMs) => this.onBarTime?.(endMs),
      // Jobs due at or before this bar's start run first (the flatten before the bar after it).
      advanceJobs: (tMs) => this.jobs?.advance(tMs),
      error: (where, e) => this.error(where, e),
      afterActivity: () => this.afterActivity(),
    }));
    this.fills = new FillIntake({
      venue: () => this.venue,
      intentLog,
      store,
      seenAt: () => this.fillsSeenAt,
      nowMs: () => this.nowMs(),
      position: () => bars.position(),
      addLiveFills: (n) => (this.liveFills += n),
      error: (where, e) => this.error(where, e),
      afterActivity: () => this.afterActivity(),
    });
    this.state = new StateSync({
      store,
      engine: () => this.engine,
      venue: () => this.venue,
      bars,
      storeLearning: () => storeLearning(this, (where, e) => this.error(where, e)),
      error: (where, e) => this.error(where, e),
    });
    this.dailyPath = new DailyPath({
      o,
      symbols: (o.dailySymbols ?? dailySymbolsOf(slots)).filter((s) => bars.symId.has(s)),
      bars,
      input: this.input,
      sessions: () => this.sessions,
      engine: () => this.engine,
      venue: () => this.venue,
      nowMs: () => this.nowMs(),
      onBarTime: (endMs) => this.onBarTime?.(endMs),
      error: (where, e) => this.error(where, e),
      afterActivity: () => this.afterActivity(),
    });
    this.streams = new LiveStreams({
      o,
      input: this.input,
      daily: (this.daily = this.dailyPath.daily),
      nowMs: () => this.nowMs(),
      today: () => this.today(),
      journal: (type, detail) => this.journal.append(this.today(), type, detail),
      error: (where, e) => this.error(where, e),
      backfillFromMs: () => bars.backfillFromMs(this.run?.startMs ?? 0),
      historyBars: (fromMs) => this.historyBars(fromMs),
      runStartMs: () => this.run?.startMs ?? 0,
      hasApplied: (x) => this.venue.hasApplied(x),
      fillsSeen: () => this.venue.fillsSeen,
      merge: (b, execs, bar) => this.merge(b, execs, bar),
      pushFrame: (b) => this.frames.push(b),
      ingestLive: (b) => this.ingestLive(b),
      onUpdate: (u) => this.fills.onUpdate(u),
      recordUpdate: (u) => this.fills.recordUpdate(u),
      symbolRank: (sym) => bars.symId.get(sym) ?? 0,
      addLiveFills: (n) => (this.liveFills += n),
    });
    const cfg = o.config;
    this.sizer = createSizer(cfg);
    this.learning = new LearningState(cfg, new SeededRng(cfg.execution.seed));
    // Alerts while the bot trades, not while a restart's replay re-decides what it already did.
    const alertSink = o.alerts;
    const alerts = alertSink ? notifyEngineEvents({ notify: (e) => (this.venue !== undefined && !this.venue.recovering ? alertSink.notify(e) : false) }, () => this.nowMs()) : null;
    const events = mergeEvents(journalEvents(this.journal, () => this.nowMs()), alerts);
    const ref: { venue?: BrokerVenue } = {};
    this.strategyIds = [...new Set(slots.map((s) => s.definition.id))];
    this.dailyWarmupBars = warmupBarsOf(slots, "1Day");
    this.learning.setAllocations(allocationsOf(slots));
    const ledger = orderLedger({
      store,
      intentLog,
      journal: this.journal,
      nowMs: () => this.nowMs(),
      position: () => this.barPosition(),
      today: () => this.today(),
      recovering: () => this.venue.recovering,
      onEnded: (e) => this.engine.onOrderEnded(e),
      warn: (detail, msg) => o.log.warn(detail, msg),
      changed: () => this.afterActivity(),
      afterIntentLogged: o.hooks?.afterIntentLogged,
    });
    this.engine = new Engine<unknown>({
      config: cfg,
      symbols: o.symbols,
      slots,
      sizer: { size: (input) => this.sizer.size(input) },
      learning: this.learning,
      // The run's model is known once the run is chosen (see chooseRunModel): through a forwarder.
      regime: { classify: (f, asOfMs) => this.regime.classify(f, asOfMs) },
      // Sessions (half days, holidays) from the broker's calendar once it is fetched (start()),
      // before the engine sees its first bar; the NYSE rules until then.
      calendar: (etDay) => this.sessions(etDay),
      // The journal first, then alerts, then what the daemon itself does with the same events.
      events: mergeEvents(events, {
        trade: () => this.onTradeClosed(),
        dayEnd: (d, equity) => {
          this.store.raiseEquityHighWater(equity);
          this.jobs?.summarize(d, equity);
          this.killSwitch.dayEnd(d, equity);
        },
        halt: (reason, _tMs, scope) => {
          if (scope === "day") this.killSwitch.dailyLoss(reason);
        },
      }),
      venue: o.port.venue(ledger, ref, { clock: { nowMs: () => this.nowMs() }, retryDelayMs: o.retryDelayMs }),
    });
    if (!ref.venue) throw new Error("venue was not built");
    this.venue = ref.venue;
    this.killSwitch = new KillSwitch({
      stateDir: o.stateDir,
      engine: this.engine,
      record: (s) => intentLog.appendHaltSwitch(s.kind, s.reason, s.at),
      warn: (detail, msg) => o.log.warn(detail, msg),
      nowMs: () => this.nowMs(),
      position: () => this.barPosition(),
      journalAdded: () => this.journal.added,
      emergency: cfg.risk.emergency,
      drawdownHaltPct: cfg.sizing.drawdown.haltAtPct,
    });
  }

  static async open(o: DaemonOptions): Promise<Daemon> {
    // Checked before anything is opened (IntentLog.open creates its file): a run on record whose
    // files are missing or damaged is refused, never replaced (see run-files.ts).
    const damaged = checkRunFiles(o.stateDir);
    if (damaged !== null) throw damaged;
    const journal = Journal.open(o.stateDir, { secrets: o.secrets, now: () => o.clock.nowMs(), fsync: false, buffered: true });
    const { store } = await FileStateStore.open(o.stateDir, { onCorrupt: "fail", now: () => o.clock.nowMs() });
    return new Daemon(o, store, IntentLog.open(o.stateDir), journal);
  }

  /** The broker's time, or during the start-up replay the end of the bar being replayed. */
  nowMs(): number {
    return this.replayMs ?? this.o.clock.nowMs();
  }

  today(): string {
    return etDayToIso(this.ny.etDay(this.nowMs()));
  }

  get sizingMode(): SizingMode {
    return this.sizer.mode;
  }

  /** Switches the sizing mode from the next decision on (see switchSizingMode); false when it is in force already. */
  setSizingMode(mode: SizingMode, source: string, sizing: SizingConfig = this.o.config.sizing): boolean {
    return switchSizingMode(this, mode, source, sizing);
  }

  sizerFor(mode: SizingMode, sizing: SizingConfig = this.o.config.sizing): PipelineSizer {
    return sizerFor(this.o, mode, sizing);
  }

  get runRecord(): RunRecord | null {
    return this.run;
  }

  /** True when nothing is held or under way: every delivered bar and fill has reached the engine. */
  get idle(): boolean {
    return this.streams.holds === 0 && this.streams.busy === 0 && this.venue.inflight === 0 && !this.frames.busy;
  }

  /** Connects, rebuilds the run, reconciles, and goes live. */
  async start(): Promise<RecoveryReport> {
    const o = this.o;
    this.streams.holds++;
    try {
      const account = await o.port.account();
      const run = chooseRunFor(this, account.cashUsd);
      // On disk at once: the run's starting learning is written by now, and a kill before the
      // first commit would otherwise leave run-learning.json without the state.json that names
      // its run, which the next start refuses as a damaged run (see run-files.ts).
      await this.store.commit();
      this.journal.append(this.today(), "startup", { broker: o.broker, runId: run.id, resumed: this.resumed, symbols: o.symbols, sizingMode: o.config.sizing.mode });
      this.jobs = await DaemonJobs.open(o.port, { ...o.config.daemon, flattenMinutesBeforeClose: o.config.session.flattenMinutesBeforeClose }, run.startMs, Math.max(o.calendarUntilMs ?? 0, o.clock.nowMs() + 30 * DAY_MS), {
        engine: this.engine,
        journal: this.journal,
        equityUsd: () => this.venue.equityUsd(),
        error: (where, e) => this.error(where, e),
        // Summary time (after the close): a session whose final `d` never came is closed from what did.
        afterClose: (nowMs) => this.daily.advance(nowMs),
      });
      this.sessions = brokerSessions(this.jobs.calendar);
      this.streams.connect();
      await this.streams.authenticated();
      this.recovery = await recoverRun(this, run);
      // After the replay (which counted the run's own day trades): the broker's count replaces it.
      const after = await o.port.account();
      this.engine.setAccountDayTrades(after.dayTradeCount, after.lastEquityUsd);
      await this.store.commit();
    } finally {
      this.streams.holds--;
    }
    this.streams.release();
    if (o.liveSchedule) this.jobs?.startLive();
    return this.recovery;
  }

  /** Fires the jobs a replay clock has passed (the last day's summary at the end of a replay). */
  advanceJobs(toMs: number): void {
    this.jobs?.advance(toMs);
    this.daily.advance(toMs);
  }

  /** Fail-safe NORMAL until the run's model is chosen. */
  regime: RegimeClassifier = { classify: () => FAIL_SAFE_REGIME_CALL };

  /** The latest learning, for the next run (not during the start-up replay). */
  saveLearning(): void {
    saveLearning(this, (where, e) => this.error(where, e));
  }

  /** Refusals the run heard, by client order id, with the bar position they came at. */
  refusedAt = new Map<string, number>();

  /** Bars and fills interleaved in broker order (see FillIntake.merge); returns fills no order of the engine explains. */
  merge(bars: readonly FeedBar[], execs: readonly Execution[], bar: (b: FeedBar) => void, timeOf?: (b: FeedBar) => number): Execution[] {
    return this.fills.merge(bars, execs, bar, timeOf);
  }

  /** Order updates held back (the start-up recovery, a hold): reconcile does not take a pending fill for a broker's sale. */
  get heldUpdates(): readonly TradeUpdateLike[] {
    return this.streams.heldUpdates;
  }

  /** Daily bars (`d`) taken off the stream, accepted or refused (a lock-step driver counts them). */
  get dailyBarsHeard(): number {
    return this.streams.dailyBarsHeard;
  }

  /** Bar backfills done after the bar stream reconnected. */
  get backfills(): number {
    return this.streams.backfills;
  }

  /** True while the order-update stream is down (bars are being held). */
  get ordersStreamDown(): boolean {
    return this.streams.tradingDown;
  }

  /** Live bars, so that an order decided inside a frame leaves before the rest of the frame is processed. */
  private readonly frames = new OrderFirstFrames({
    ingest: (b) => this.ingestLive(b),
    requestsOut: () => this.venue.inflight,
    takeOver: (rest) => {
      if (this.streams.stopped) return true;
      if (this.streams.holds === 0) return false;
      // A hold began meanwhile (a stream dropped): these join the held bars, released in time order.
      this.streams.heldBars.push(...rest);
      return true;
    },
  });

  private ingestLive(b: FeedBar): void {
    if (this.ingestBar(b)) this.liveBars++;
  }

  /** One bar into the engine, once (see BarIngest.ingest); false for a duplicate or unknown symbol. */
  ingestBar(b: FeedBar): boolean {
    return this.bars.ingest(b);
  }

  /** During the start-up replay: a daily bar fetched over REST, final at its session's close. */
  replayDaily(b: FeedBar): void {
    this.dailyPath.replay(b);
  }

  /** The final daily bars since `fromMs` over REST (see DailyPath.history). */
  historyDailyBars(fromMs: number): Promise<FeedBar[]> {
    return this.dailyPath.history(fromMs);
  }

  barPosition(): number {
    return this.bars.position();
  }

  /** The minute bars since `fromMs` over REST, each checked at the boundary like a stream bar. */
  async historyBars(fromMs: number): Promise<FeedBar[]> {
    const bars = await this.o.port.bars(this.o.symbols, fromMs, "1Min", this.o.config.daemon.feed);
    return bars.filter((b) => this.input.restBar(b) !== null);
  }

  private onTradeClosed(): void {
    const equity = this.venue.equityUsd();
    if (Number.isFinite(equity)) this.store.raiseEquityHighWater(equity);
    this.killSwitch.equity(equity);
    // The engine tells of a trade before its learners take it: save what they learned at the flush.
    this.state.learningChanged = true;
  }

  private error(where: string, e: unknown): void {
    const message = `${where}: ${e instanceof Error ? e.message : String(e)}`;
    this.o.log.error({ err: e }, message);
    this.journal.append(this.today(), "error", { message });
  }

  /** State follows the engine once per turn of the event loop, however many bars and fills the turn brought. */
  afterActivity(): void {
    this.state.queue();
  }

  /**
   * Graceful stop: no new entries, wait (bounded) for requests under way, close the streams,
   * write state and the journal. Returns the engine's result (every trade of the run).
   */
  async stop(reason: string, endOfRun: boolean): Promise<EngineResult> {
    this.engine.haltEntries(`shutdown: ${reason}`, this.nowMs());
    await this.venue.settled(5000);
    this.streams.stopped = true;
    this.jobs?.stop();
    this.streams.disconnect();
    // Only a run that is over closes its books (the day's summary); a stop mid-session resumes later.
    const result = endOfRun ? this.engine.finish() : this.engine.result;
    this.state.sync();
    this.journal.append(this.today(), "shutdown", { reason, trades: result.trades.length, equityUsd: this.venue.equityUsd(), inputRefused: this.input.total });
    await this.store.commit();
    this.journal.close();
    this.intentLog.close();
    return result;
  }
}

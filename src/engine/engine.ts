import type { BarBatch, BarView } from "../core/bars.ts";
import { createBarView } from "../core/bars.ts";
import { NyTime, etDayToIso, etToUtcMs } from "../core/ny-time.ts";
import { sessionOf, type SessionLookup } from "../core/market-calendar.ts";
import type { PluginStrategy, Strategy, StrategySlot } from "../core/strategy.ts";
import type { Fill, Signal } from "../core/types.ts";
import type { Config } from "../config/schema.ts";
import { simVenue } from "../broker/sim-broker.ts";
import type { OrderEnded, Venue, VenueFactory } from "../broker/venue.ts";
import { frictionPerSide } from "../broker/fill-model.ts";
import { SymbolIndicators } from "../indicators/indicator-set.ts";
import type { Sizer } from "../sizing/sizer.ts";
import type { RegimeClassifier } from "../sizing/regime-port.ts";
import type { OpenPosition } from "./position.ts";
import type { LearningState } from "./learning.ts";
import { ExitOrders } from "./exit-orders.ts";
import { PositionOrders } from "./position-orders.ts";
import type { EngineEvents, EngineResult } from "./events.ts";
import { DayBook } from "./day-book.ts";
import { DailyBarQueue, dailyBarDay, type DailyPhase } from "./daily-bars.ts";
import { SlotTable } from "./slot-table.ts";
import { legacyIndicators, legacySlot, sessionSettings } from "./slots.ts";
import { EntryPath, type PositionBook } from "./entry-path.ts";
import { positionView, type PositionView } from "./position-views.ts";
import { FillPath } from "./fill-path.ts";

export type { PositionView } from "./position-views.ts";
export { intentId } from "./entry-path.ts";

const DAY_MS = 86_400_000;
const MIN_MS = 60_000;

export interface EngineDeps<S = unknown> {
  readonly config: Config;
  readonly symbols: readonly string[];
  /**
   * The strategies and the symbols each trades (issue 14): one symbol belongs to one slot. Built
   * from config by `buildSlots` (src/strategy/slots.ts).
   */
  readonly slots?: readonly StrategySlot[];
  /** A single hand-written strategy over every symbol (the pre-plugin form); ignored when `slots` is given. */
  readonly strategy?: Strategy<S>;
  readonly sizer: Sizer;
  readonly events?: EngineEvents;
  /** Kelly statistics, confidence model and RL table, fed by closed trades; none = every layer neutral. */
  readonly learning?: LearningState;
  /** Where orders go; a simulated broker with the config's cash and friction when absent. */
  readonly venue?: VenueFactory;
  /** Classifies each entry from its entry-time features; none = the fail-safe NORMAL call. */
  readonly regime?: RegimeClassifier;
  /**
   * Which days trade and when they close: the NYSE rules of core/market-calendar by default; the
   * daemon passes its broker's calendar. Also given to the default simulated broker.
   */
  readonly calendar?: SessionLookup;
}

/**
 * The one event loop: bar -> broker (working orders) -> indicators -> position management ->
 * exit signal -> strategy -> risk -> sizing -> order intents -> fills. Several strategies run side
 * by side, each on its own symbols (a slot per strategy, a slot index per symbol); per-symbol state
 * stays in arrays indexed by symbol id. Backtests feed it merged bar batches; the daemon feeds it
 * one bar at a time through the same `onBar`. Daily bars are held until they are known (see
 * DailyBarQueue). Per-bar work allocates nothing: objects are created only when something happens.
 */
export class Engine<S = unknown> {
  readonly broker: Venue;
  private readonly exits: ExitOrders;
  private readonly orders: PositionOrders;
  private readonly cfg: Config;
  private readonly events: EngineEvents;
  private readonly ny = new NyTime();
  private readonly view: BarView = createBarView();
  private readonly indicators: SymbolIndicators[];
  private readonly states: unknown[];
  private readonly slots: SlotTable;
  private readonly book: PositionBook;
  private readonly entry: EntryPath;
  private readonly fills: FillPath;
  private readonly day: DayBook;
  private readonly dailyBars: DailyBarQueue;
  private readonly learning: LearningState | null;
  private lastBarMs = NaN;

  readonly result: EngineResult;
  /** Bars taken by warmUp (history before the run; not in `result.bars`). */
  warmedUp = 0;
  private readonly calendar: SessionLookup;

  constructor(deps: EngineDeps<S>) {
    this.cfg = deps.config;
    this.events = deps.events ?? {};
    const ex = deps.config.execution;
    const session = sessionSettings(deps.config);
    const slots = deps.slots ?? (deps.strategy ? [legacySlot(deps.strategy, deps.symbols, legacyIndicators(deps.config))] : []);
    if (slots.length === 0) throw new Error("an engine needs at least one strategy");
    this.slots = new SlotTable(slots, deps.symbols);
    // An early close moves the flatten with the close (12:55 on a 13:00 half day), as the daemon's
    // flatten job does (SPEC 5: entries stop and positions flatten 5 minutes before that close).
    this.day = new DayBook(ex.initialEquityUsd, deps.symbols.length, slots.length, session.flattenMinutesBeforeClose, session.regularHoursOnly, deps.calendar);
    this.dailyBars = new DailyBarQueue(deps.calendar);
    this.calendar = deps.calendar ?? sessionOf;
    const friction = frictionPerSide(ex.frictionRoundTripPct);
    const makeVenue =
      deps.venue ?? simVenue({ initialCashUsd: ex.initialEquityUsd, frictionPerSide: friction, buyingPowerMultiple: ex.buyingPowerMultiple, sessions: deps.calendar });
    // The venue prices "bar_close" market orders off the engine's reused bar view.
    this.broker = makeVenue(deps.symbols, (f) => this.onFill(f), this.view, (e) => this.onOrderEnded(e));
    this.exits = new ExitOrders(this.broker);
    this.orders = new PositionOrders(this.broker, this.exits, this.events, () => this.cfg.execution.exitFill, () => this.lastBarMs);
    this.indicators = deps.symbols.map((s, i) => {
      const k = this.slots.slotOf[i];
      return new SymbolIndicators(s, k >= 0 ? slots[k].indicators : { atrPeriod: 14, volumeAvgPeriod: 20 });
    });
    this.states = deps.symbols.map((s, i) => {
      const k = this.slots.slotOf[i];
      return k >= 0 ? slots[k].strategy.createState(s) : null;
    });
    this.book = { positions: deps.symbols.map(() => null), pending: deps.symbols.map(() => null), openCount: 0, exposedSinceMs: NaN };
    this.learning = deps.learning ?? null;
    this.entry = new EntryPath(
      {
        config: deps.config,
        broker: this.broker,
        sizer: deps.sizer,
        events: this.events,
        learning: this.learning,
        regime: deps.regime ?? null,
        indicators: this.indicators,
        day: this.day,
        slots: this.slots,
        orders: this.orders,
        friction,
        reject: (sig, why) => this.reject(sig, why),
      },
      this.book,
    );
    this.result = {
      bars: 0,
      barsUsed: 0,
      signals: 0,
      rejections: {},
      strategyErrors: 0,
      dailyBarsDropped: 0,
      trades: [],
      daily: [],
      exposedMs: 0,
      marketMs: 0,
      firstBarMs: NaN,
      lastBarMs: NaN,
      finalEquityUsd: ex.initialEquityUsd,
    };
    this.fills = new FillPath(
      { risk: deps.config.risk, broker: this.broker, events: this.events, learning: this.learning, day: this.day, slots: this.slots, exits: this.exits, orders: this.orders, entry: this.entry, result: this.result, reject: (sig, why) => this.reject(sig, why) },
      this.book,
    );
  }

  /** Feeds a merged batch; the hot loop. */
  runBatch(b: BarBatch): void {
    const n = b.length;
    const { symId, tMs, open, high, low, close, volume } = b;
    for (let i = 0; i < n; i++) this.onBar(symId[i], tMs[i], open[i], high[i], low[i], close[i], volume[i]);
  }

  /**
   * Feeds one bar (bars must arrive in time order across symbols). A daily bar (its symbol's
   * strategy decides on "1Day") is held and processed at its session's open and close.
   */
  onBar(sym: number, t: number, o: number, h: number, l: number, c: number, v: number): void {
    this.result.bars++;
    if (t >= this.dailyBars.nextMs) this.advanceTo(t);
    if (this.slots.daily[sym] === 1) {
      if (!this.dailyBars.push(sym, t, o, h, l, c, v)) this.result.dailyBarsDropped++;
      return;
    }
    const local = this.ny.localMs(t);
    const etDay = Math.floor(local / DAY_MS);
    const etMinute = Math.floor((local - etDay * DAY_MS) / MIN_MS);
    if (etDay !== this.day.session.etDay) this.day.enter(etDay);
    if (etMinute < this.day.firstMinute || etMinute >= this.day.endMinute) return;
    this.process(sym, t, etDay, etMinute, o, h, l, c, v);
  }

  /**
   * Moves the engine's clock to `tMs`: the daily bars whose session opened or closed by then are
   * processed (DailyBarQueue). Bars do this themselves in a backtest; a daemon that hands the engine
   * a session's final daily bar after the close calls `advanceTo(closeMs)` right after that
   * `onBar`, since no later bar may come for a day (daily strategies alone).
   */
  advanceTo(tMs: number): void {
    for (let p = this.dailyBars.take(tMs); p !== null; p = this.dailyBars.take(tMs)) this.dailyPhase(p);
  }

  /**
   * Feeds one bar of history from before the run (warm-up): the symbol's indicators and its
   * strategy's state advance as on a bar of the run (exitSignal, then onBar), but whatever they
   * return is discarded: no signal, no order, no equity, no day roll, no bar counted, nothing
   * journaled. A daily bar is taken whole, as at its session's close (it closed before the run).
   * Bars must come before the run's first bar, in time order; a bar of a symbol no strategy
   * trades, or of a day without a session, is skipped. Returns whether the bar was taken.
   */
  warmUp(sym: number, t: number, o: number, h: number, l: number, c: number, v: number): boolean {
    const k = this.slots.slotOf[sym] ?? -1;
    if (k < 0) return false;
    let etDay: number;
    let etMinute: number;
    if (this.slots.daily[sym] === 1) {
      etDay = dailyBarDay(t, this.ny);
      const s = this.calendar(etDay);
      if (s === null) return false;
      etMinute = s.closeMinute - 1;
      t = etToUtcMs(etDay, etMinute);
    } else {
      const local = this.ny.localMs(t);
      etDay = Math.floor(local / DAY_MS);
      etMinute = Math.floor((local - etDay * DAY_MS) / MIN_MS);
    }
    this.setView(sym, t, etDay, etMinute, o, h, l, c, v);
    const bar = this.view;
    const ind = this.indicators[sym];
    ind.update(bar);
    const strategy = this.slots.slots[k].strategy;
    try {
      strategy.exitSignal?.(this.states[sym], ind, bar);
      strategy.onBar(this.states[sym], ind, bar);
    } catch (e) {
      this.result.strategyErrors++;
      this.events.error?.(`strategy ${strategy.id} failed warming up on ${ind.symbol} at ${new Date(t).toISOString()}: ${(e as Error).message}`);
    }
    this.warmedUp++;
    return true;
  }

  private dailyPhase(p: DailyPhase): void {
    if (p.etDay !== this.day.session.etDay) this.day.enter(p.etDay);
    if (p.phase === "open") {
      // Only the open is known: orders waiting for this session fill at it, the position is marked at it.
      if (p.etDay !== this.day.curDay) this.rollDay(p.etDay, p.atMs);
      if (!(p.atMs <= this.lastBarMs)) this.lastBarMs = p.atMs;
      this.setView(p.symId, p.atMs, p.etDay, p.openMinute, p.open, p.open, p.open, p.open, 0);
      this.broker.onBar(this.view);
      return;
    }
    // The whole bar, as the session's last minute: decisions are made at its close.
    this.process(p.symId, p.atMs - MIN_MS, p.etDay, p.closeMinute - 1, p.open, p.high, p.low, p.close, p.volume);
  }

  private setView(sym: number, t: number, etDay: number, etMinute: number, o: number, h: number, l: number, c: number, v: number): void {
    const bar = this.view;
    bar.symId = sym;
    bar.tMs = t;
    bar.open = o;
    bar.high = h;
    bar.low = l;
    bar.close = c;
    bar.volume = v;
    bar.etDay = etDay;
    bar.etMinute = etMinute;
  }

  private process(sym: number, t: number, etDay: number, etMinute: number, o: number, h: number, l: number, c: number, v: number): void {
    const r = this.result;
    if (etDay !== this.day.curDay) this.rollDay(etDay, t);
    r.barsUsed++;
    if (!(t <= this.lastBarMs)) this.lastBarMs = t;
    this.setView(sym, t, etDay, etMinute, o, h, l, c, v);
    const bar = this.view;
    this.broker.onBar(bar);
    const k = this.slots.slotOf[sym];
    if (k < 0) return;
    const ind = this.indicators[sym];
    ind.update(bar);
    const strategy = this.slots.slots[k].strategy;
    const pos = this.book.positions[sym];
    if (pos !== null && !pos.closing) {
      this.manage(pos, bar, k);
      // The strategy itself is passed, not a bound method: binding would allocate on every bar a position is open.
      if (!pos.closing && strategy.exitSignal !== undefined) this.askExit(pos, strategy, bar);
    }
    let sig: Signal | null = null;
    try {
      sig = strategy.onBar(this.states[sym], ind, bar);
    } catch (e) {
      r.strategyErrors++;
      this.events.error?.(`strategy ${strategy.id} failed on ${ind.symbol} at ${new Date(t).toISOString()}: ${(e as Error).message}`);
    }
    if (sig !== null) {
      r.signals++;
      this.events.signal?.(sig);
      this.entry.onSignal(sig, bar);
    }
  }

  /** The strategy's rule exit for an open position: closed at market (the next open under exitFill next_open). */
  private askExit(pos: OpenPosition, strategy: PluginStrategy<unknown>, bar: BarView): void {
    let reason: string | null = null;
    try {
      reason = strategy.exitSignal?.(this.states[pos.symId], this.indicators[pos.symId], bar) ?? null;
    } catch (e) {
      this.result.strategyErrors++;
      this.events.error?.(`strategy ${pos.signal.strategyId} exitSignal failed on ${pos.signal.symbol} at ${new Date(bar.tMs).toISOString()}: ${(e as Error).message}`);
    }
    if (reason !== null) this.orders.exitPosition(pos, reason, this.cfg.execution.exitFill);
  }

  /**
   * Exits every open intraday position now (the scheduled flatten: a half day's early close, or no
   * bar at the flatten minute). Overnight strategies' positions are kept. A no-op for positions
   * already on their way out, so the bar-driven flatten and the scheduled one can both run.
   */
  flattenAll(reason: string): number {
    let n = 0;
    for (const pos of this.book.positions) {
      if (pos === null || pos.closing || this.isOvernight(pos)) continue;
      this.orders.exitPosition(pos, reason, "next_open");
      n++;
    }
    return n;
  }

  /** Open positions as the state file records them (keyed by strategy and symbol), with their working orders. */
  openPositions(): PositionView[] {
    const out: PositionView[] = [];
    for (const p of this.book.positions) if (p !== null) out.push(positionView(p));
    return out;
  }

  /** The day's risk state: what the state file and `status` show. */
  dayStatus(): { day: string | null; dayPnlUsd: number; entriesToday: number; halted: string | null; highWaterUsd: number } {
    return this.day.status();
  }

  /** Why new entries are refused now (a halt until resumed wins over the day's), or null. */
  entriesHalted(): string | null {
    return this.day.entriesHalted();
  }

  /**
   * Stops new entries on this and every later day until resumeEntries (a kill switch, an
   * emergency trip or a shutdown) while open positions are still managed. A second halt while
   * one holds changes nothing.
   */
  haltEntries(reason: string, tMs: number): void {
    if (this.day.haltedUntilResumed !== null) return;
    this.day.haltedUntilResumed = reason;
    this.events.halt?.(reason, tMs, "until_resumed");
  }

  /**
   * Lifts a haltEntries halt. A daily loss limit hit today still holds until the session ends.
   * Returns false when no such halt was in force.
   */
  resumeEntries(reason: string, tMs: number): boolean {
    const was = this.day.haltedUntilResumed;
    if (was === null) return false;
    this.day.haltedUntilResumed = null;
    this.events.resume?.(reason, was, tMs);
    return true;
  }

  /** Processes the daily bars still held, closes what is still open at the last known prices and returns the result. */
  finish(): EngineResult {
    this.advanceTo(Infinity);
    const t = this.lastBarMs;
    for (const pos of this.book.positions) {
      if (pos === null) continue;
      this.exits.cancelAll(pos);
      if (pos.buyOrderId !== null) this.broker.cancel(pos.buyOrderId);
      this.broker.liquidate(pos.symId, this.broker.lastPriceUsd(pos.symId), t + MIN_MS, pos.nextLegId("end_of_data"), "end_of_data");
    }
    if (this.day.curDay >= 0) this.markDay();
    const r = this.result;
    r.lastBarMs = t;
    r.marketMs = this.day.marketMinutes * MIN_MS;
    r.finalEquityUsd = this.broker.equityUsd();
    return r;
  }

  private isOvernight(pos: OpenPosition): boolean {
    return this.slots.overnight[this.slots.slotOf[pos.symId]] === 1;
  }

  private rollDay(etDay: number, t: number): void {
    if (this.day.curDay >= 0) {
      this.markDay();
      // No bar came at the flatten time (a gap in the data): leave at the next price that exists.
      for (const pos of this.book.positions) {
        if (pos === null || pos.closing || this.isOvernight(pos)) continue;
        this.orders.exitPosition(pos, "eod_gap", "next_open");
      }
      const pending = this.book.pending;
      for (let s = 0; s < pending.length; s++) {
        const p = pending[s];
        // An overnight strategy's entry decided at a close fills at the next open: it is still wanted.
        if (p === null || this.slots.overnight[this.slots.slotOf[s]] === 1) continue;
        this.broker.cancel(p.orderId);
        pending[s] = null;
        this.reject(p.signal, "entry not filled before the session ended");
      }
    } else {
      this.result.firstBarMs = t;
    }
    this.day.roll(etDay, this.broker.equityUsd());
  }

  private markDay(): void {
    const equity = this.entry.equityNow();
    const iso = etDayToIso(this.day.curDay);
    this.result.daily.push({ day: iso, equityUsd: equity });
    this.events.dayEnd?.(iso, equity);
  }

  private manage(pos: OpenPosition, bar: BarView, k: number): void {
    const plan = pos.plan;
    if (plan.trailBars > 0) pos.recordLow(bar.low);
    const closeMs = bar.tMs + MIN_MS;
    const exitFill = this.cfg.execution.exitFill;
    // A repair that failed left shares bare (its closing order refused too): try to close again.
    if (pos.unprotected) return this.orders.exitPosition(pos, "unprotected", exitFill);
    if (closeMs >= pos.entryTimeMs + plan.timeStopMinutes * MIN_MS) return this.orders.exitPosition(pos, "time_stop", exitFill);
    if (this.slots.overnight[k] === 0 && bar.etMinute + 1 >= this.day.session.flattenMinute) return this.orders.exitPosition(pos, "eod", exitFill);
    if (pos.stopMoved && plan.trailBars > 0) {
      const trail = pos.trailingLow();
      // From a bar: its close is the price the broker checks a moved stop against too.
      if (trail > pos.stopUsd) this.orders.moveStop(pos, trail, bar.close);
      if (pos.closing) return;
    }
    this.entry.maybeAdd(pos, bar);
  }

  /**
   * The account's equity when the run began: the base of the high-water mark and of the first
   * day's loss limit. A backtest starts from the config's equity; a live account from its cash,
   * which may be any size (a $25k paper account is not in a 75% drawdown at its first bar).
   */
  setStartingEquity(usd: number): void {
    if (!(usd > 0)) return;
    this.day.startOfDayEquityUsd = usd;
    this.day.hwmUsd = usd;
  }

  /**
   * Seeds the pattern-day-trader gate from the broker's account (Alpaca: `daytrade_count`, the
   * day trades of the last 5 business days, and `last_equity`, the previous close's equity).
   * Call it at start, after any replay: the count replaces what the engine counted so far.
   */
  setAccountDayTrades(count: number, lastEquityUsd: number): void {
    this.day.dayTrades.seed(count);
    if (Number.isFinite(lastEquityUsd) && lastEquityUsd >= 0) this.day.prevDayEquityUsd = lastEquityUsd;
  }

  /** A fill from the venue: at once in simulation, later from a real broker's order updates. */
  onFill(f: Fill): void {
    this.fills.onFill(f);
  }

  /** A broker refused an order after accepting it for sending: onOrderEnded with status "rejected". */
  onOrderRejected(clientOrderId: string, reason: string): void {
    this.fills.onOrderEnded({ clientOrderId, status: "rejected", reason, timeMs: this.lastBarMs });
  }

  /** An order ended without the engine asking (see FillPath.onOrderEnded). */
  onOrderEnded(e: OrderEnded): void {
    this.fills.onOrderEnded(e);
  }

  private reject(sig: Signal, reason: string): void {
    const key = reason.replace(/\$[\d.,]+/g, "$").replace(/\d+(\.\d+)?%/g, "N%");
    const r = this.result.rejections;
    r[key] = (r[key] ?? 0) + 1;
    this.events.rejected?.(sig, reason);
  }
}

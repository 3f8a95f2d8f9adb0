import type { BarBatch, BarView } from "../core/bars.ts";
import { createBarView } from "../core/bars.ts";
import { NyTime, etDayToIso } from "../core/ny-time.ts";
import { SessionDay, minuteToHhmm, type SessionLookup } from "../core/market-calendar.ts";
import type { Strategy } from "../core/strategy.ts";
import { BROKER_LIQUIDATION, type Fill, type Signal, type SizingDecision, type TradeRecord } from "../core/types.ts";
import type { Config } from "../config/schema.ts";
import { strategyParams } from "../config/strategy-params.ts";
import { bearTrap } from "../../strategies/bear-trap.ts";
import { simVenue } from "../broker/sim-broker.ts";
import type { OrderEnded, Venue, VenueFactory } from "../broker/venue.ts";
import { frictionPerSide, withFriction } from "../broker/fill-model.ts";
import { SymbolIndicators } from "../indicators/indicator-set.ts";
import { checkEntry, dailyLossHit } from "../risk/gates.ts";
import { DayTradeCounter } from "../risk/day-trades.ts";
import type { Sizer, SizingInput } from "../sizing/sizer.ts";
import { FAIL_SAFE_REGIME_CALL, type RegimeCall, type RegimeClassifier } from "../sizing/regime-port.ts";
import { entryFeatures } from "../features/entry-features.ts";
import { INITIAL_STAGE, type SizingStage } from "../sizing/template.ts";
import { OpenPosition } from "./position.ts";
import type { LearningState } from "./learning.ts";
import { templateExitPlan } from "./template-plan.ts";
import { ExitOrders, restingStopUsd } from "./exit-orders.ts";
import { PositionOrders } from "./position-orders.ts";
import type { EngineEvents, EngineResult } from "./events.ts";

/** An open position as the daemon records it. */
export interface PositionView {
  readonly id: string;
  readonly symbol: string;
  readonly strategyId: string;
  readonly template: string | null;
  /** Template stage: adds taken plus targets done. */
  readonly stage: number;
  readonly qtyShares: number;
  // Fresh arrays on every call: the caller may keep them (the state file does).
  readonly entries: { timeMs: number; qtyShares: number; priceUsd: number; reason: string }[];
  readonly exits: { timeMs: number; qtyShares: number; priceUsd: number; reason: string }[];
  readonly stopUsd: number;
  readonly targets: { label: string; priceUsd: number; done: boolean }[];
  readonly nextAdd: { index: number; priceUsd: number } | null;
  /** Its working orders: the exits, a buy still working (entry rest or scale-in), the closing sell. */
  readonly orderIds: string[];
  readonly closing: boolean;
}

const DAY_MS = 86_400_000;
const MIN_MS = 60_000;

export interface EngineDeps<S> {
  readonly config: Config;
  readonly symbols: readonly string[];
  readonly strategy: Strategy<S>;
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
 * strategy -> risk -> sizing -> order intents -> fills. Backtests feed it merged bar batches; the
 * daemon feeds it one bar at a time through the same `onBar`. Per-bar work allocates nothing:
 * objects are created only when something happens (a signal, an order, a fill).
 */
export class Engine<S> {
  readonly broker: Venue;
  private readonly exits: ExitOrders;
  private readonly orders: PositionOrders;
  private readonly cfg: Config;
  private readonly strategy: Strategy<S>;
  private readonly sizer: Sizer;
  private readonly events: EngineEvents;
  private readonly ny = new NyTime();
  private readonly view: BarView = createBarView();
  private readonly indicators: SymbolIndicators[];
  private readonly states: S[];
  private readonly positions: (OpenPosition | null)[];
  private readonly pendingEntry: ({ signal: Signal; orderId: string; qtyShares: number; sizing: SizingDecision; regime: RegimeCall } | null)[];
  private readonly learning: LearningState | null;
  private readonly regime: RegimeClassifier | null;
  private hwmUsd: number;
  /** Today's session from the calendar (early closes included); looked up when the day changes. */
  private readonly session: SessionDay;
  /** The minutes [firstMinute, endMinute) of today whose bars the engine uses (see enterDay). */
  private firstMinute = 0;
  private endMinute = 0;
  private readonly rthOnly: boolean;
  private readonly friction: number;

  private curDay = -1;
  /** Regular-session minutes of the days traded so far (the exposure metric's denominator). */
  private marketMinutes = 0;
  private openCount = 0;
  private entriesToday = 0;
  private dayPnlUsd = 0;
  private startOfDayEquityUsd: number;
  /** A halt for the day (the daily loss limit); lifted when the next session starts. */
  private halted: string | null = null;
  /** A halt until resumeEntries (the kill switch, an emergency trip, a shutdown); survives day changes. */
  private haltedUntilResumed: string | null = null;
  private exposedSinceMs = NaN;
  private lastBarMs = NaN;
  /** Day trades from the engine's own fills (and the broker's count at start), for the PDT gate. */
  private readonly dayTrades: DayTradeCounter;
  /** Equity at the previous session's close: the pattern-day-trader rule reads it. */
  private prevDayEquityUsd: number;

  readonly result: EngineResult;

  constructor(deps: EngineDeps<S>) {
    this.cfg = deps.config;
    this.strategy = deps.strategy;
    this.sizer = deps.sizer;
    this.events = deps.events ?? {};
    const session = deps.config.session;
    const ex = deps.config.execution;
    // The flatten is an offset from the day's close (5 minutes: 15:55 on a full day), so
    // an early close moves it with the close (12:55 on a 13:00 half day), as the daemon's flatten
    // job does (SPEC 5: entries stop and positions flatten 5 minutes before that close).
    this.session = new SessionDay(session.flattenMinutesBeforeClose, deps.calendar);
    this.rthOnly = session.regularHoursOnly;
    this.friction = frictionPerSide(ex.frictionRoundTripPct);
    const makeVenue =
      deps.venue ??
      simVenue({ initialCashUsd: ex.initialEquityUsd, frictionPerSide: this.friction, buyingPowerMultiple: ex.buyingPowerMultiple, sessions: deps.calendar });
    // The venue prices "bar_close" market orders off the engine's reused bar view.
    this.broker = makeVenue(deps.symbols, (f) => this.onFill(f), this.view, (e) => this.onOrderEnded(e));
    this.exits = new ExitOrders(this.broker);
    this.orders = new PositionOrders(this.broker, this.exits, this.events, () => this.cfg.execution.exitFill, () => this.lastBarMs);
    this.indicators = deps.symbols.map(
      (s) => new SymbolIndicators(s, bearTrap.indicators(strategyParams(deps.config, "bear-trap"))),
    );
    this.states = deps.symbols.map(() => deps.strategy.createState());
    this.positions = deps.symbols.map(() => null);
    this.pendingEntry = deps.symbols.map(() => null);
    this.startOfDayEquityUsd = ex.initialEquityUsd;
    this.prevDayEquityUsd = ex.initialEquityUsd;
    this.dayTrades = new DayTradeCounter(deps.symbols.length);
    this.hwmUsd = ex.initialEquityUsd;
    this.learning = deps.learning ?? null;
    this.regime = deps.regime ?? null;
    this.result = {
      bars: 0,
      barsUsed: 0,
      signals: 0,
      rejections: {},
      strategyErrors: 0,
      trades: [],
      daily: [],
      exposedMs: 0,
      marketMs: 0,
      firstBarMs: NaN,
      lastBarMs: NaN,
      finalEquityUsd: ex.initialEquityUsd,
    };
  }

  /** Feeds a merged batch; the hot loop. */
  runBatch(b: BarBatch): void {
    const n = b.length;
    const { symId, tMs, open, high, low, close, volume } = b;
    for (let i = 0; i < n; i++) this.onBar(symId[i], tMs[i], open[i], high[i], low[i], close[i], volume[i]);
  }

  /** Feeds one bar (bars must arrive in time order across symbols). */
  onBar(sym: number, t: number, o: number, h: number, l: number, c: number, v: number): void {
    const r = this.result;
    r.bars++;
    const local = this.ny.localMs(t);
    const etDay = Math.floor(local / DAY_MS);
    const etMinute = Math.floor((local - etDay * DAY_MS) / MIN_MS);
    if (etDay !== this.session.etDay) this.enterDay(etDay);
    if (etMinute < this.firstMinute || etMinute >= this.endMinute) return;
    if (etDay !== this.curDay) this.rollDay(etDay, t);
    r.barsUsed++;
    this.lastBarMs = t;
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

    this.broker.onBar(bar);

    const ind = this.indicators[sym];
    ind.update(bar);
    const pos = this.positions[sym];
    if (pos !== null && !pos.closing) this.manage(pos, bar);

    let sig: Signal | null = null;
    try {
      sig = this.strategy.onBar(this.states[sym], ind, bar);
    } catch (e) {
      r.strategyErrors++;
      this.events.error?.(`strategy ${this.strategy.id} failed on ${ind.symbol} at ${new Date(t).toISOString()}: ${(e as Error).message}`);
    }
    if (sig !== null) this.onSignal(sig, bar);
  }

  /**
   * Exits every open position now (the scheduled flatten: a half day's early close, or no bar
   * at the flatten minute). A no-op for positions already on their way out, so the bar-driven
   * flatten and the scheduled one can both run.
   */
  flattenAll(reason: string): number {
    let n = 0;
    for (const pos of this.positions) {
      if (pos === null || pos.closing) continue;
      this.orders.exitPosition(pos, reason, "next_open");
      n++;
    }
    return n;
  }

  /** Open positions as the state file records them: template, stage, stop, targets and working orders. */
  openPositions(): PositionView[] {
    const out: PositionView[] = [];
    for (const p of this.positions) {
      if (p === null) continue;
      const working = [p.stopOrderId, ...p.targetOrderIds, p.buyOrderId, p.exitOrderId].filter((x): x is string => x !== null);
      out.push({
        id: p.id,
        symbol: p.signal.symbol,
        strategyId: p.signal.strategyId,
        template: p.plan.templateName ?? null,
        stage: p.nextAdd + p.targetDone.filter(Boolean).length,
        qtyShares: p.qtyShares,
        entries: p.entries.map((e) => ({ ...e })),
        exits: p.exits.map((e) => ({ ...e })),
        stopUsd: p.stopUsd,
        targets: p.plan.targets.map((t, i) => ({ label: t.label, priceUsd: t.priceUsd, done: p.targetDone[i] })),
        nextAdd: p.plan.adds && p.nextAdd < p.plan.adds.length ? { index: p.nextAdd, priceUsd: p.plan.adds[p.nextAdd].priceUsd } : null,
        orderIds: working,
        closing: p.closing,
      });
    }
    return out;
  }

  /** The day's risk state: what the state file and `status` show. */
  dayStatus(): { day: string | null; dayPnlUsd: number; entriesToday: number; halted: string | null; highWaterUsd: number } {
    return { day: this.curDay >= 0 ? etDayToIso(this.curDay) : null, dayPnlUsd: this.dayPnlUsd, entriesToday: this.entriesToday, halted: this.entriesHalted(), highWaterUsd: this.hwmUsd };
  }

  /** Why new entries are refused now (a halt until resumed wins over the day's), or null. */
  entriesHalted(): string | null {
    return this.haltedUntilResumed ?? this.halted;
  }

  /**
   * Stops new entries on this and every later day until resumeEntries (a kill switch, an
   * emergency trip or a shutdown) while open positions are still managed. A second halt while
   * one holds changes nothing.
   */
  haltEntries(reason: string, tMs: number): void {
    if (this.haltedUntilResumed !== null) return;
    this.haltedUntilResumed = reason;
    this.events.halt?.(reason, tMs, "until_resumed");
  }

  /**
   * Lifts a haltEntries halt. A daily loss limit hit today still holds until the session ends.
   * Returns false when no such halt was in force.
   */
  resumeEntries(reason: string, tMs: number): boolean {
    const was = this.haltedUntilResumed;
    if (was === null) return false;
    this.haltedUntilResumed = null;
    this.events.resume?.(reason, was, tMs);
    return true;
  }

  /** Closes what is still open at the last known prices and returns the result. */
  finish(): EngineResult {
    const t = this.lastBarMs;
    for (const pos of this.positions) {
      if (pos === null) continue;
      this.exits.cancelAll(pos);
      if (pos.buyOrderId !== null) this.broker.cancel(pos.buyOrderId);
      this.broker.liquidate(pos.symId, this.broker.lastPriceUsd(pos.symId), t + MIN_MS, pos.nextLegId("end_of_data"), "end_of_data");
    }
    if (this.curDay >= 0) this.markDay();
    const r = this.result;
    r.lastBarMs = t;
    r.marketMs = this.marketMinutes * MIN_MS;
    r.finalEquityUsd = this.broker.equityUsd();
    return r;
  }

  /**
   * Looks up a new day's session (once per day, not per bar) and the minutes whose bars count:
   * the regular session, or the whole day when extended hours are used. A day without a session
   * (a holiday in generated data, a stray weekend print) is no trading day at all, extended hours
   * included: Alpaca has no pre- or post-market on a holiday.
   */
  private enterDay(etDay: number): void {
    const s = this.session.at(etDay);
    if (!s.trading) {
      this.firstMinute = Infinity;
      this.endMinute = -Infinity;
    } else {
      this.firstMinute = this.rthOnly ? s.openMinute : 0;
      this.endMinute = this.rthOnly ? s.closeMinute : DAY_MS / MIN_MS;
    }
  }

  private rollDay(etDay: number, t: number): void {
    if (this.curDay >= 0) {
      this.markDay();
      // No bar came at the flatten time (a gap in the data): leave at the next price that exists.
      for (const pos of this.positions) {
        if (pos === null || pos.closing) continue;
        this.orders.exitPosition(pos, "eod_gap", "next_open");
      }
      for (let s = 0; s < this.pendingEntry.length; s++) {
        const p = this.pendingEntry[s];
        if (p === null) continue;
        this.broker.cancel(p.orderId);
        this.pendingEntry[s] = null;
        this.reject(p.signal, "entry not filled before the session ended");
      }
    } else {
      this.result.firstBarMs = t;
    }
    const firstDay = this.curDay < 0;
    this.curDay = etDay;
    this.marketMinutes += this.session.closeMinute - this.session.openMinute;
    this.entriesToday = 0;
    this.dayPnlUsd = 0;
    this.startOfDayEquityUsd = this.broker.equityUsd();
    // The first day's previous close is the starting equity, or what the broker said (setAccountDayTrades).
    if (!firstDay) this.prevDayEquityUsd = this.startOfDayEquityUsd;
    this.dayTrades.rollTo(etDay);
    this.halted = null;
  }

  private markDay(): void {
    const equity = this.equityNow();
    this.result.daily.push({ day: etDayToIso(this.curDay), equityUsd: equity });
    this.events.dayEnd?.(etDayToIso(this.curDay), equity);
  }

  private manage(pos: OpenPosition, bar: BarView): void {
    const plan = pos.plan;
    if (plan.trailBars > 0) pos.recordLow(bar.low);
    const closeMs = bar.tMs + MIN_MS;
    // A repair that failed left shares bare (its closing order refused too): try to close again.
    if (pos.unprotected) return this.orders.exitPosition(pos, "unprotected", this.cfg.execution.exitFill);
    if (closeMs >= pos.entryTimeMs + plan.timeStopMinutes * MIN_MS) return this.orders.exitPosition(pos, "time_stop", this.cfg.execution.exitFill);
    if (bar.etMinute + 1 >= this.session.flattenMinute) return this.orders.exitPosition(pos, "eod", this.cfg.execution.exitFill);
    if (pos.stopMoved && plan.trailBars > 0) {
      const trail = pos.trailingLow();
      // From a bar: its close is the price the broker checks a moved stop against too.
      if (trail > pos.stopUsd) this.orders.moveStop(pos, trail, bar.close);
      if (pos.closing) return;
    }
    this.maybeAdd(pos, bar);
  }

  private onSignal(sig: Signal, bar: BarView): void {
    this.result.signals++;
    this.events.signal?.(sig);
    const late = this.outsideEntryHours(bar);
    if (late !== null) return this.reject(sig, late);
    const sym = sig.symId;
    const verdict = checkEntry(
      {
        entriesToday: this.entriesToday,
        openPositions: this.openCount,
        dayPnlUsd: this.dayPnlUsd,
        startOfDayEquityUsd: this.startOfDayEquityUsd,
        halted: this.entriesHalted(),
        hasPositionInSymbol: this.positions[sym] !== null || this.pendingEntry[sym] !== null,
        dayTrades: this.dayTrades.inWindow(),
        prevDayEquityUsd: this.prevDayEquityUsd,
      },
      this.cfg.risk,
    );
    if (!verdict.ok) return this.reject(sig, verdict.reason);
    const ex = this.cfg.execution;
    const equity = this.equityNow();
    const regime = this.regimeCall(sig, bar);
    // Sized against the stop as it will rest at the broker, the same stop the trade's R is booked against.
    const decision = this.sizer.size(this.sizingInput(sig, bar, restingStopUsd(sig.stopPriceUsd), equity, INITIAL_STAGE, regime));
    this.events.sizing?.(sig, decision);
    if (decision.qtyShares < 1) return this.reject(sig, `size 0 (${decision.cap ?? "no risk budget"})`);
    const orderId = intentId(sig, "entry");
    this.pendingEntry[sym] = { signal: sig, orderId, qtyShares: decision.qtyShares, sizing: decision, regime };
    const res = this.broker.submit({
      clientOrderId: orderId,
      symbol: sig.symbol,
      symId: sym,
      side: "buy",
      type: "market",
      qtyShares: decision.qtyShares,
      timing: ex.entryFill === "next_open" ? "next_open" : "bar_close",
      purpose: "entry",
    });
    if (!res.accepted) {
      this.pendingEntry[sym] = null;
      this.reject(sig, `order rejected: ${res.reason}`);
    }
  }

  /**
   * Why no entry may be decided at this bar's close, or null. Entries end at the day's flatten
   * minute from the calendar: a strategy reading a fixed flattenAt would still enter after an
   * early close's 12:55 (the bars from 13:00 to 16:00 are post-market on a half day).
   */
  private outsideEntryHours(bar: BarView): string | null {
    const s = this.session;
    if (bar.etMinute < s.openMinute) return `before the open (${minuteToHhmm(s.openMinute)})`;
    if (bar.etMinute + 1 >= s.flattenMinute) return `no entries from ${minuteToHhmm(s.flattenMinute)} (the session closes at ${minuteToHhmm(s.closeMinute)})`;
    return null;
  }

  private equityNow(): number {
    const e = this.broker.equityUsd();
    if (e > this.hwmUsd) this.hwmUsd = e;
    return e;
  }

  private sizingInput(sig: Signal, bar: BarView, stopUsd: number, equityUsd: number, stage: SizingStage, regime: RegimeCall): SizingInput {
    const ind = this.indicators[sig.symId];
    const decisionMs = bar.tMs + MIN_MS;
    return {
      signal: sig,
      entryPriceUsd: withFriction("buy", bar.close, this.friction),
      stopUsd,
      equityUsd,
      buyingPowerUsd: this.broker.buyingPowerUsd(),
      openPositions: this.openCount,
      highWaterMarkUsd: this.hwmUsd,
      halted: this.entriesHalted(),
      regime,
      volatilityRatio: ind.atrRatio,
      trendStrength: ind.trendStrength,
      stage,
      context: this.learning?.context(sig.strategyId, sig.symbol, decisionMs),
    };
  }

  /**
   * The regime call at an entry: the injected classifier on the entry-time features as of the
   * signal bar's close, or the fail-safe NORMAL without one. Features are only built when a
   * classifier or a listener reads them; a signal is an event, so the allocation is fine. A
   * classifier that throws costs one fail-safe call, not the run.
   */
  private regimeCall(sig: Signal, bar: BarView): RegimeCall {
    const listener = this.events.regime;
    if (this.regime === null && listener === undefined) return FAIL_SAFE_REGIME_CALL;
    const features = entryFeatures(sig, this.indicators[sig.symId]);
    let call = FAIL_SAFE_REGIME_CALL;
    if (this.regime !== null) {
      try {
        call = this.regime.classify(features, bar.tMs + MIN_MS);
      } catch (e) {
        call = { regime: "ADD_NEUTRAL", probability: 1, reason: `regime classifier failed (${(e as Error).message}): fail-safe NORMAL` };
        this.events.error?.(`regime classifier failed on ${sig.symbol} at ${new Date(sig.barTimeMs).toISOString()}: ${(e as Error).message}`);
      }
    }
    listener?.(sig, features, call);
    return call;
  }

  /**
   * The account's equity when the run began: the base of the high-water mark and of the first
   * day's loss limit. A backtest starts from the config's equity; a live account from its cash,
   * which may be any size (a $25k paper account is not in a 75% drawdown at its first bar).
   */
  setStartingEquity(usd: number): void {
    if (!(usd > 0)) return;
    this.startOfDayEquityUsd = usd;
    this.hwmUsd = usd;
  }

  /**
   * Seeds the pattern-day-trader gate from the broker's account (Alpaca: `daytrade_count`, the
   * day trades of the last 5 business days, and `last_equity`, the previous close's equity).
   * Call it at start, after any replay: the count replaces what the engine counted so far.
   */
  setAccountDayTrades(count: number, lastEquityUsd: number): void {
    this.dayTrades.seed(count);
    if (Number.isFinite(lastEquityUsd) && lastEquityUsd >= 0) this.prevDayEquityUsd = lastEquityUsd;
  }

  /** A fill from the venue: at once in simulation, later from a real broker's order updates. */
  onFill(f: Fill): void {
    this.events.fill?.(f);
    const sym = f.symId;
    this.dayTrades.onFill(sym, f.side);
    const pos = this.positions[sym];
    // A real broker may fill an entry in pieces: the first piece opens the position, later ones grow it.
    if (f.purpose === "entry" && pos === null) return this.openPosition(f);
    if (pos === null) {
      if (f.purpose === BROKER_LIQUIDATION) this.events.adopted?.({ positionId: null, fill: f, qtyLeftShares: 0, outcome: "no_position" });
      return;
    }
    if (f.side === "buy") return this.orders.onBuyFill(pos, f);
    pos.addExit({ timeMs: f.timeMs, qtyShares: f.qtyShares, priceUsd: f.priceUsd, reason: f.purpose });
    this.dayPnlUsd += f.qtyShares * (f.priceUsd - pos.costUsd / pos.enteredQtyShares);
    if (this.halted === null && dailyLossHit({ dayPnlUsd: this.dayPnlUsd, startOfDayEquityUsd: this.startOfDayEquityUsd }, this.cfg.risk)) {
      this.halted = `daily loss limit ${this.cfg.risk.dailyLossLimitPct}%`;
      this.events.halt?.(this.halted, f.timeMs, "day");
    }
    if (f.purpose === BROKER_LIQUIDATION) return this.onBrokerSale(pos, f);
    const relay = this.exits.onFill(pos, f);
    if (pos.qtyShares <= 0) return this.closePosition(pos);
    if (relay && !pos.closing && pos.buyOrderId === null) this.orders.layExits(pos, f.timeMs);
    const move = pos.plan.stopMoveAfter;
    if (move !== null && move.label === f.purpose) {
      pos.stopMoved = true;
      // Inside a fill the broker may have seen a later price than the engine: its refusal decides (PositionOrders.stopThrough).
      this.orders.moveStop(pos, move.stopUsd);
    }
  }

  /**
   * The broker sold shares the engine did not sell (a liquidation; the venue forwards it with
   * purpose BROKER_LIQUIDATION): booked as an exit above, the trade closed when nothing is left,
   * else the exits laid again for what is.
   */
  private onBrokerSale(pos: OpenPosition, f: Fill): void {
    if (pos.qtyShares <= 0) {
      this.events.adopted?.({ positionId: pos.id, fill: f, qtyLeftShares: 0, outcome: "closed" });
      return this.closePosition(pos);
    }
    this.events.adopted?.({ positionId: pos.id, fill: f, qtyLeftShares: pos.qtyShares, outcome: "exits_relaid" });
    if (!pos.closing && pos.buyOrderId === null) this.orders.layExits(pos, f.timeMs);
  }

  /** A broker refused an order after accepting it for sending: onOrderEnded with status "rejected". */
  onOrderRejected(clientOrderId: string, reason: string): void {
    this.onOrderEnded({ clientOrderId, status: "rejected", reason, timeMs: this.lastBarMs });
  }

  /**
   * An order ended without the engine asking: refused after it was accepted for sending, or
   * canceled or expired by the broker. What it was comes from where the engine keeps its id: a
   * pending entry frees its symbol (the signal is recorded as rejected); a position's order is
   * handled by PositionOrders.onEnded (a protective exit is repaired in this same call). Ids the
   * engine no longer keeps (orders it canceled or replaced itself) change nothing.
   */
  onOrderEnded(e: OrderEnded): void {
    const id = e.clientOrderId;
    for (let s = 0; s < this.pendingEntry.length; s++) {
      const p = this.pendingEntry[s];
      if (p === null || p.orderId !== id) continue;
      this.pendingEntry[s] = null;
      this.reject(p.signal, `order ${e.status}: ${e.reason}`);
      return;
    }
    for (const pos of this.positions) if (pos !== null && this.orders.onEnded(pos, e)) return;
  }

  private openPosition(f: Fill): void {
    const sym = f.symId;
    const pending = this.pendingEntry[sym];
    this.pendingEntry[sym] = null;
    if (pending === null) return;
    const proposed = this.strategy.exitPlan(pending.signal, f.priceUsd);
    // The plan's stop put where the order rests (on the tick grid, toward the market): the trade's
    // R, a template's R targets and the gap check all read the stop that can actually fill.
    const strategyPlan = { ...proposed, stopUsd: restingStopUsd(proposed.stopUsd) };
    const template = pending.sizing.template;
    const plan = template ? templateExitPlan(template, strategyPlan, f.priceUsd) : strategyPlan;
    const pos = new OpenPosition(f.clientOrderId, sym, pending.signal, pending.sizing, plan, f.timeMs, f.priceUsd, f.qtyShares, pending.regime);
    this.positions[sym] = pos;
    this.entriesToday++;
    if (this.openCount++ === 0) this.exposedSinceMs = f.timeMs;
    // The rest of a partly filled entry is still a working buy: the exits wait for it (a sell next
    // to an open buy is a wash trade; see PositionOrders.sendAdd).
    if (f.qtyShares < pending.qtyShares) {
      pos.buyOrderId = f.clientOrderId;
      pos.buyOpenQtyShares = pending.qtyShares - f.qtyShares;
    }
    // An entry that filled at or below its stop (a gap through it) is stopped out at once.
    if (f.priceUsd <= plan.stopUsd) return this.orders.exitPosition(pos, "gap_below_stop", this.cfg.execution.exitFill);
    if (pos.buyOrderId === null) this.orders.layExits(pos, f.timeMs);
  }

  /**
   * Template scale-ins: when a bar CLOSES at or above the next add's trigger, the add is sized by
   * the pipeline at that moment (its template fraction of the entry's full size, within the caps
   * of the whole position) and bought at that close. Triggering on the close keeps it a bar-close
   * decision, like the entry, with nothing read from inside the bar.
   *
   * No add once any shares were sold (a target filled): buying back what a target just sold (on
   * 2024q2, SAVA sold 681 shares at its first target and bought 327 back on the same bar) is a
   * round trip that pays friction twice against the plan that took the profit, and the caps of
   * the whole position are only simple while it holds everything it bought. The other choice,
   * adds as buy-stop orders resting at their trigger inside the bar, was not taken: Alpaca turns a
   * buy stop into a stop-limit 2.5-4% above it, which can sit at or above a resting target's limit,
   * and that is refused as a potential wash trade (422, specs/alpaca-protocol.md); it would also
   * make the add an intrabar decision.
   */
  private maybeAdd(pos: OpenPosition, bar: BarView): void {
    const adds = pos.plan.adds;
    if (adds === undefined || pos.buyOrderId !== null || pos.nextAdd >= adds.length) return;
    if (pos.exits.length > 0) return;
    const add = adds[pos.nextAdd];
    if (bar.close < add.priceUsd) return;
    pos.nextAdd++;
    const stage: SizingStage = { kind: "add", index: add.index, template: pos.plan.templateName };
    // An add is sized under the call made at entry (the regime picked the template being followed)
    // and against the position as it stands; no learned layer runs again.
    const position = { fullSize: pos.fullSize, heldQtyShares: pos.qtyShares, avgPriceUsd: pos.costUsd / pos.enteredQtyShares, boughtQtyShares: pos.enteredQtyShares };
    const decision = this.sizer.size({ ...this.sizingInput(pos.signal, bar, pos.stopUsd, this.equityNow(), stage, pos.regime), position });
    pos.addSizing.push(decision);
    this.events.sizing?.(pos.signal, decision);
    if (decision.qtyShares < 1) return;
    this.orders.sendAdd(pos, `add${add.index + 1}`, decision.qtyShares);
  }

  private closePosition(pos: OpenPosition): void {
    this.exits.cancelAll(pos);
    // A closing order still out (the stop filled first, before the broker took its cancel): the
    // shares it was to sell are gone. A live venue drops it if it has not left yet.
    if (pos.exitOrderId !== null) this.broker.cancel(pos.exitOrderId);
    this.positions[pos.symId] = null;
    const trade: TradeRecord = pos.toTradeRecord();
    this.result.trades.push(trade);
    this.events.trade?.(trade);
    if (this.learning !== null) {
      const equity = this.equityNow();
      const ddPct = this.hwmUsd > 0 ? Math.max(0, (1 - equity / this.hwmUsd) * 100) : 0;
      // The RL reward is P/L as % of the equity the entry was sized on.
      this.learning.onTradeClosed(trade, trade.sizing.equityUsd, ddPct);
    }
    if (--this.openCount === 0) this.result.exposedMs += trade.exitTimeMs - this.exposedSinceMs;
  }

  private reject(sig: Signal, reason: string): void {
    const key = reason.replace(/\$[\d.,]+/g, "$").replace(/\d+(\.\d+)?%/g, "N%");
    const r = this.result.rejections;
    r[key] = (r[key] ?? 0) + 1;
    this.events.rejected?.(sig, reason);
  }
}

/**
 * A deterministic client_order_id for an intent: strategy, symbol, signal bar time and leg. The
 * same decision always gets the same id, so after a crash the broker can be asked whether that
 * order exists instead of sending it again (Alpaca refuses a reused id; 128 characters at most).
 */
export function intentId(sig: Signal, leg: string): string {
  const t = new Date(sig.barTimeMs).toISOString().slice(0, 16).replace(/[-:]/g, "");
  return `${sig.strategyId}.${sig.symbol}.${t}.${leg}`;
}

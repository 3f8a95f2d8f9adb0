import type { BarBatch, BarView } from "../core/bars.ts";
import { createBarView } from "../core/bars.ts";
import { NyTime, etDayToIso, hhmmToMinute, ET_MINUTE } from "../core/ny-time.ts";
import type { Strategy } from "../core/strategy.ts";
import type { Fill, Signal, SizingDecision, TradeRecord } from "../core/types.ts";
import type { Config } from "../config/schema.ts";
import { simVenue } from "../broker/sim-broker.ts";
import type { OrderEnded, Venue, VenueFactory } from "../broker/venue.ts";
import { frictionPerSide, withFriction } from "../broker/fill-model.ts";
import { SymbolIndicators } from "../indicators/indicator-set.ts";
import { checkEntry, dailyLossHit } from "../risk/gates.ts";
import type { Sizer, SizingInput } from "../sizing/sizer.ts";
import { FAIL_SAFE_REGIME_CALL, type RegimeCall, type RegimeClassifier } from "../sizing/regime-port.ts";
import { entryFeatures } from "../features/entry-features.ts";
import { INITIAL_STAGE, type SizingStage } from "../sizing/template.ts";
import { OpenPosition } from "./position.ts";
import type { LearningState } from "./learning.ts";
import { templateExitPlan } from "./template-plan.ts";
import { ExitOrders } from "./exit-orders.ts";
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
  readonly orderIds: string[];
  readonly closing: boolean;
}

const DAY_MS = 86_400_000;
const MIN_MS = 60_000;
// Copied into module constants: reading them through an imported object costs a property load
// (a getter under the tsx loader) on every bar.
const RTH_OPEN_MINUTE: number = ET_MINUTE.open;
const RTH_CLOSE_MINUTE: number = ET_MINUTE.close;
const SESSION_MINUTES = RTH_CLOSE_MINUTE - RTH_OPEN_MINUTE;

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
  private readonly cfg: Config;
  private readonly strategy: Strategy<S>;
  private readonly sizer: Sizer;
  private readonly events: EngineEvents;
  private readonly ny = new NyTime();
  private readonly view: BarView = createBarView();
  private readonly indicators: SymbolIndicators[];
  private readonly states: S[];
  private readonly positions: (OpenPosition | null)[];
  private readonly pendingEntry: ({ signal: Signal; orderId: string; sizing: SizingDecision; regime: RegimeCall } | null)[];
  private readonly learning: LearningState | null;
  private readonly regime: RegimeClassifier | null;
  private hwmUsd: number;
  private readonly flattenMinute: number;
  private readonly rthOnly: boolean;
  private readonly friction: number;

  private curDay = -1;
  private days = 0;
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

  readonly result: EngineResult;

  constructor(deps: EngineDeps<S>) {
    this.cfg = deps.config;
    this.strategy = deps.strategy;
    this.sizer = deps.sizer;
    this.events = deps.events ?? {};
    const st = deps.config.strategy;
    const ex = deps.config.execution;
    this.flattenMinute = hhmmToMinute(st.flattenAt);
    this.rthOnly = st.regularHoursOnly;
    this.friction = frictionPerSide(ex.frictionRoundTripPct);
    const makeVenue =
      deps.venue ?? simVenue({ initialCashUsd: ex.initialEquityUsd, frictionPerSide: this.friction, buyingPowerMultiple: ex.buyingPowerMultiple });
    // The venue prices "bar_close" market orders off the engine's reused bar view.
    this.broker = makeVenue(deps.symbols, (f) => this.onFill(f), this.view);
    this.exits = new ExitOrders(this.broker);
    this.indicators = deps.symbols.map(
      (s) => new SymbolIndicators(s, { atrPeriod: st.atrPeriod, volumeAvgPeriod: st.volumeAvgPeriod }),
    );
    this.states = deps.symbols.map(() => deps.strategy.createState());
    this.positions = deps.symbols.map(() => null);
    this.pendingEntry = deps.symbols.map(() => null);
    this.startOfDayEquityUsd = ex.initialEquityUsd;
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
    if (this.rthOnly && (etMinute < RTH_OPEN_MINUTE || etMinute >= RTH_CLOSE_MINUTE)) return;
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
    if (pos !== null && !pos.closing) {
      if (pos.exitsStale) {
        pos.exitsStale = false;
        this.exits.resize(pos);
        pos.relaidExitIds = [pos.stopOrderId, ...pos.targetOrderIds].filter((x): x is string => x !== null);
      }
      this.manage(pos, bar);
    }

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
      this.exitPosition(pos, reason, "next_open");
      n++;
    }
    return n;
  }

  /** Open positions as the state file records them: template, stage, stop, targets and working orders. */
  openPositions(): PositionView[] {
    const out: PositionView[] = [];
    for (const p of this.positions) {
      if (p === null) continue;
      const working = [p.stopOrderId, ...p.targetOrderIds].filter((x): x is string => x !== null);
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
      this.broker.liquidate(pos.symId, this.broker.lastPriceUsd(pos.symId), t + MIN_MS, pos.nextLegId("end_of_data"), "end_of_data");
    }
    if (this.curDay >= 0) this.markDay();
    const r = this.result;
    r.lastBarMs = t;
    r.marketMs = this.days * SESSION_MINUTES * MIN_MS;
    r.finalEquityUsd = this.broker.equityUsd();
    return r;
  }

  private rollDay(etDay: number, t: number): void {
    if (this.curDay >= 0) {
      this.markDay();
      // No bar came at the flatten time (a gap in the data): leave at the next price that exists.
      for (const pos of this.positions) {
        if (pos === null || pos.closing) continue;
        this.exitPosition(pos, "eod_gap", "next_open");
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
    this.curDay = etDay;
    this.days++;
    this.entriesToday = 0;
    this.dayPnlUsd = 0;
    this.startOfDayEquityUsd = this.broker.equityUsd();
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
    if (closeMs >= pos.entryTimeMs + plan.timeStopMinutes * MIN_MS) return this.exitPosition(pos, "time_stop", this.cfg.execution.exitFill);
    if (bar.etMinute + 1 >= this.flattenMinute) return this.exitPosition(pos, "eod", this.cfg.execution.exitFill);
    if (pos.stopMoved && plan.trailBars > 0) {
      const trail = pos.trailingLow();
      if (trail > pos.stopUsd) this.exits.moveStop(pos, trail);
    }
    this.maybeAdd(pos, bar);
  }

  private onSignal(sig: Signal, bar: BarView): void {
    this.result.signals++;
    this.events.signal?.(sig);
    const sym = sig.symId;
    const verdict = checkEntry(
      {
        entriesToday: this.entriesToday,
        openPositions: this.openCount,
        dayPnlUsd: this.dayPnlUsd,
        startOfDayEquityUsd: this.startOfDayEquityUsd,
        halted: this.entriesHalted(),
        hasPositionInSymbol: this.positions[sym] !== null || this.pendingEntry[sym] !== null,
      },
      this.cfg.risk,
    );
    if (!verdict.ok) return this.reject(sig, verdict.reason);
    const ex = this.cfg.execution;
    const equity = this.equityNow();
    const regime = this.regimeCall(sig, bar);
    const decision = this.sizer.size(this.sizingInput(sig, bar, sig.stopPriceUsd, equity, INITIAL_STAGE, regime));
    this.events.sizing?.(sig, decision);
    if (decision.qtyShares < 1) return this.reject(sig, `size 0 (${decision.cap ?? "no risk budget"})`);
    const orderId = intentId(sig, "entry");
    this.pendingEntry[sym] = { signal: sig, orderId, sizing: decision, regime };
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

  /** A fill from the venue: at once in simulation, later from a real broker's order updates. */
  onFill(f: Fill): void {
    this.events.fill?.(f);
    const sym = f.symId;
    const pos = this.positions[sym];
    // A real broker may fill an entry in pieces: the first piece opens the position, later ones grow it.
    if (f.purpose === "entry") return pos === null ? this.openPosition(f) : this.onAddFill(pos, f);
    if (pos === null) return;
    if (f.side === "buy") return this.onAddFill(pos, f);
    pos.addExit({ timeMs: f.timeMs, qtyShares: f.qtyShares, priceUsd: f.priceUsd, reason: f.purpose });
    this.dayPnlUsd += f.qtyShares * (f.priceUsd - pos.costUsd / pos.enteredQtyShares);
    if (this.halted === null && dailyLossHit({ dayPnlUsd: this.dayPnlUsd, startOfDayEquityUsd: this.startOfDayEquityUsd }, this.cfg.risk)) {
      this.halted = `daily loss limit ${this.cfg.risk.dailyLossLimitPct}%`;
      this.events.halt?.(this.halted, f.timeMs, "day");
    }
    this.exits.onFill(pos, f);
    if (pos.qtyShares <= 0) return this.closePosition(pos);
    const move = pos.plan.stopMoveAfter;
    if (move !== null && move.label === f.purpose) {
      pos.stopMoved = true;
      this.exits.moveStop(pos, move.stopUsd);
    }
  }

  /**
   * A broker refused an order after accepting it for sending (a live venue answers later than
   * submit returns). An entry frees its symbol; a refused add lets the next add trigger; a refused
   * exit leaves shares without their stop, so the position's exits are laid again at its next bar:
   * a refusal can be a passing race (shares not yet freed by a cancel). A refusal of that re-lay
   * itself means the broker will not hold this position's exits, and a refusal per bar would
   * follow: the position is closed at market instead. Nothing refused is sent again as it was.
   */
  onOrderRejected(clientOrderId: string, reason: string): void {
    for (let s = 0; s < this.pendingEntry.length; s++) {
      const p = this.pendingEntry[s];
      if (p === null || p.orderId !== clientOrderId) continue;
      this.pendingEntry[s] = null;
      this.reject(p.signal, `order rejected: ${reason}`);
      return;
    }
    for (const pos of this.positions) {
      if (pos === null || !clientOrderId.startsWith(`${pos.id}.`)) continue;
      if (/\.add\d+\.\d+$/.test(clientOrderId)) pos.addPending = false;
      else if (pos.stopOrderId === clientOrderId || pos.targetOrderIds.includes(clientOrderId)) this.onExitRefused(pos, clientOrderId);
      return;
    }
  }

  private onExitRefused(pos: OpenPosition, clientOrderId: string): void {
    // Several exits of one lay refused together: one re-lay answers them all.
    if (pos.exitsStale || pos.closing) return;
    if (pos.relaidExitIds.includes(clientOrderId)) return this.exitPosition(pos, "exits_refused", this.cfg.execution.exitFill);
    pos.exitsStale = true;
  }

  private openPosition(f: Fill): void {
    const sym = f.symId;
    const pending = this.pendingEntry[sym];
    this.pendingEntry[sym] = null;
    if (pending === null) return;
    const strategyPlan = this.strategy.exitPlan(pending.signal, f.priceUsd);
    const template = pending.sizing.template;
    const plan = template ? templateExitPlan(template, strategyPlan, f.priceUsd) : strategyPlan;
    const pos = new OpenPosition(f.clientOrderId, sym, pending.signal, pending.sizing, plan, f.timeMs, f.priceUsd, f.qtyShares, pending.regime);
    this.positions[sym] = pos;
    this.entriesToday++;
    if (this.openCount++ === 0) this.exposedSinceMs = f.timeMs;
    // An entry that filled at or below its stop (a gap through it) is stopped out at once.
    if (f.priceUsd <= plan.stopUsd) return this.exitPosition(pos, "gap_below_stop", this.cfg.execution.exitFill);
    this.exits.place(pos);
  }

  /** A scale-in (or a later piece of the entry) filled: grow the position and re-lay its exits. */
  private onAddFill(pos: OpenPosition, f: Fill): void {
    pos.addPending = false;
    pos.addEntry({ timeMs: f.timeMs, qtyShares: f.qtyShares, priceUsd: f.priceUsd, reason: f.purpose });
    this.exits.resize(pos);
  }

  /**
   * Template scale-ins: when a bar CLOSES at or above the next add's trigger, the add is sized by
   * the pipeline at that moment (with its caps) and bought at that close. Triggering on the close
   * keeps it a bar-close decision, like the entry, with nothing read from inside the bar.
   */
  private maybeAdd(pos: OpenPosition, bar: BarView): void {
    const adds = pos.plan.adds;
    if (adds === undefined || pos.addPending || pos.nextAdd >= adds.length) return;
    const add = adds[pos.nextAdd];
    if (bar.close < add.priceUsd) return;
    pos.nextAdd++;
    const stage: SizingStage = { kind: "add", index: add.index, template: pos.plan.templateName };
    // An add is sized under the call made at entry: the regime picked the template being followed.
    const decision = this.sizer.size(this.sizingInput(pos.signal, bar, pos.stopUsd, this.equityNow(), stage, pos.regime));
    pos.addSizing.push(decision);
    this.events.sizing?.(pos.signal, decision);
    if (decision.qtyShares < 1) return;
    pos.addPending = true;
    const res = this.broker.submit({ clientOrderId: pos.nextLegId(`add${add.index + 1}`), symbol: pos.signal.symbol, symId: pos.symId, side: "buy", type: "market", qtyShares: decision.qtyShares, timing: this.cfg.execution.exitFill, purpose: `add${add.index + 1}` });
    if (!res.accepted) pos.addPending = false;
  }

  private exitPosition(pos: OpenPosition, reason: string, timing: "bar_close" | "next_open"): void {
    this.exits.cancelAll(pos);
    pos.closing = true;
    this.broker.submit({ clientOrderId: pos.nextLegId(reason), symbol: pos.signal.symbol, symId: pos.symId, side: "sell", type: "market", qtyShares: pos.qtyShares, timing, purpose: reason });
  }

  private closePosition(pos: OpenPosition): void {
    this.exits.cancelAll(pos);
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

  onOrderEnded(e: OrderEnded): void { if (e.status === "rejected") this.onOrderRejected(e.clientOrderId, e.reason); }
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

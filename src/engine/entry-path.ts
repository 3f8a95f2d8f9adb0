import type { BarView } from "../core/bars.ts";
import { minuteToHhmm } from "../core/market-calendar.ts";
import type { ExitPlan, PluginExitPlan } from "../core/strategy.ts";
import type { Fill, Signal, SizingDecision } from "../core/types.ts";
import type { Config } from "../config/schema.ts";
import type { Venue } from "../broker/venue.ts";
import { withFriction } from "../broker/fill-model.ts";
import type { SymbolIndicators } from "../indicators/indicator-set.ts";
import { checkEntry, checkSlotEntry } from "../risk/gates.ts";
import type { Sizer, SizingInput } from "../sizing/sizer.ts";
import { FAIL_SAFE_REGIME_CALL, type RegimeCall, type RegimeClassifier } from "../sizing/regime-port.ts";
import { entryFeatures } from "../features/entry-features.ts";
import { INITIAL_STAGE, type SizingStage } from "../sizing/template.ts";
import { OpenPosition } from "./position.ts";
import type { LearningState } from "./learning.ts";
import { templateExitPlan } from "./template-plan.ts";
import { restingStopUsd } from "./exit-orders.ts";
import type { PositionOrders } from "./position-orders.ts";
import type { EngineEvents } from "./events.ts";
import type { DayBook } from "./day-book.ts";
import type { SlotTable } from "./slot-table.ts";

const MIN_MS = 60_000;

/** An entry order sent and not filled yet. */
export interface PendingEntry {
  readonly signal: Signal;
  readonly orderId: string;
  readonly qtyShares: number;
  readonly sizing: SizingDecision;
  readonly regime: RegimeCall;
}

/** What the sizer is asked: the stop may be absent (null: sized by allocation) and the strategy's share of the account comes along. */
export type EngineSizingInput = SizingInput & { readonly allocation: NonNullable<SizingInput["allocation"]> };

/** The positions and working entries per symbol, and the account's count of open positions. */
export interface PositionBook {
  readonly positions: (OpenPosition | null)[];
  readonly pending: (PendingEntry | null)[];
  openCount: number;
  /** When the account last went from flat to exposed (exposure metric). */
  exposedSinceMs: number;
}

/** What the entry path reads and writes besides the book. */
export interface EntryDeps {
  readonly config: Config;
  readonly broker: Venue;
  readonly sizer: Sizer;
  readonly events: EngineEvents;
  readonly learning: LearningState | null;
  readonly regime: RegimeClassifier | null;
  readonly indicators: readonly SymbolIndicators[];
  readonly day: DayBook;
  readonly slots: SlotTable;
  readonly orders: PositionOrders;
  readonly friction: number;
  /** Counts and reports a refused signal. */
  readonly reject: (sig: Signal, reason: string) => void;
}

/**
 * The entry path: signal -> hours -> risk gates (account, then the strategy's own) -> regime call
 * -> sizing -> entry order; and at the entry fill, the position with its exit plan. Also the
 * template scale-ins, which are sized the same way.
 */
export class EntryPath {
  constructor(
    private readonly d: EntryDeps,
    private readonly book: PositionBook,
  ) {}

  /** A strategy's signal at `bar`'s close: gated, sized and sent, or rejected with the reason. */
  onSignal(sig: Signal, bar: BarView): void {
    const { d, book } = this;
    const sym = sig.symId;
    const k = d.slots.slotOf[sym];
    const overnight = d.slots.overnight[k] === 1;
    const late = this.outsideEntryHours(bar, overnight);
    if (late !== null) return d.reject(sig, late);
    const day = d.day;
    // Entries sent and not filled yet count as open: a daily strategy's entries all wait for the
    // next open, and the broker holds those orders already.
    const pending = this.pendingCount(k);
    const verdict = checkEntry(
      {
        entriesToday: day.entriesToday,
        openPositions: book.openCount + pending.all,
        dayPnlUsd: day.dayPnlUsd,
        startOfDayEquityUsd: day.startOfDayEquityUsd,
        halted: day.entriesHalted(),
        hasPositionInSymbol: book.positions[sym] !== null || book.pending[sym] !== null,
        // An overnight position is not closed the same day, so its entry makes no day trade.
        dayTrades: overnight ? undefined : day.dayTrades.inWindow(),
        prevDayEquityUsd: day.prevDayEquityUsd,
      },
      d.config.risk,
    );
    if (!verdict.ok) return d.reject(sig, verdict.reason);
    const slot = d.slots.slots[k];
    const own = checkSlotEntry(
      { strategyId: slot.definition.id, openPositions: day.slotOpen[k] + pending.slot, dayPnlUsd: day.slotDayPnlUsd[k], startOfDayEquityUsd: day.startOfDayEquityUsd * slot.allocation },
      slot.risk,
    );
    if (!own.ok) return d.reject(sig, own.reason);
    const regime = this.regimeCall(sig, bar);
    // Sized against the stop as it will rest at the broker, the same stop the trade's R is booked against.
    const stop = sig.stopPriceUsd === null ? null : restingStopUsd(sig.stopPriceUsd);
    const decision = d.sizer.size(this.sizingInput(sig, bar, stop, this.equityNow(), INITIAL_STAGE, regime));
    d.events.sizing?.(sig, decision);
    if (decision.qtyShares < 1) return d.reject(sig, `size 0 (${decision.cap ?? "no risk budget"})`);
    const orderId = intentId(sig, "entry");
    book.pending[sym] = { signal: sig, orderId, qtyShares: decision.qtyShares, sizing: decision, regime };
    // A decision on a daily bar is made at the close: its order fills at the next session's open.
    const nextOpen = d.config.execution.entryFill === "next_open" || d.slots.daily[sym] === 1;
    const res = d.broker.submit({ clientOrderId: orderId, symbol: sig.symbol, symId: sym, side: "buy", type: "market", qtyShares: decision.qtyShares, timing: nextOpen ? "next_open" : "bar_close", purpose: "entry" });
    if (!res.accepted) {
      book.pending[sym] = null;
      d.reject(sig, `order rejected: ${res.reason}`);
    }
  }

  /** Entries working now: in the account, and in slot `k`. Scanned only at a signal (rare). */
  private pendingCount(k: number): { all: number; slot: number } {
    let all = 0;
    let slot = 0;
    const { pending } = this.book;
    for (let s = 0; s < pending.length; s++) {
      if (pending[s] === null) continue;
      all++;
      if (this.d.slots.slotOf[s] === k) slot++;
    }
    return { all, slot };
  }

  /**
   * The entry fill opens the position with the strategy's exit plan (a template's, when the sizer
   * chose one). A plan without a stop keeps NaN as its stop, no targets and no time stop unless set:
   * nothing rests at the broker and the position waits for its exit signal.
   */
  openPosition(f: Fill): OpenPosition | null {
    const { d, book } = this;
    const sym = f.symId;
    const pending = book.pending[sym];
    book.pending[sym] = null;
    if (pending === null) return null;
    const k = d.slots.slotOf[sym];
    const plan = this.plan(d.slots.slots[k].strategy.exitPlan(pending.signal, f.priceUsd), pending.sizing, f.priceUsd);
    const pos = new OpenPosition(f.clientOrderId, sym, pending.signal, pending.sizing, plan, f.timeMs, f.priceUsd, f.qtyShares, pending.regime);
    book.positions[sym] = pos;
    d.day.entriesToday++;
    d.day.slotOpen[k]++;
    if (book.openCount++ === 0) book.exposedSinceMs = f.timeMs;
    // The rest of a partly filled entry is still a working buy: the exits wait for it (a sell next
    // to an open buy is a wash trade; see PositionOrders.sendAdd).
    if (f.qtyShares < pending.qtyShares) {
      pos.buyOrderId = f.clientOrderId;
      pos.buyOpenQtyShares = pending.qtyShares - f.qtyShares;
    }
    // An entry that filled at or below its stop (a gap through it) is stopped out at once.
    if (f.priceUsd <= plan.stopUsd) d.orders.exitPosition(pos, "gap_below_stop", d.config.execution.exitFill);
    else if (pos.buyOrderId === null) d.orders.layExits(pos, f.timeMs);
    return pos;
  }

  private plan(proposed: PluginExitPlan, sizing: SizingDecision, entryPx: number): ExitPlan {
    const timeStopMinutes = proposed.timeStopMinutes ?? Infinity;
    if (proposed.stopUsd === null) return { stopUsd: NaN, targets: [], stopMoveAfter: null, trailBars: 0, timeStopMinutes };
    // The plan's stop put where the order rests (on the tick grid, toward the market): the trade's
    // R, a template's R targets and the gap check all read the stop that can actually fill.
    const strategyPlan: ExitPlan = { ...proposed, stopUsd: restingStopUsd(proposed.stopUsd), timeStopMinutes };
    const template = sizing.template;
    return template ? templateExitPlan(template, strategyPlan, entryPx) : strategyPlan;
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
  maybeAdd(pos: OpenPosition, bar: BarView): void {
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
    const input = { ...this.sizingInput(pos.signal, bar, pos.stopUsd, this.equityNow(), stage, pos.regime), position };
    const decision = this.d.sizer.size(input);
    pos.addSizing.push(decision);
    this.d.events.sizing?.(pos.signal, decision);
    if (decision.qtyShares < 1) return;
    this.d.orders.sendAdd(pos, `add${add.index + 1}`, decision.qtyShares);
  }

  /** The broker's equity now, raising the high-water mark. */
  equityNow(): number {
    return this.d.day.mark(this.d.broker.equityUsd());
  }

  /**
   * Why no entry may be decided at this bar's close, or null. Intraday entries end at the day's
   * flatten minute from the calendar: a strategy reading a fixed flattenAt would still enter after
   * an early close's 12:55 (the bars from 13:00 to 16:00 are post-market on a half day). Overnight
   * strategies hold past the close, so only the open bounds them.
   */
  private outsideEntryHours(bar: BarView, overnight: boolean): string | null {
    const s = this.d.day.session;
    if (bar.etMinute < s.openMinute) return `before the open (${minuteToHhmm(s.openMinute)})`;
    if (!overnight && bar.etMinute + 1 >= s.flattenMinute) return `no entries from ${minuteToHhmm(s.flattenMinute)} (the session closes at ${minuteToHhmm(s.closeMinute)})`;
    return null;
  }

  private sizingInput(sig: Signal, bar: BarView, stopUsd: number | null, equityUsd: number, stage: SizingStage, regime: RegimeCall): EngineSizingInput {
    const { d, book } = this;
    const ind = d.indicators[sig.symId];
    const k = d.slots.slotOf[sig.symId];
    const decisionMs = bar.tMs + MIN_MS;
    return {
      signal: sig,
      entryPriceUsd: withFriction("buy", bar.close, d.friction),
      stopUsd,
      equityUsd,
      buyingPowerUsd: d.broker.buyingPowerUsd(),
      openPositions: book.openCount,
      highWaterMarkUsd: d.day.hwmUsd,
      halted: d.day.entriesHalted(),
      regime,
      volatilityRatio: ind.atrRatio,
      trendStrength: ind.trendStrength,
      stage,
      context: d.learning?.context(sig.strategyId, sig.symbol, decisionMs),
      allocation: { weight: d.slots.weight(k), maxPositionPct: d.slots.slots[k].maxPositionPct },
    };
  }

  /**
   * The regime call at an entry: the injected classifier on the entry-time features as of the
   * signal bar's close, or the fail-safe NORMAL without one. Features are only built when a
   * classifier or a listener reads them; a signal is an event, so the allocation is fine. A
   * classifier that throws costs one fail-safe call, not the run.
   */
  private regimeCall(sig: Signal, bar: BarView): RegimeCall {
    const { d } = this;
    const listener = d.events.regime;
    if (d.regime === null && listener === undefined) return FAIL_SAFE_REGIME_CALL;
    const features = entryFeatures(sig, d.indicators[sig.symId]);
    let call = FAIL_SAFE_REGIME_CALL;
    if (d.regime !== null) {
      try {
        call = d.regime.classify(features, bar.tMs + MIN_MS);
      } catch (e) {
        call = { regime: "ADD_NEUTRAL", probability: 1, reason: `regime classifier failed (${(e as Error).message}): fail-safe NORMAL` };
        d.events.error?.(`regime classifier failed on ${sig.symbol} at ${new Date(sig.barTimeMs).toISOString()}: ${(e as Error).message}`);
      }
    }
    listener?.(sig, features, call);
    return call;
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

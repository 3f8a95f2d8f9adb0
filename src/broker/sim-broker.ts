import type { BarView } from "../core/bars.ts";
import type { Fill, OrderIntent } from "../core/types.ts";
import { SessionDay, type SessionLookup } from "../core/market-calendar.ts";
import { DayTradeCounter, pdtBlocks } from "../risk/day-trades.ts";
import { MARKET_BUY_CUSHION, buyLimitFill, buyStopFill, sellLimitFill, sellStopFill, withFriction } from "./fill-model.ts";
import type { OrderEnded, SubmitResult, Venue, VenueFactory } from "./venue.ts";
import { insufficientQtyMessage, qtyAvailability, type HoldingOrder } from "./held-qty.ts";
import { sellStopBelowMarket, STOP_ABOVE_MARKET_MESSAGE } from "./stop-legs.ts";
import { intentsConflict, WASH_TRADE_MESSAGE } from "./wash-trade.ts";

export type { SubmitResult } from "./venue.ts";

const BAR_MS = 60_000;
const ACCEPTED: SubmitResult = Object.freeze({ accepted: true });
/** Alpaca's answer to an order that could make a 4th day trade (403, code 40310100). */
export const PDT_MESSAGE = "trade denied due to pattern day trading protection";

interface WorkingOrder {
  readonly intent: OrderIntent;
  active: boolean;
  /** Cancel (or replace) asked for while its symbol's bar is processed: it lands when the bar ends. */
  cancelAsked: boolean;
  /** Ended by a fill (not a cancel): a replace that was waiting for it is refused. */
  filled: boolean;
}

/** An order sent while its symbol's bar was processed: the broker sees it once the bar's cancels landed. */
interface Queued {
  readonly intent: OrderIntent;
  readonly replaces: WorkingOrder | null;
  /** Canceled before the broker saw it: never placed. */
  dropped?: boolean;
}

export interface SimBrokerOptions {
  readonly initialCashUsd: number;
  readonly frictionPerSide: number;
  /** Buying power = equity x this - long market value (1 = cash account). */
  readonly buyingPowerMultiple: number;
  /** Refuse an order that could make a 4th day trade under $25,000 of previous-day equity (Alpaca does; default on). */
  readonly pdtProtection?: boolean;
  /** Which days trade and when they close (the NYSE rules of core/market-calendar by default). */
  readonly sessions?: SessionLookup;
}

/**
 * A simulated broker for backtests: cash, long positions, working orders and the shared fill
 * model, under the rules Alpaca applies when an order arrives (alpaca-protocol.md, "Behaviours the
 * bot must survive"), so a backtest refuses what the broker would:
 * - a sell beyond the shares not held for other open sells (403 "insufficient qty available");
 * - a potential wash trade (see wash-trade.ts);
 * - an OCO whose sell stop is not below the market (422, see stop-legs.ts), against the base price
 *   the local exchange uses at that moment: the last bar's close, and for orders sent while a bar
 *   is processed (exits after an entry fill, a stop moved by a target fill) that bar's close, since
 *   a broker sees them only after the prices the fill came from;
 * - a 4th day trade in 5 business days under $25,000 of previous-day equity;
 * - a resting buy beyond buying power.
 * Orders only fill against bars that arrive for their symbol, and only inside the day's regular
 * session from the calendar: Alpaca accepts a market order sent after the close (status
 * `accepted`) and fills it at the next open, and day orders without extended hours never
 * execute outside 09:30 to the close (13:00 on an early-close day); a holiday has no session. Fills are reported synchronously
 * through `onFill`, which may submit, replace or cancel re-entrantly (a target fill moves the
 * stop). While a symbol's bar is processed its cancels land at the bar's end, as a broker's
 * cancel lands after the fill the bot reacts to; orders sent meanwhile are checked and placed
 * after those cancels (the sequencing the Venue contract asks of every venue), and one refused
 * then is reported through `onEnded`, like a refusal after a live broker's 200.
 */
export class SimBroker implements Venue {
  cashUsd: number;
  readonly qty: Float64Array;
  readonly lastClose: Float64Array;
  private readonly working: WorkingOrder[][];
  private readonly workingCount: Int32Array;
  private readonly byId = new Map<string, WorkingOrder>();
  private readonly usedIds = new Set<string>();
  private readonly queued: Queued[] = [];
  /** The queued orders being placed now (a refusal's handler may cancel the ones after it). */
  private placing: readonly Queued[] = [];
  /** The bar being processed, when a submission happens during it. */
  private current: BarView | null = null;
  /** The bar whose queued orders are being placed (their base price is its close), or null. */
  private placingAfter: BarView | null = null;
  /** Symbol whose bar is being processed (-1: none), and whether cancels wait for its end. */
  private inBar = -1;
  private cancelsPending = false;
  private readonly dayTrades: DayTradeCounter;
  private day = -1;
  /** Equity at the previous session's last bar (the PDT rule reads it). */
  private prevDayEquityUsd: number;
  /** The session of the day being looked at (per-day lookup; per-bar reads are fields). */
  private readonly session: SessionDay;

  constructor(
    readonly symbols: readonly string[],
    private readonly opts: SimBrokerOptions,
    private readonly onFill: (fill: Fill) => void,
    private readonly onEnded: (e: OrderEnded) => void = () => {},
  ) {
    this.cashUsd = opts.initialCashUsd;
    this.prevDayEquityUsd = opts.initialCashUsd;
    this.qty = new Float64Array(symbols.length);
    this.lastClose = new Float64Array(symbols.length).fill(NaN);
    this.working = symbols.map(() => []);
    this.workingCount = new Int32Array(symbols.length);
    this.dayTrades = new DayTradeCounter(symbols.length);
    this.session = new SessionDay(0, opts.sessions);
  }

  equityUsd(): number {
    let e = this.cashUsd;
    for (let s = 0; s < this.qty.length; s++) if (this.qty[s] !== 0) e += this.qty[s] * this.lastClose[s];
    return e;
  }

  longMarketValueUsd(): number {
    let v = 0;
    for (let s = 0; s < this.qty.length; s++) if (this.qty[s] !== 0) v += this.qty[s] * this.lastClose[s];
    return v;
  }

  /**
   * What a market buy may spend: buying power less what open buy orders hold and the broker's
   * market-order cushion. Alpaca reserves buying power for an open buy when it accepts it (a market
   * buy at the current price, a limit at its limit), so two entries decided at one close cannot
   * both spend the same dollars: the second is sized (and checked) against what the first left.
   */
  buyingPowerUsd(): number {
    return Math.max(0, this.equityUsd() * this.opts.buyingPowerMultiple - this.longMarketValueUsd() - this.reservedForBuysUsd()) / MARKET_BUY_CUSHION;
  }

  /** Cost held by working buy orders (an order being filled was deactivated first, so it holds nothing). */
  private reservedForBuysUsd(): number {
    let r = 0;
    for (let s = 0; s < this.working.length; s++) {
      if (this.workingCount[s] === 0) continue;
      for (const w of this.working[s]) {
        if (!w.active || w.intent.side !== "buy") continue;
        const i = w.intent;
        const px = i.type === "limit" ? (i.limitPriceUsd ?? NaN) : i.type === "stop" ? (i.stopPriceUsd ?? NaN) : this.lastClose[s] * MARKET_BUY_CUSHION;
        if (Number.isFinite(px)) r += i.qtyShares * px;
      }
    }
    return r;
  }

  /** Day trades in the last 5 business days, as the broker counts them. */
  dayTradeCount(): number {
    return this.dayTrades.inWindow();
  }

  onBar(bar: BarView): void {
    if (this.workingCount[bar.symId] !== 0) this.processBar(bar);
    else {
      this.noteDay(bar.etDay);
      this.lastClose[bar.symId] = bar.close;
    }
  }

  lastPriceUsd(symId: number): number {
    return this.lastClose[symId];
  }

  hasWork(symId: number): boolean {
    return this.workingCount[symId] !== 0;
  }

  /** Sets the bar that market orders with timing "bar_close" fill against. */
  setCurrentBar(bar: BarView | null): void {
    this.current = bar;
  }

  submit(intent: OrderIntent): SubmitResult {
    const bad = this.malformed(intent);
    if (bad !== null) return { accepted: false, reason: bad };
    this.usedIds.add(intent.clientOrderId);
    if (this.inBar === intent.symId) {
      this.queued.push({ intent, replaces: null });
      return ACCEPTED;
    }
    return this.place(intent);
  }

  /**
   * Alpaca's replace (PATCH /v2/orders/{id}): the working order becomes `next` at once; the
   * shares it held pass to `next`. Refused when the order is no longer open (422) or when `next`
   * breaks a rule, and then the old order keeps working as it was (order_replace_rejected).
   */
  replace(oldClientOrderId: string, next: OrderIntent): SubmitResult {
    const w = this.byId.get(oldClientOrderId);
    if (!w || !w.active || w.cancelAsked) return { accepted: false, reason: `order ${oldClientOrderId} is not open: cannot replace` };
    if (next.symId !== w.intent.symId || next.side !== w.intent.side) return { accepted: false, reason: "a replace keeps the symbol and side" };
    const bad = this.malformed(next);
    if (bad !== null) return { accepted: false, reason: bad };
    this.usedIds.add(next.clientOrderId);
    if (this.inBar === next.symId) {
      w.cancelAsked = true;
      this.cancelsPending = true;
      this.queued.push({ intent: next, replaces: w });
      return ACCEPTED;
    }
    this.deactivate(w);
    const res = this.place(next);
    if (!res.accepted) this.reactivate(w);
    return res;
  }

  cancel(clientOrderId: string): boolean {
    const w = this.byId.get(clientOrderId);
    if (!w || !w.active) return this.dropQueued(clientOrderId);
    // A bot reacting to a fill inside a bar is too late for that bar at a broker: the order can
    // still fill on it (and holds its shares: Alpaca's pending_cancel). The cancel lands when the bar ends.
    if (this.inBar === w.intent.symId) {
      w.cancelAsked = true;
      this.cancelsPending = true;
    } else this.deactivate(w);
    return true;
  }

  /** Evaluates the symbol's working orders against a bar that just arrived, then marks its close. */
  processBar(bar: BarView): void {
    this.noteDay(bar.etDay);
    const s = bar.symId;
    const session = this.session.at(bar.etDay);
    // Outside the session nothing executes; working orders wait for the next open.
    if (this.workingCount[s] !== 0 && session.inSession(bar.etMinute)) {
      const list = this.working[s];
      // Orders placed while this bar is processed (exits after an entry fill, a moved stop) wait
      // for the next bar, as at a broker: the bot learns of a fill only after it happened.
      const n = list.length;
      this.inBar = s;
      // Market orders first (they were waiting for this open), then stops before limits: when one
      // bar could hit both, assuming the stop came first is the conservative reading.
      for (const kind of ORDER_PRIORITY) {
        for (let i = 0; i < n; i++) {
          const w = list[i];
          if (!w.active) continue;
          const t = w.intent.type;
          // An OCO's stop leg is checked with the stops, its limit leg with the limits.
          if (t !== kind && !(t === "oco" && kind !== "market")) continue;
          const px = fillPrice(w.intent, bar, kind);
          if (Number.isNaN(px)) continue;
          this.deactivate(w);
          const purpose = t === "oco" && kind === "stop" ? "stop" : w.intent.purpose;
          const timeMs = px === bar.open ? bar.tMs : bar.tMs + BAR_MS;
          const res = this.execute(w.intent, px, timeMs, purpose);
          // A resting order the account can no longer pay for (or sell) ends unfilled, as a broker's rejection after its 200.
          if (res.accepted) w.filled = true;
          else this.onEnded({ clientOrderId: w.intent.clientOrderId, status: "rejected", reason: res.reason, timeMs });
        }
      }
      this.inBar = -1;
      if (this.cancelsPending) {
        this.cancelsPending = false;
        for (const w of list) if (w.active && w.cancelAsked) this.deactivate(w);
      }
      if (this.queued.length !== 0) {
        this.placingAfter = bar;
        this.placeQueued(bar.tMs + BAR_MS);
        this.placingAfter = null;
      }
      if (this.workingCount[s] === 0) list.length = 0;
    }
    this.lastClose[s] = bar.close;
  }

  /** Fills a sell of the whole position at a given price (end of data: no later bar exists). */
  liquidate(symId: number, priceUsd: number, timeMs: number, clientOrderId: string, purpose: string): void {
    const q = this.qty[symId];
    if (q <= 0) return;
    const intent: OrderIntent = { clientOrderId, symbol: this.symbols[symId], symId, side: "sell", type: "market", qtyShares: q, purpose };
    this.usedIds.add(clientOrderId);
    this.execute(intent, priceUsd, timeMs);
  }

  /** What the broker refuses before looking at the account (Alpaca 422 on the POST). */
  private malformed(intent: OrderIntent): string | null {
    if (this.usedIds.has(intent.clientOrderId)) return "client_order_id must be unique";
    if (!(intent.qtyShares > 0) || !Number.isInteger(intent.qtyShares)) return `bad quantity ${intent.qtyShares}`;
    if (intent.type === "oco" && intent.side !== "sell") return "oco orders are sell exits of a long position";
    return null;
  }

  /** Checks an order against the account and the open orders, then fills or rests it. */
  private place(intent: OrderIntent): SubmitResult {
    const why = this.refusal(intent);
    if (why !== null) return { accepted: false, reason: why };
    const cur = this.current;
    if (intent.type === "market" && intent.timing !== "next_open" && cur !== null && cur.symId === intent.symId && this.openAtCloseOf(cur)) {
      return this.execute(intent, cur.close, cur.tMs + BAR_MS);
    }
    const w: WorkingOrder = { intent, active: true, cancelAsked: false, filled: false };
    this.working[intent.symId].push(w);
    this.workingCount[intent.symId]++;
    this.byId.set(intent.clientOrderId, w);
    return ACCEPTED;
  }

  /** Why the broker would refuse this order now, or null. */
  private refusal(intent: OrderIntent): string | null {
    const s = intent.symId;
    const holding: HoldingOrder[] = [];
    let sellOpen = false;
    let buyOpen = false;
    if (this.workingCount[s] !== 0) {
      for (const w of this.working[s]) {
        if (!w.active) continue;
        if (intentsConflict(w.intent, intent)) return WASH_TRADE_MESSAGE;
        // An order being canceled still holds its shares until the cancel lands (pending_cancel).
        if (w.intent.side === "sell") {
          holding.push({ id: w.intent.clientOrderId, symbol: w.intent.symbol, side: "sell", leavesQty: w.intent.qtyShares, holds: true });
          sellOpen = true;
        } else buyOpen = true;
      }
    }
    if (intent.type === "oco" && !sellStopBelowMarket(intent.stopPriceUsd ?? NaN, this.basePrice(s))) return STOP_ABOVE_MARKET_MESSAGE;
    if (intent.side === "sell") {
      const a = qtyAvailability(intent.symbol, this.qty[s], holding);
      if (intent.qtyShares > a.available) return insufficientQtyMessage(intent.qtyShares, a.available);
    }
    if (this.opts.pdtProtection !== false && pdtBlocks(this.dayTrades.inWindow(), this.prevDayEquityUsd)) {
      // Open orders count: a buy and a sell of one symbol may fill in either order (Alpaca's PDT page).
      const dayTrade = intent.side === "sell" ? this.dayTrades.sellWouldDayTrade(s) || buyOpen : sellOpen;
      if (dayTrade) return PDT_MESSAGE;
    }
    if (intent.side === "buy" && intent.type !== "market") {
      // A resting buy reserves its cost at the broker when it is placed (limit price, or the stop).
      const cost = intent.qtyShares * (intent.type === "limit" ? (intent.limitPriceUsd ?? NaN) : (intent.stopPriceUsd ?? NaN));
      const power = this.buyingPowerUsd() * MARKET_BUY_CUSHION;
      if (!(cost <= power)) return `insufficient buying power (cost $${cost.toFixed(2)}, buying power $${power.toFixed(2)})`;
    }
    return null;
  }

  /** The price the stop-leg rule compares against: the last close the broker has seen (see the class notes). */
  private basePrice(symId: number): number {
    const b = this.placingAfter;
    return b !== null && b.symId === symId ? b.close : this.lastClose[symId];
  }

  /**
   * Whether the market is open at the instant `bar` closes, when a "bar_close" market order is
   * sent: the 12:59 bar of a half day closes at 13:00, the close itself, so an order sent then
   * rests (Alpaca: `accepted`) and fills at the next session's open.
   */
  private openAtCloseOf(bar: BarView): boolean {
    const sent = bar.etMinute + 1;
    const s = this.session.at(bar.etDay);
    return sent > s.openMinute && sent < s.closeMinute;
  }

  /**
   * A cancel of an order sent during a bar and not placed yet (the bot canceled it on a refusal
   * that came first): it is never placed, as a live venue cancels an order it has in flight
   * once the broker has it; nothing of it can fill.
   */
  private dropQueued(clientOrderId: string): boolean {
    const q = [...this.queued, ...this.placing].find((x) => !x.dropped && x.intent.clientOrderId === clientOrderId);
    if (q === undefined) return false;
    q.dropped = true;
    return true;
  }

  /** Places the orders sent during a bar, after that bar's cancels landed; a refusal is reported as a live broker would after its 200. */
  private placeQueued(timeMs: number): void {
    const q = this.queued.splice(0);
    this.placing = q;
    for (const { intent, replaces, dropped } of q) {
      if (dropped) continue;
      const res: SubmitResult =
        replaces !== null && replaces.filled ? { accepted: false, reason: `order ${replaces.intent.clientOrderId} filled before it could be replaced` } : this.place(intent);
      if (!res.accepted) this.onEnded({ clientOrderId: intent.clientOrderId, status: "rejected", reason: res.reason, timeMs });
    }
    this.placing = [];
  }

  private noteDay(etDay: number): void {
    if (etDay === this.day) return;
    // Marked before the new day's first bar moves any price: the previous session's close.
    if (this.day >= 0) this.prevDayEquityUsd = this.equityUsd();
    this.day = etDay;
    this.dayTrades.rollTo(etDay);
  }

  private deactivate(w: WorkingOrder): void {
    w.active = false;
    this.workingCount[w.intent.symId]--;
    this.byId.delete(w.intent.clientOrderId);
  }

  private reactivate(w: WorkingOrder): void {
    w.active = true;
    this.workingCount[w.intent.symId]++;
    this.byId.set(w.intent.clientOrderId, w);
  }

  private execute(intent: OrderIntent, rawPriceUsd: number, timeMs: number, purpose = intent.purpose): SubmitResult {
    const s = intent.symId;
    const price = withFriction(intent.side, rawPriceUsd, this.opts.frictionPerSide);
    let q = intent.qtyShares;
    if (intent.side === "buy") {
      const cost = q * price;
      const bp = this.buyingPowerUsd();
      if (cost > bp + 1e-9) return { accepted: false, reason: `insufficient buying power: need $${cost.toFixed(2)}, have $${bp.toFixed(2)}` };
      this.cashUsd -= cost;
      this.qty[s] += q;
    } else {
      // Long-only venue: a sell never exceeds the position (an exit racing another exit is cut).
      q = Math.min(q, this.qty[s]);
      if (q <= 0) return { accepted: false, reason: "no position to sell" };
      this.cashUsd += q * price;
      this.qty[s] -= q;
    }
    this.dayTrades.onFill(s, intent.side);
    this.lastClose[s] = Number.isNaN(this.lastClose[s]) ? rawPriceUsd : this.lastClose[s];
    this.onFill({ clientOrderId: intent.clientOrderId, symbol: intent.symbol, symId: s, side: intent.side, qtyShares: q, priceUsd: price, timeMs, purpose });
    return ACCEPTED;
  }
}

const ORDER_PRIORITY = ["market", "stop", "limit"] as const;

function fillPrice(o: OrderIntent, bar: BarView, pass: (typeof ORDER_PRIORITY)[number]): number {
  if (o.type === "oco") {
    return pass === "stop" ? sellStopFill(o.stopPriceUsd ?? NaN, bar.open, bar.low) : sellLimitFill(o.limitPriceUsd ?? NaN, bar.open, bar.high);
  }
  switch (o.type) {
    case "market":
      return bar.open;
    case "stop":
      return o.side === "sell" ? sellStopFill(o.stopPriceUsd ?? NaN, bar.open, bar.low) : buyStopFill(o.stopPriceUsd ?? NaN, bar.open, bar.high);
    case "limit":
      return o.side === "sell" ? sellLimitFill(o.limitPriceUsd ?? NaN, bar.open, bar.high) : buyLimitFill(o.limitPriceUsd ?? NaN, bar.open, bar.low);
  }
}

/** The backtest venue: a SimBroker with the run's money and friction. */
export function simVenue(opts: SimBrokerOptions): VenueFactory {
  return (symbols, onFill, currentBar, onEnded) => {
    const b = new SimBroker(symbols, opts, onFill, onEnded ?? (() => {}));
    b.setCurrentBar(currentBar);
    return b;
  };
}

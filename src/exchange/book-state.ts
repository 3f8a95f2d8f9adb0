import { randomUUID } from "node:crypto";
import { frictionPerSide } from "../broker/fill-model.ts";
import { SeededRng } from "../core/rng.ts";
import { NyTime } from "../core/ny-time.ts";
import { activityId } from "./activities.ts";
import type { CheckContext } from "./order-checks.ts";
import { reservePrice } from "./order-checks.ts";
import type { ParsedOrder, Working } from "./order-classes.ts";
import { isOpen, newWorking } from "./order-classes.ts";
import { dayTradeCount } from "./rules/pattern-day-trader.ts";
import { dayOrderExpiryMs } from "./rules/session.ts";
import type { AlpacaOrder, ExBar, Execution, OrderStatus, TradeEvent, TradeUpdate } from "./types.ts";
import { numStr } from "./types.ts";

export interface BookOptions {
  readonly initialCashUsd: number;
  /** Round-trip friction in percent, half charged on each fill (see fill-model `frictionPerSide`). */
  readonly frictionPctRoundTrip: number;
  /** Tradable symbols; others are refused. Undefined accepts any symbol. */
  readonly symbols?: readonly string[];
  /** Deterministic partial fills: this fraction of market orders fills in two pieces on consecutive bars. */
  readonly partialFill?: { readonly fraction: number; readonly seed: number };
  /** Start of the replay clock (epoch ms). */
  readonly startMs?: number;
  /**
   * Whether a FILL activity's id ends in the stream's `execution_id` (`<time>::<execution_id>`).
   * Unverified on Alpaca, so default false: the two differ, and a client cannot match them by string.
   */
  readonly activityIdSharesExecutionId?: boolean;
  /**
   * An order whose cancel is pending may still fill on a bar before the cancel completes (Alpaca:
   * "pending_cancel ... the order may still be filled"). Default true; then `fill` arrives, not `canceled`.
   */
  readonly fillWhilePendingCancel?: boolean;
  /**
   * Whether untriggered stops count in the wash-trade rule. Default true: the table on Alpaca's "User
   * Protection" page lists a resting stop sell against a market buy as a conflict, and the stricter
   * reading is the one a test double must hold (see broker/wash-trade.ts). False: the kinder reading.
   */
  readonly washTradeStopsCount?: boolean;
  /**
   * The wash-trade refusal's HTTP status: 422 (code 42210000, a 2024 public report) by default;
   * 403 (code 40310000) as an Alpaca forum thread shows it. Clients should key on the message.
   */
  readonly washTradeStatus?: 403 | 422;
  /**
   * Whether PATCH may change the qty of an oco/bracket order (then its whole exit pair takes the
   * qty). Unverified on Alpaca; default false: refused with 422, the client cancels and re-places.
   */
  readonly replaceGroupQty?: boolean;
  /** Whether the `replaced` trade update carries the new order instead of the old one (unverified on Alpaca; default false). */
  readonly replacedEventCarriesNew?: boolean;
  /**
   * A price to value a market buy of a symbol with no trade yet (Alpaca values it off the last
   * trade, e.g. the previous close; the replay may not have one). Undefined: valued at nothing.
   */
  readonly referencePrice?: (symbol: string) => number | undefined;
  /** Knob: orders chosen here answer 200 `accepted`, then get a `rejected` update (see `drainRejectRequests`). */
  readonly rejectAfterAccept?: (order: AlpacaOrder) => boolean;
  /** Knob: the broker ends a resting order on its own (`canceled` or `expired`, no DELETE), asked at each clock move. */
  readonly brokerEnd?: (order: AlpacaOrder, nowMs: number) => "canceled" | "expired" | null;
}

/** The Alpaca rules whose exact behaviour is unverified or a knob: tests and chaos runs choose. */
export type BookRuleOptions = Pick<BookOptions, "activityIdSharesExecutionId" | "fillWhilePendingCancel" | "washTradeStopsCount" | "washTradeStatus" | "replaceGroupQty" | "replacedEventCarriesNew">;

export interface Position {
  readonly symbol: string;
  qty: number;
  avgEntryUsd: number;
}

/** Everything about the book that is not an order: what a restore needs besides the orders. */
export interface BookAccount {
  readonly cashUsd: number;
  readonly nowMs: number;
  readonly positions: readonly Position[];
  readonly lastPrices: readonly (readonly [string, number])[];
  /** Draws the partial-fill RNG has made: a restore replays them, as core/rng.ts keeps its state private. */
  readonly rngDraws: number;
  readonly nextSeq: number;
  /** Equity at the end of the previous New York day (Alpaca's `last_equity`) and the day it was taken for; absent in old saves. */
  readonly lastEquityUsd?: number;
  readonly equityDay?: number;
}

/** A book's full content as a restore hands it over. */
export interface BookContent {
  readonly account: BookAccount;
  /** Group roots (simple orders, oco limit legs, bracket entries) with their legs linked, in any order. */
  readonly groups: readonly Working[];
  /** In the order they happened. */
  readonly executions: readonly Execution[];
}

const ny = new NyTime();

/**
 * The state of the local exchange's book (orders, positions, cash, executions) and the few
 * primitives every change goes through: tracking an order, applying a fill, ending an order,
 * telling the listeners. What changes the state, and when, is the `Book` (book.ts).
 */
export class BookState {
  cashUsd: number;
  nowMs: number;
  protected readonly positions = new Map<string, Position>();
  protected readonly orders = new Map<string, Working>();
  /** The open subset of `orders`, in submission order: what the per-bar and per-minute paths walk. */
  protected readonly live = new Map<string, Working>();
  protected readonly execs: Execution[] = [];
  protected rngDraws = 0;
  protected seq = 0;
  protected readonly byClientId = new Map<string, string>();
  protected readonly lastPrice = new Map<string, number>();
  protected readonly listeners = new Set<(u: TradeUpdate) => void>();
  protected readonly friction: number;
  protected readonly symbols: ReadonlySet<string> | null;
  protected readonly rng: SeededRng | null;
  protected lastEquityUsd: number;
  protected equityDay: number;

  constructor(protected readonly opts: BookOptions) {
    this.cashUsd = opts.initialCashUsd;
    this.nowMs = opts.startMs ?? 0;
    this.friction = frictionPerSide(opts.frictionPctRoundTrip);
    this.symbols = opts.symbols ? new Set(opts.symbols) : null;
    this.rng = opts.partialFill ? new SeededRng(opts.partialFill.seed) : null;
    this.lastEquityUsd = opts.initialCashUsd;
    this.equityDay = ny.etDay(this.nowMs);
  }


  account(): BookAccount {
    return {
      cashUsd: this.cashUsd, nowMs: this.nowMs, positions: this.allPositions().map((p) => ({ ...p })),
      lastPrices: [...this.lastPrice], rngDraws: this.rngDraws, nextSeq: this.seq, lastEquityUsd: this.lastEquityUsd, equityDay: this.equityDay,
    };
  }

  /** Every execution so far, in the order they happened (not necessarily by time: see activities.ts). */
  executions(): readonly Execution[] {
    return this.execs;
  }

  /** The working order behind an id and the root of its group (itself for a simple order). */
  groupRoot(id: string): Working | undefined {
    const w = this.orders.get(id);
    return w?.parent ?? w;
  }

  /** Open orders' groups, oldest first: for a bracket, the entry may be filled while its exits work. */
  openGroups(): Working[] {
    return [...new Set([...this.live.values()].map((w) => w.parent ?? w))];
  }

  protected track(w: Working): void {
    this.orders.set(w.order.id, w);
    this.byClientId.set(w.order.client_order_id, w.order.id);
    if (isOpen(w.order)) this.live.set(w.order.id, w);
  }

  protected draw(): number {
    this.rngDraws++;
    return this.rng?.next() ?? 1;
  }

  onUpdate(fn: (u: TradeUpdate) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get initialCashUsd(): number {
    return this.opts.initialCashUsd;
  }

  price(symbol: string): number | undefined {
    return this.lastPrice.get(symbol);
  }

  /**
   * Sets the price a symbol's position is marked at without a bar that fills anything: Alpaca marks
   * a position at its latest trade, and for a symbol the exchange replays only daily bars of, the
   * latest trade it knows is the session's open once the session opened and its close after it.
   */
  markLast(symbol: string, priceUsd: number): void {
    if (Number.isFinite(priceUsd) && priceUsd > 0) this.lastPrice.set(symbol, priceUsd);
  }

  position(symbol: string): Position | undefined {
    return this.positions.get(symbol);
  }

  allPositions(): Position[] {
    return [...this.positions.values()].sort((a, b) => a.symbol.localeCompare(b.symbol));
  }

  /** Cash less what open buy orders would spend (a cash account: multiplier 1). */
  buyingPowerUsd(): number {
    let reserved = 0;
    for (const w of this.live.values()) {
      if (w.order.side === "buy") reserved += (w.qty - w.filledQty) * reservePrice(w, this.checks());
    }
    return this.cashUsd - reserved;
  }

  equityUsd(): number {
    let eq = this.cashUsd;
    for (const p of this.positions.values()) eq += p.qty * (this.lastPrice.get(p.symbol) ?? p.avgEntryUsd);
    return eq;
  }

  order(id: string): AlpacaOrder | undefined {
    return this.orders.get(id)?.order;
  }

  orderByClientId(clientOrderId: string): AlpacaOrder | undefined {
    const id = this.byClientId.get(clientOrderId);
    return id === undefined ? undefined : this.order(id);
  }

  /** All orders, newest first. */
  allOrders(): AlpacaOrder[] {
    return [...this.orders.values()].map((w) => w.order).reverse();
  }

  /** What the order checks read (order-checks.ts). */
  protected checks(): CheckContext {
    return {
      live: [...this.live.values()], rules: this.opts, frictionPerSide: this.friction, nowMs: this.nowMs,
      positionQty: (sym) => this.positions.get(sym)?.qty ?? 0,
      basePrice: (sym) => this.lastPrice.get(sym) ?? this.opts.referencePrice?.(sym),
      buyingPowerUsd: () => this.buyingPowerUsd(),
      lastEquityUsd: () => this.lastEquityUsd,
      fills: () => this.fillsInTimeOrder(),
    };
  }

  protected fillsInTimeOrder(): Execution[] {
    return [...this.execs].sort((a, b) => a.tMs - b.tMs);
  }

  /** Day trades within the last five business days (Alpaca's `daytrade_count`). */
  dayTradeCount(): number {
    return dayTradeCount(this.fillsInTimeOrder(), this.nowMs);
  }

  /** Equity at the end of the previous New York day (Alpaca's `last_equity`). */
  get lastEquity(): number {
    return this.lastEquityUsd;
  }

  protected working(p: ParsedOrder, cid: string, status: OrderStatus): Working {
    // A day order lives until its session's real close (13:00 on early-close days), or the next
    // session's when placed after the close or on a closed day (generated data trades on holidays).
    return newWorking(p, cid, status, { nowMs: this.nowMs, expiryMs: p.tif === "day" ? dayOrderExpiryMs(this.nowMs, p.ext) : Infinity });
  }

  /** Parents before their legs (insertion order), so canceling all goes parent first. */
  openOrderIds(): string[] {
    return [...this.live.keys()];
  }

  protected fill(w: Working, qty: number, priceUsd: number, bar: ExBar, atMs: number): void {
    const sym = w.order.symbol;
    const pos = this.positions.get(sym) ?? { symbol: sym, qty: 0, avgEntryUsd: 0 };
    if (w.order.side === "buy") {
      this.cashUsd -= qty * priceUsd;
      pos.avgEntryUsd = (pos.qty * pos.avgEntryUsd + qty * priceUsd) / (pos.qty + qty);
      pos.qty += qty;
      this.positions.set(sym, pos);
    } else {
      this.cashUsd += qty * priceUsd;
      pos.qty -= qty;
      if (pos.qty <= 0) this.positions.delete(sym);
    }
    w.filledQty += qty;
    w.filledNotional += qty * priceUsd;
    const o = w.order;
    const done = w.filledQty >= w.qty;
    o.status = done ? "filled" : "partially_filled";
    o.filled_qty = String(w.filledQty);
    o.filled_avg_price = numStr(w.filledNotional / w.filledQty);
    o.updated_at = this.iso();
    if (done) {
      o.filled_at = o.updated_at;
      this.live.delete(o.id);
    }
    this.lastPrice.set(sym, bar.close);
    const executionId = randomUUID();
    const id = activityId(atMs, this.opts.activityIdSharesExecutionId ? executionId : randomUUID());
    const type = done ? "fill" : "partial_fill";
    this.execs.push({
      id, executionId, tMs: atMs, type, price: priceUsd, qty, side: o.side, symbol: sym,
      leavesQty: w.qty - w.filledQty, cumQty: w.filledQty, orderId: o.id, orderStatus: o.status === "filled" ? "filled" : "partially_filled",
    });
    this.emit(type, w, { price: numStr(priceUsd), qty: String(qty), position_qty: String(this.positions.get(sym)?.qty ?? 0), execution_id: executionId }, atMs);
  }

  protected close(w: Working, status: "canceled" | "expired"): void {
    this.end(w, status);
  }

  protected end(w: Working, status: "canceled" | "expired" | "rejected"): void {
    const ts = this.iso();
    w.order.status = status;
    w.order.updated_at = ts;
    this.live.delete(w.order.id);
    if (status === "canceled") w.order.canceled_at = ts;
    else if (status === "expired") w.order.expired_at = ts;
    else w.order.failed_at = ts;
    this.emit(status, w);
  }

  /** `status`: the order's status as the event reports it, when the book does not keep it (pending_replace). */
  protected emit(event: TradeEvent, w: Working, fill?: Pick<TradeUpdate, "price" | "qty" | "position_qty" | "execution_id">, atMs = this.nowMs, status?: OrderStatus): void {
    // Listeners get a snapshot: the live order keeps changing after the event.
    const order = { ...w.order, legs: w.order.legs?.map((l) => ({ ...l })) ?? null, ...(status ? { status } : {}) };
    // `new` carries an execution_id too (Alpaca docs, trade_updates example).
    const ids = event === "new" ? { execution_id: randomUUID() } : {};
    const u: TradeUpdate = { event, order, timestamp: new Date(atMs).toISOString(), ...ids, ...fill };
    for (const fn of this.listeners) fn(u);
  }

  protected iso(): string {
    return new Date(this.nowMs).toISOString();
  }
}

import type { BarView } from "../core/bars.ts";
import type { Fill, OrderIntent } from "../core/types.ts";
import { MARKET_BUY_CUSHION, buyLimitFill, buyStopFill, sellLimitFill, sellStopFill, withFriction } from "./fill-model.ts";

const BAR_MS = 60_000;

import type { SubmitResult, Venue, VenueFactory } from "./venue.ts";

export type { SubmitResult } from "./venue.ts";

interface WorkingOrder {
  readonly intent: OrderIntent;
  active: boolean;
  /** Cancel asked for while its symbol's bar is being processed: it takes effect when the bar ends. */
  cancelAsked: boolean;
}

export interface SimBrokerOptions {
  readonly initialCashUsd: number;
  readonly frictionPerSide: number;
  /** Buying power = equity x this - long market value (1 = cash account). */
  readonly buyingPowerMultiple: number;
}

/**
 * A simulated broker for backtests: cash, long positions, working orders and the shared fill
 * model. Orders only fill against bars that arrive for their symbol, never against a bar that
 * does not exist. Fills are reported synchronously through `onFill`, which may submit or cancel
 * orders re-entrantly (e.g. a target fill moves the stop).
 */
export class SimBroker implements Venue {
  cashUsd: number;
  readonly qty: Float64Array;
  readonly lastClose: Float64Array;
  private readonly working: WorkingOrder[][];
  private readonly workingCount: Int32Array;
  private readonly byId = new Map<string, WorkingOrder>();
  private readonly usedIds = new Set<string>();
  /** The bar being processed, when a submission happens during it. */
  private current: BarView | null = null;
  /** Symbol whose bar is being processed (-1: none), and whether cancels wait for its end. */
  private inBar = -1;
  private cancelsPending = false;

  constructor(
    readonly symbols: readonly string[],
    private readonly opts: SimBrokerOptions,
    private readonly onFill: (fill: Fill) => void,
  ) {
    this.cashUsd = opts.initialCashUsd;
    this.qty = new Float64Array(symbols.length);
    this.lastClose = new Float64Array(symbols.length).fill(NaN);
    this.working = symbols.map(() => []);
    this.workingCount = new Int32Array(symbols.length);
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

  /** What a market buy may spend: buying power less the broker's market-order cushion. */
  buyingPowerUsd(): number {
    return Math.max(0, this.equityUsd() * this.opts.buyingPowerMultiple - this.longMarketValueUsd()) / MARKET_BUY_CUSHION;
  }

  onBar(bar: BarView): void {
    if (this.workingCount[bar.symId] !== 0) this.processBar(bar);
    else this.lastClose[bar.symId] = bar.close;
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
    if (this.usedIds.has(intent.clientOrderId)) return { accepted: false, reason: "client_order_id must be unique" };
    if (!(intent.qtyShares > 0) || !Number.isInteger(intent.qtyShares)) return { accepted: false, reason: `bad quantity ${intent.qtyShares}` };
    this.usedIds.add(intent.clientOrderId);
    if (intent.type === "oco" && intent.side !== "sell") return { accepted: false, reason: "oco orders are sell exits of a long position" };
    if (intent.side === "buy" && intent.type !== "market") {
      // A resting buy reserves its cost at the broker when it is placed (limit price, or the stop).
      const cost = intent.qtyShares * (intent.type === "limit" ? (intent.limitPriceUsd ?? NaN) : (intent.stopPriceUsd ?? NaN));
      const power = this.buyingPowerUsd() * MARKET_BUY_CUSHION;
      if (!(cost <= power)) return { accepted: false, reason: `insufficient buying power (cost $${cost.toFixed(2)}, buying power $${power.toFixed(2)})` };
    }
    const cur = this.current;
    if (intent.type === "market" && intent.timing !== "next_open" && cur !== null && cur.symId === intent.symId) {
      return this.execute(intent, cur.close, cur.tMs + BAR_MS);
    }
    const w: WorkingOrder = { intent, active: true, cancelAsked: false };
    this.working[intent.symId].push(w);
    this.workingCount[intent.symId]++;
    this.byId.set(intent.clientOrderId, w);
    return { accepted: true };
  }

  /** A simulated broker replaces at once: the old order is canceled and the new one placed. */
  replace(oldClientOrderId: string, next: OrderIntent): SubmitResult {
    this.cancel(oldClientOrderId);
    return this.submit(next);
  }

  cancel(clientOrderId: string): boolean {
    const w = this.byId.get(clientOrderId);
    if (!w || !w.active) return false;
    // A bot reacting to a fill inside a bar is too late for that bar at a broker: the order can
    // still fill on it. The cancel lands when the bar ends.
    if (this.inBar === w.intent.symId) {
      w.cancelAsked = true;
      this.cancelsPending = true;
    } else this.deactivate(w);
    return true;
  }

  /** Evaluates the symbol's working orders against a bar that just arrived, then marks its close. */
  processBar(bar: BarView): void {
    const s = bar.symId;
    if (this.workingCount[s] !== 0) {
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
          this.execute(w.intent, px, px === bar.open ? bar.tMs : bar.tMs + BAR_MS, purpose);
        }
      }
      this.inBar = -1;
      if (this.cancelsPending) {
        this.cancelsPending = false;
        for (const w of list) if (w.active && w.cancelAsked) this.deactivate(w);
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

  private deactivate(w: WorkingOrder): void {
    w.active = false;
    this.workingCount[w.intent.symId]--;
    this.byId.delete(w.intent.clientOrderId);
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
    this.lastClose[s] = Number.isNaN(this.lastClose[s]) ? rawPriceUsd : this.lastClose[s];
    this.onFill({ clientOrderId: intent.clientOrderId, symbol: intent.symbol, symId: s, side: intent.side, qtyShares: q, priceUsd: price, timeMs, purpose });
    return { accepted: true };
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
  return (symbols, onFill, currentBar) => {
    const b = new SimBroker(symbols, opts, onFill);
    b.setCurrentBar(currentBar);
    return b;
  };
}

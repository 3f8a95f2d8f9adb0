import { barProblem } from "../data/series-builder.ts";
import type { FeedBar, TradeUpdateLike } from "../broker/port.ts";
import { PlausibilityGate, type PlausibilityLimits } from "../data/plausibility.ts";

/**
 * The daemon's boundary for what the streams and the REST history deliver. The SDK decodes frames
 * but checks nothing: a bar's prices arrive as whatever the frame held (a string, NaN, a negative
 * number), a bad time as an Invalid Date, a trade update's qty and price as raw strings. Each
 * message is checked here before the engine or the ledger sees it; a refused one is counted by
 * reason and reported with what was wrong and where it came from, and the run goes on.
 */

/** Past this a price is a decoding error, not a quote (the dearest US share trades near $1M). */
export const MAX_PRICE_USD = 10_000_000;
/** Past this a one-minute volume is a decoding error (a whole day of SPY is about 1e8). */
export const MAX_VOLUME = 1e12;
const MIN_MS = 60_000;

/**
 * The trade_updates events Alpaca documents (alpaca-protocol.md). Alpaca adds event types over
 * time: one not listed here is taken (journaled and counted as unknown), never refused.
 */
export const TRADE_UPDATE_EVENTS: ReadonlySet<string> = new Set([
  "new", "fill", "partial_fill", "canceled", "expired", "done_for_day", "replaced", "rejected", "pending_new", "stopped",
  "pending_cancel", "pending_replace", "calculated", "suspended", "order_replace_rejected", "order_cancel_rejected",
]);

export type InputSource = "stocks stream" | "trading stream" | "REST bars";

/** One refused message: what was wrong, and where it came from. */
export interface InputRejection {
  readonly source: InputSource;
  /** The message's place: its sequence number on the source, and the symbol/order and time when readable. */
  readonly where: string;
  readonly reason: string;
  readonly symbol: string | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const TICKER = /^[A-Z0-9.\-/]{1,12}$/i;
/** Refusal kinds kept apart in byReason; the rest are counted as "other". */
const MAX_REASON_KINDS = 200;

/** A symbol as it may be printed: a plain ticker as is, anything else quoted and cut short. */
function sym(s: string): string {
  return TICKER.test(s) ? s : show(s);
}

/** A symbol as a journal field: only a plain ticker (anything else is in the reason, quoted and cut). */
function plain(s: string | null): string | null {
  return s !== null && TICKER.test(s) ? s : null;
}

/** A short, safe rendering of a bad value for a message (never a whole frame). */
function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "object" && v !== null) return Array.isArray(v) ? "an array" : "an object";
  return String(v);
}

/** Why a bar (already in numbers) cannot reach the engine, or null. */
export function feedBarProblem(b: FeedBar): string | null {
  const shape = barProblem(b.tMs, b.open, b.high, b.low, b.close, b.volume);
  if (shape !== null) return shape;
  if (b.tMs % MIN_MS !== 0) return `timestamp ${new Date(b.tMs).toISOString()} is not on a whole minute`;
  if (b.high > MAX_PRICE_USD) return `high ${b.high} is past ${MAX_PRICE_USD}`;
  if (b.volume > MAX_VOLUME) return `volume ${b.volume} is past ${MAX_VOLUME}`;
  return null;
}

/** A stocks-stream bar as the SDK hands it over (every field unchecked). */
export function barFromStream(raw: unknown): FeedBar | string {
  if (!isRecord(raw)) return `bar is ${show(raw)}, not an object`;
  const symbol = raw.symbol;
  if (typeof symbol !== "string" || !/\S/.test(symbol)) return `symbol ${show(symbol)} is missing or not a string`;
  const t = raw.timestamp;
  if (!(t instanceof Date) || Number.isNaN(t.getTime())) return `timestamp ${show(t)} is not a valid time`;
  // Field by field, no loop or spread: this runs for every bar of every frame before the bot acts.
  const open = raw.open;
  const high = raw.high;
  const low = raw.low;
  const close = raw.close;
  const volume = raw.volume;
  if (typeof open !== "number") return `open ${show(open)} is not a number`;
  if (typeof high !== "number") return `high ${show(high)} is not a number`;
  if (typeof low !== "number") return `low ${show(low)} is not a number`;
  if (typeof close !== "number") return `close ${show(close)} is not a number`;
  if (typeof volume !== "number") return `volume ${show(volume)} is not a number`;
  return { symbol, tMs: t.getTime(), open, high, low, close, volume };
}

/** A positive finite decimal from a trade update's string (or number) field, else NaN. */
function positive(v: unknown): number {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) ? Number(v) : NaN;
  return n > 0 && Number.isFinite(n) ? n : NaN;
}

/** Why a trade_updates message cannot reach the venue and the ledger, or null. */
export function tradeUpdateProblem(raw: unknown): string | null {
  if (!isRecord(raw)) return `update is ${show(raw)}, not an object`;
  const event = raw.event;
  if (typeof event !== "string" || !/^[a-z][a-z0-9_]{0,63}$/.test(event)) return `event ${show(event)} is not an event name`;
  const order = raw.order;
  if (!isRecord(order)) return `order is ${show(order)}, not an object`;
  const id = order.id;
  const coid = order.clientOrderId;
  const named = (x: unknown): boolean => typeof x === "string" && x.length > 0 && x.length <= 256;
  if (!named(id) && !named(coid)) return "order has neither an id nor a client_order_id";
  if (id !== undefined && id !== null && !named(id)) return `order id ${show(id)} is not a string`;
  if (coid !== undefined && coid !== null && !named(coid)) return `client_order_id ${show(coid)} is not a string`;
  if (raw.timestamp !== undefined && !(raw.timestamp instanceof Date && !Number.isNaN(raw.timestamp.getTime()))) return `timestamp ${show(raw.timestamp)} is not a valid time`;
  if (event !== "fill" && event !== "partial_fill") return null;
  if (raw.executionId !== undefined && raw.executionId !== null && !named(raw.executionId)) return `execution_id ${show(raw.executionId)} is not a string`;
  if (Number.isNaN(positive(raw.qty))) return `${event} qty ${show(raw.qty)} is not a positive number`;
  const price = positive(raw.price);
  if (Number.isNaN(price)) return `${event} price ${show(raw.price)} is not a positive number`;
  if (price > MAX_PRICE_USD) return `${event} price ${show(raw.price)} is past ${MAX_PRICE_USD}`;
  return null;
}

/**
 * Checks every message the daemon takes in, counts refusals by source and reason, and reports
 * them through `report`: each of the first `reportLimit` in full, then one in every 1000 with the
 * running count, so a feed gone bad cannot flood the journal.
 */
export class StreamInput {
  private readonly seq = { "stocks stream": 0, "trading stream": 0 };
  /** Refusals by source. */
  readonly rejected: Record<InputSource, number> = { "stocks stream": 0, "trading stream": 0, "REST bars": 0 };
  /** Refusals by reason (numbers folded, so reasons group). */
  readonly byReason = new Map<string, number>();
  /** Bars the stocks stream delivered that were refused (a lock-step driver counts them as delivered). */
  streamBarsRefused = 0;
  /** Trade updates of event types Alpaca does not document (yet), by type; taken, not refused. */
  readonly unknownEvents = new Map<string, number>();

  /** One plausibility gate per symbol (time range, price range, jumps from its last accepted close); none = unchecked. */
  private readonly gates: Map<string, PlausibilityGate> | null;

  constructor(
    private readonly symbols: ReadonlySet<string>,
    private readonly report: (r: InputRejection, total: number) => void,
    private readonly reportLimit = 50,
    /** Told of each undocumented event type the first time it arrives. */
    private readonly unknownEvent: (event: string, where: string) => void = () => undefined,
    /** The same plausibility limits the bar files are held to (src/data/plausibility.ts); the caller may move `maxTimeMs` on. */
    plausibility: PlausibilityLimits | null = null,
  ) {
    this.gates = plausibility === null ? null : new Map([...symbols].map((s) => [s, new PlausibilityGate(plausibility)]));
  }

  get total(): number {
    return this.rejected["stocks stream"] + this.rejected["trading stream"] + this.rejected["REST bars"];
  }

  /** A stocks-stream bar, or null when refused. */
  streamBar(raw: unknown): FeedBar | null {
    const n = ++this.seq["stocks stream"];
    const b = barFromStream(raw);
    let ok: FeedBar | null;
    if (typeof b === "string") {
      const s = isRecord(raw) && typeof raw.symbol === "string" ? raw.symbol : null;
      ok = this.refuse("stocks stream", `bar #${n}${s === null ? "" : ` of ${sym(s)}`}`, b, plain(s));
    } else ok = this.checked(b, "stocks stream", `bar #${n}`);
    if (ok === null) this.streamBarsRefused++;
    return ok;
  }

  /**
   * A daily bar (`d`) off the stocks stream, or null when refused: the same shape checks as a
   * minute bar, without the minute gate (a day's range is not a minute's jump). Not counted with
   * the minute bars a lock-step driver waits for.
   */
  streamDailyBar(raw: unknown): FeedBar | null {
    const n = ++this.seq["stocks stream"];
    const b = barFromStream(raw);
    if (typeof b !== "string") return this.checkedDaily(b, "stocks stream", `daily bar #${n}`);
    const s = isRecord(raw) && typeof raw.symbol === "string" ? raw.symbol : null;
    return this.refuse("stocks stream", `daily bar #${n}${s === null ? "" : ` of ${sym(s)}`}`, b, plain(s));
  }

  /** A daily bar fetched over REST (the restart's replay), or null when refused. */
  restDailyBar(b: FeedBar): FeedBar | null {
    return this.checkedDaily(b, "REST bars", "daily bar");
  }

  private checkedDaily(b: FeedBar, source: InputSource, what: string): FeedBar | null {
    if (!this.symbols.has(b.symbol)) return this.refuse(source, whereOf(b, what), `symbol ${show(b.symbol)} is not one the daemon trades`, plain(b.symbol));
    const problem = feedBarProblem(b);
    return problem === null ? b : this.refuse(source, whereOf(b, what), problem, b.symbol);
  }

  /** A bar fetched over REST (a backfill, the restart's replay), or null when refused. Symbol and time place it. */
  restBar(b: FeedBar): FeedBar | null {
    return this.checked(b, "REST bars", "bar");
  }

  /** A trade_updates message, or null when refused. */
  tradeUpdate(raw: unknown): TradeUpdateLike | null {
    const n = ++this.seq["trading stream"];
    const problem = tradeUpdateProblem(raw);
    if (problem === null) {
      const u = raw as TradeUpdateLike;
      if (!TRADE_UPDATE_EVENTS.has(u.event)) this.countUnknown(u, n);
      return u;
    }
    const order = isRecord(raw) && isRecord(raw.order) ? raw.order : {};
    const ref = [order.clientOrderId, order.id].find((x) => typeof x === "string");
    return this.refuse("trading stream", `update #${n}${ref === undefined ? "" : ` for order ${show(ref)}`}`, problem, null);
  }

  /**
   * The SDK could not decode or read a whole frame (it drops the frame and says so on its error
   * event): counted like a refused message. Other errors (network, auth) are not input: false.
   */
  frameError(source: "stocks stream" | "trading stream", message: string): boolean {
    if (!/^failed to (decode|process) message/.test(message)) return false;
    this.refuse(source, `frame after message #${this.seq[source]}`, message.length > 200 ? `${message.slice(0, 200)}...` : message, null);
    return true;
  }

  private countUnknown(u: TradeUpdateLike, n: number): void {
    const seen = this.unknownEvents.get(u.event);
    // Kinds bounded like the refusal reasons: a stream of endless new names cannot grow this without end.
    if (seen === undefined && this.unknownEvents.size >= MAX_REASON_KINDS) return;
    this.unknownEvents.set(u.event, (seen ?? 0) + 1);
    if (seen === undefined) this.unknownEvent(u.event, `update #${n} for order ${show(u.order.clientOrderId ?? u.order.id ?? "?")}`);
  }

  private checked(b: FeedBar, source: InputSource, what: string): FeedBar | null {
    // The good path allocates nothing (no closure for the message): it runs for every bar.
    if (!this.symbols.has(b.symbol)) return this.refuse(source, whereOf(b, what), `symbol ${show(b.symbol)} is not one the daemon trades`, plain(b.symbol));
    const problem = feedBarProblem(b) ?? this.gates?.get(b.symbol)?.check(b) ?? null;
    return problem === null ? b : this.refuse(source, whereOf(b, what), problem, b.symbol);
  }

  private refuse(source: InputSource, where: string, reason: string, symbol: string | null): null {
    this.rejected[source]++;
    // Quoted values and numbers folded, and the kinds bounded: a feed sending endless distinct
    // garbage must not grow this map without end.
    let key = `${source}: ${reason.replace(/"(?:[^"\\]|\\.)*"(\.\.\.)?/g, "'...'").replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, "N")}`;
    if (!this.byReason.has(key) && this.byReason.size >= MAX_REASON_KINDS) key = `${source}: other`;
    this.byReason.set(key, (this.byReason.get(key) ?? 0) + 1);
    const all = this.total;
    if (all <= this.reportLimit || all % 1000 === 0) this.report({ source, where, reason, symbol }, all);
    return null;
  }
}

function whereOf(b: FeedBar, what: string): string {
  return `${what} of ${sym(b.symbol)}${Number.isFinite(b.tMs) && Math.abs(b.tMs) <= 8.64e15 ? ` at ${new Date(b.tMs).toISOString()}` : ""}`;
}

import type { BarHistory } from "./bar-history.ts";
import { isOpenAt, minuteToHhmm, nextCloseMs, nextOpenMs, nextSession, sessionOf } from "../core/market-calendar.ts";
import { etDayToIso, isoToEtDay, NyTime } from "../core/ny-time.ts";
import { fillActivities } from "./activities.ts";
import { sessionsFromMinutes } from "./daily-replay.ts";
import type { Book, Position } from "./book.ts";
import { assetId, isCancelable, isOpen } from "./order-classes.ts";
import type { AlpacaOrder, ExBar, OrderRequest } from "./types.ts";
import { decimalValue, ERR, ExchangeError, numStr } from "./types.ts";

/** What the REST routes read: the book, the bars replayed so far, and the replay clock. */
export interface RestContext {
  readonly book: Book;
  /** Per symbol, the bars already replayed (never a future bar: REST must not leak the replay). */
  readonly history: BarHistory;
  /** Per symbol, the daily bars of sessions already closed (timeframe 1Day). */
  readonly dailyHistory?: BarHistory;
  readonly accountId: string;
}

export interface RestResult {
  readonly status: number;
  /** undefined means no body (204). */
  readonly body?: unknown;
}

const ny = new NyTime();

/** Routes one authenticated request. Throws ExchangeError for Alpaca-style failures. */
export function route(ctx: RestContext, method: string, url: URL, body: unknown): RestResult {
  const p = url.pathname;
  const q = url.searchParams;
  const { book } = ctx;
  if (method === "GET" && p === "/v2/account") return ok(account(ctx));
  if (method === "GET" && p === "/v2/account/activities") {
    const types = q.get("activity_types")?.split(",").map((s) => s.trim()).filter(Boolean);
    return ok(fillActivities(book.executions(), types?.length ? types : null, q));
  }
  if (method === "GET" && p.startsWith("/v2/account/activities/")) {
    return ok(fillActivities(book.executions(), [pathPart(p.slice("/v2/account/activities/".length))], q));
  }
  if (method === "GET" && p === "/v2/positions") return ok(book.allPositions().map((x) => position(book, x)));
  if (method === "DELETE" && p === "/v2/positions") return { status: 207, body: closeAll(book, q) };
  if (method === "DELETE" && p.startsWith("/v2/positions/")) {
    return ok(closePosition(book, pathPart(p.slice("/v2/positions/".length)).toUpperCase(), q));
  }
  if (method === "GET" && p.startsWith("/v2/positions/")) {
    const sym = pathPart(p.slice("/v2/positions/".length)).toUpperCase();
    const pos = book.position(sym);
    if (!pos) throw new ExchangeError(404, ERR.notFound, "position does not exist");
    return ok(position(book, pos));
  }
  if (method === "POST" && p === "/v2/orders") {
    if (typeof body !== "object" || body === null) throw new ExchangeError(422, ERR.invalid, "request body must be a JSON object");
    return ok(book.submit(body as OrderRequest));
  }
  if (method === "GET" && p === "/v2/orders") return ok(listOrders(book, q));
  if (method === "DELETE" && p === "/v2/orders") {
    // 207 Multi-Status: one entry per open order. Canceling an earlier order may already have
    // started canceling this one (its OCO peer); one already pending cancel is left to complete.
    const out = book.openOrderIds().map((id) => {
      const o = book.order(id);
      if (o && isCancelable(o)) book.cancel(id);
      return { id, status: 200 };
    });
    return { status: 207, body: out };
  }
  if (method === "GET" && p === "/v2/orders:by_client_order_id") {
    const o = book.orderByClientId(q.get("client_order_id") ?? "");
    if (!o) throw notFound();
    return ok(o);
  }
  if (p.startsWith("/v2/orders/")) {
    const id = pathPart(p.slice("/v2/orders/".length));
    if (method === "GET") {
      const o = book.order(id);
      if (!o) throw notFound();
      return ok(o);
    }
    if (method === "DELETE") {
      // 204 at once; the cancel completes later (see Book.cancel).
      book.cancel(id);
      return { status: 204 };
    }
    if (method === "PATCH") return ok(book.replace(id, body));
  }
  if (method === "GET" && p === "/v2/clock") return ok(clock(book.nowMs));
  if (method === "GET" && p === "/v2/calendar") return ok(calendar(q, book.nowMs));
  if (method === "GET" && p === "/v2/stocks/bars") return ok(stockBars(ctx, q));
  throw new ExchangeError(404, ERR.notFound, "endpoint not found");
}

/**
 * A %-decoded path segment. A malformed escape ("%E0%A4%A") is the client's error: 400 with
 * Alpaca's envelope, where decodeURIComponent's URIError used to surface as a 500 (issue 13, item 4).
 */
function pathPart(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ExchangeError(400, ERR.invalid, "malformed path: bad %-encoding");
  }
}

function ok(body: unknown): RestResult {
  return { status: 200, body };
}

function notFound(): ExchangeError {
  return new ExchangeError(404, ERR.notFound, "order not found");
}

function account(ctx: RestContext): Record<string, unknown> {
  const b = ctx.book;
  const equity = b.equityUsd();
  const long = equity - b.cashUsd;
  const bp = numStr(b.buyingPowerUsd());
  return {
    id: ctx.accountId, account_number: "PA0LOCAL0001", status: "ACTIVE", crypto_status: "INACTIVE", currency: "USD",
    cash: numStr(b.cashUsd), equity: numStr(equity), last_equity: numStr(b.lastEquity), portfolio_value: numStr(equity),
    buying_power: bp, regt_buying_power: bp, daytrading_buying_power: "0", non_marginable_buying_power: bp,
    effective_buying_power: bp, options_buying_power: "0", multiplier: "1", long_market_value: numStr(long), short_market_value: "0",
    position_market_value: numStr(long), initial_margin: "0", maintenance_margin: "0", last_maintenance_margin: "0", sma: "0",
    // The protection refuses the 4th day trade, so the account is never flagged (see rules/pattern-day-trader.ts).
    pattern_day_trader: false, daytrade_count: b.dayTradeCount(), trading_blocked: false, transfers_blocked: false, account_blocked: false,
    trade_suspended_by_user: false, shorting_enabled: false, accrued_fees: "0", pending_transfer_in: "0",
    created_at: "2024-01-01T00:00:00Z", balance_asof: etDayToIso(ny.etDay(b.nowMs)),
  };
}

function position(book: Book, x: Position): Record<string, unknown> {
  const px = book.price(x.symbol) ?? x.avgEntryUsd;
  const mv = x.qty * px;
  const cost = x.qty * x.avgEntryUsd;
  const pl = mv - cost;
  const plpc = cost > 0 ? pl / cost : 0;
  return {
    asset_id: assetId(x.symbol), symbol: x.symbol, exchange: "NASDAQ",
    asset_class: "us_equity", asset_marginable: false, avg_entry_price: numStr(x.avgEntryUsd), qty: String(x.qty),
    qty_available: String(x.qty), side: "long", market_value: numStr(mv), cost_basis: numStr(cost), unrealized_pl: numStr(pl),
    unrealized_plpc: numStr(plpc), unrealized_intraday_pl: numStr(pl), unrealized_intraday_plpc: numStr(plpc),
    current_price: numStr(px), lastday_price: numStr(px), change_today: "0",
  };
}

/**
 * GET /v2/orders as Alpaca's reference describes it: status open|closed|all (default open), limit
 * (default 50, at most 500: more is refused), after/until (exclusive bounds on submitted_at),
 * direction (by submission; default desc), nested, side, symbols. Paging past 500 goes by after
 * (asc) or until (desc); orders sharing a submission time straddle a page edge, so a client asks
 * from the last time seen again and drops ids it has.
 */
function listOrders(book: Book, q: URLSearchParams): AlpacaOrder[] {
  const bad = (m: string): ExchangeError => new ExchangeError(422, ERR.invalid, m);
  const status = q.get("status") ?? "open";
  if (status !== "open" && status !== "closed" && status !== "all") throw bad(`invalid status: ${status}`);
  const limitRaw = q.get("limit");
  const limit = limitRaw === null || limitRaw === "" ? 50 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1) throw bad(`invalid limit: ${limitRaw}`);
  if (limit > 500) throw bad("limit must be less than or equal to 500");
  const direction = q.get("direction") ?? "desc";
  if (direction !== "asc" && direction !== "desc") throw bad(`invalid direction: ${direction}`);
  const side = q.get("side");
  if (side !== null && side !== "" && side !== "buy" && side !== "sell") throw bad(`invalid side: ${side}`);
  const bound = (k: "after" | "until"): number => {
    const v = q.get(k);
    if (v === null || v === "") return k === "after" ? -Infinity : Infinity;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw bad(`invalid ${k}: ${v}`);
    return ms;
  };
  const after = bound("after");
  const until = bound("until");
  const symbols = q.get("symbols")?.split(",").map((x) => x.trim().toUpperCase()).filter(Boolean);
  const matches = (o: AlpacaOrder): boolean => status === "all" || (status === "open") === isOpen(o);
  const asc = book.allOrders().reverse();
  let out: AlpacaOrder[];
  if (q.get("nested") === "true") {
    // Rolled up as Alpaca does: legs only inside their parent, which is listed while any of the group matches.
    const legIds = new Set(asc.flatMap((o) => o.legs ?? []).map((l) => l.id));
    out = asc.filter((o) => !legIds.has(o.id) && (matches(o) || (o.legs ?? []).some(matches)));
  } else {
    out = asc.filter(matches).map((o) => ({ ...o, legs: null }));
  }
  out = out.filter((o) => {
    const t = Date.parse(o.submitted_at);
    return t > after && t < until && (!symbols?.length || symbols.includes(o.symbol)) && (!side || o.side === side);
  });
  if (direction === "desc") out.reverse();
  return out.slice(0, limit);
}

/**
 * DELETE /v2/positions/{symbol}: closes the position (all of it, `qty` shares, or `percentage`
 * of it) with a market sell and answers that order. It is an order like any other: held shares,
 * wash trades and the session rules apply.
 */
function closePosition(book: Book, symbol: string, q: URLSearchParams): AlpacaOrder {
  const pos = book.position(symbol);
  if (!pos) throw new ExchangeError(404, ERR.notFound, "position does not exist");
  const qtyRaw = q.get("qty");
  const pctRaw = q.get("percentage");
  if (qtyRaw && pctRaw) throw new ExchangeError(422, ERR.invalid, "only one of qty or percentage may be given");
  let qty = pos.qty;
  // Decimal strings only, as in order bodies (see decimalValue).
  if (qtyRaw) qty = decimalValue(qtyRaw);
  else if (pctRaw) {
    const pct = decimalValue(pctRaw);
    if (!(pct > 0 && pct <= 100)) throw new ExchangeError(422, ERR.invalid, `invalid percentage: ${pctRaw}`);
    // Whole shares only on this exchange: the fraction is rounded down.
    qty = Math.floor((pos.qty * pct) / 100);
  }
  if (!(Number.isInteger(qty) && qty > 0 && qty <= pos.qty)) throw new ExchangeError(422, ERR.invalid, `invalid qty: ${qtyRaw ?? qty}`);
  return book.submit({ symbol, qty: String(qty), side: "sell", type: "market", time_in_force: "day" });
}

/**
 * DELETE /v2/positions: every position closed as above; 207 with one `{symbol, status, body}` per
 * symbol. With `cancel_orders=true` open orders are canceled first, and those cancels complete at
 * once (the broker sequences its own liquidation) so their shares are free for the closing sells.
 */
function closeAll(book: Book, q: URLSearchParams): { symbol: string; status: number; body: unknown }[] {
  if (q.get("cancel_orders") === "true") {
    for (const id of book.openOrderIds()) {
      const o = book.order(id);
      if (o && isCancelable(o)) book.cancel(id);
    }
    book.completeCancels(book.drainCancelRequests());
  }
  return book.allPositions().map((p) => {
    try {
      return { symbol: p.symbol, status: 200, body: closePosition(book, p.symbol, new URLSearchParams()) };
    } catch (e) {
      if (!(e instanceof ExchangeError)) throw e;
      return { symbol: p.symbol, status: e.status, body: e.body() };
    }
  });
}

function clock(nowMs: number): Record<string, unknown> {
  return { timestamp: etIso(nowMs), is_open: isOpenAt(nowMs), next_open: etIso(nextOpenMs(nowMs)), next_close: etIso(nextCloseMs(nowMs)) };
}

/** Trading days only, with 13:00 closes (extended hours to 17:00) on early-close days. */
function calendar(q: URLSearchParams, nowMs: number): Record<string, string>[] {
  const start = parseDay(q.get("start")) ?? ny.etDay(nowMs);
  const end = parseDay(q.get("end")) ?? start + 30;
  const out: Record<string, string>[] = [];
  for (let d = start; d <= end && out.length < 1000; d++) {
    const s = sessionOf(d);
    if (!s) continue;
    const early = s.closeMinute < 960;
    out.push({
      date: etDayToIso(d), open: minuteToHhmm(s.openMinute), close: minuteToHhmm(s.closeMinute),
      session_open: "0400", session_close: early ? "1700" : "2000", settlement_date: etDayToIso(settlementDay(d)),
    });
  }
  return out;
}

/** T+1 since 2024-05-28, T+2 before. */
function settlementDay(etDay: number): number {
  let d = nextSession(etDay).etDay;
  if (etDay < T1_FROM) d = nextSession(d).etDay;
  return d;
}

const T1_FROM = isoToEtDay("2024-05-28");

interface PageToken {
  readonly offset: number;
}

function stockBars(ctx: RestContext, q: URLSearchParams): Record<string, unknown> {
  const symbols = (q.get("symbols") ?? "").split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (symbols.length === 0) throw new ExchangeError(422, ERR.invalid, "symbols is required");
  const tf = q.get("timeframe") ?? "";
  const isDay = /^1(Day|D)$/.test(tf);
  // Alpaca answers an unknown timeframe 422 {code:42210000,message:"invalid timeframe"} (alpacahq/Alpaca-API#178).
  // Valid Alpaca timeframes other than 1Min/1Day (5Min, 1Hour, ...) are refused here too: stricter, never kinder.
  if (!isDay && !/^1(Min|T)$/.test(tf)) throw new ExchangeError(422, ERR.unprocessable, `invalid timeframe: ${tf} (the local exchange serves 1Min and 1Day bars)`);
  // "unknown, empty, and repeated values still return 400" (Alpaca Market Data changelog 2026-11-02,
  // "adjustment on historical stock bars endpoints is now an enum array"); a repeated key too.
  const adjustments = q.getAll("adjustment");
  if (adjustments.length > 1 || (adjustments.length === 1 && !validAdjustment(adjustments[0]))) {
    throw new ExchangeError(400, ERR.invalid, `invalid adjustment: ${adjustments.join("&")}`);
  }
  const startMs = q.get("start") ? Date.parse(q.get("start") ?? "") : -Infinity;
  const endMs = q.get("end") ? Date.parse(q.get("end") ?? "") : Infinity;
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) throw new ExchangeError(422, ERR.invalid, "invalid start or end");
  const limit = Math.min(10_000, Math.max(1, Number(q.get("limit") ?? 1000) || 1000));
  // The limit is applied across all symbols, in symbol-then-time order; the token is the offset into that list.
  const token = q.get("page_token");
  let offset = 0;
  if (token) {
    try {
      offset = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as PageToken).offset;
    } catch {
      throw new ExchangeError(422, ERR.invalid, "invalid page_token");
    }
    if (!Number.isInteger(offset) || offset < 0) throw new ExchangeError(422, ERR.invalid, "invalid page_token");
  }
  const all: ExBar[] = [];
  for (const s of [...symbols].sort()) {
    for (const b of isDay ? dailyBars(ctx, s, startMs, endMs) : ctx.history.range(s, startMs, endMs)) all.push(b);
  }
  const page = all.slice(offset, offset + limit);
  const bars: Record<string, unknown[]> = {};
  for (const b of page) {
    (bars[b.symbol] ??= []).push({
      t: new Date(b.tMs).toISOString().replace(".000Z", "Z"), o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume,
      // Alpaca's trade count and vwap when the data has them; never invented.
      ...(b.tradeCount === undefined ? {} : { n: b.tradeCount }), ...(b.vwap === undefined ? {} : { vw: b.vwap }),
    });
  }
  const more = offset + limit < all.length;
  return { bars, next_page_token: more ? Buffer.from(JSON.stringify({ offset: offset + limit })).toString("base64url") : null };
}

const ADJUSTMENTS = new Set(["raw", "split", "dividend", "spin-off", "all"]);

/**
 * Alpaca's `adjustment`: a comma list of raw, split, dividend, spin-off, all (changelog 2026-11-02;
 * "split,spin-off" combines, changelog "Optionally adjust bars after spin-offs"), none empty or
 * repeated. The prices served are the data's own whatever the value: the bar files are raw
 * (src/data/splits.ts) and the daemon sends none (Alpaca's default is raw).
 */
function validAdjustment(v: string): boolean {
  const parts = v.split(",");
  return parts.every((p) => ADJUSTMENTS.has(p)) && new Set(parts).size === parts.length;
}

/**
 * 1Day bars: the daily data's own (sessions that have closed: a daily file has nothing to build a
 * bar so far from), or for a symbol with minute data only, its regular-session minutes consolidated,
 * the session in progress included with its minutes so far, as Alpaca serves today's bar during a
 * session (Alpaca serves 1Day for every symbol).
 */
function dailyBars(ctx: RestContext, symbol: string, startMs: number, endMs: number): ExBar[] {
  if (ctx.dailyHistory?.has(symbol)) return ctx.dailyHistory.range(symbol, startMs, endMs);
  return sessionsFromMinutes(ctx.history.range(symbol, startMs, endMs + 86_400_000), ctx.book.nowMs).filter((b) => b.tMs >= startMs && b.tMs <= endMs);
}

/**
 * A calendar bound is a date: the SDK sends `Date.toISOString()`, whose date part is the day the
 * caller meant (converting the instant to New York time would turn midnight UTC into the day before).
 */
function parseDay(s: string | null): number | null {
  const m = s ? /^(\d{4}-\d{2}-\d{2})/.exec(s) : null;
  if (!m) return null;
  return isoToEtDay(m[1]);
}

/** RFC-3339 with the New York offset, as Alpaca's clock reports. */
function etIso(tMs: number): string {
  const offMin = Math.round((ny.localMs(tMs) - tMs) / 60_000);
  const local = new Date(tMs + offMin * 60_000).toISOString().slice(0, 19);
  const sign = offMin < 0 ? "-" : "+";
  return `${local}${sign}${minuteToHhmm(Math.abs(offMin))}`;
}

import { isoToEtDay, NyTime } from "../core/ny-time.ts";
import type { Execution } from "./types.ts";
import { ERR, ExchangeError, numStr } from "./types.ts";

/**
 * GET /v2/account/activities/{type} and GET /v2/account/activities?activity_types=...: the only
 * activities this exchange has are FILLs (no dividends, fees or transfers), so every other type
 * answers an empty list.
 *
 * Paging as Alpaca documents it: `page_token` is the id of the last activity of the previous
 * page; with direction desc (the default) the next page ends before it, with asc it starts right
 * after it. `page_size` defaults to, and is capped at, 100 unless `date` is given (then all of the
 * day's activities come back). `after` and `until` bound `transaction_time` exclusively, per
 * Alpaca's wording ("after"/"before" this time); fills of one bar share a time, so a client that
 * resumes from its last fill's time should ask from slightly earlier and drop ids it has seen.
 */

/** An Alpaca FILL activity (numbers as strings). */
export interface FillActivity {
  readonly id: string;
  readonly activity_type: "FILL";
  readonly transaction_time: string;
  readonly type: "fill" | "partial_fill";
  readonly price: string;
  readonly qty: string;
  readonly side: string;
  readonly symbol: string;
  readonly leaves_qty: string;
  readonly cum_qty: string;
  readonly order_id: string;
  readonly order_status: string;
}

const MAX_PAGE = 100;
const ny = new NyTime();

/** `types`: the activity types asked for; null means all. */
export function fillActivities(execs: readonly Execution[], types: readonly string[] | null, q: URLSearchParams): FillActivity[] {
  const direction = q.get("direction") ?? "desc";
  if (direction !== "asc" && direction !== "desc") throw bad(`invalid direction: ${direction}`);
  const after = time(q, "after");
  const until = time(q, "until");
  const date = q.get("date");
  const day = date === null ? null : dayOf(date);
  const pageSize = size(q.get("page_size"), day !== null);
  if (types !== null && !types.some((t) => t.toUpperCase() === "FILL")) return [];

  // Recording order is not time order (a fill at one bar's open follows another symbol's fill at
  // the previous bar's end); a stable sort by time keeps recording order within a time.
  const sorted = [...execs].sort((a, b) => a.tMs - b.tMs);
  if (direction === "desc") sorted.reverse();
  let from = 0;
  const token = q.get("page_token");
  if (token) {
    const at = sorted.findIndex((e) => e.id === token);
    if (at < 0) throw bad("invalid page_token");
    from = at + 1;
  }
  const out: FillActivity[] = [];
  for (let i = from; i < sorted.length && out.length < pageSize; i++) {
    const e = sorted[i];
    if (e.tMs <= after || e.tMs >= until || (day !== null && ny.etDay(e.tMs) !== day)) continue;
    out.push(wire(e));
  }
  return out;
}

function wire(e: Execution): FillActivity {
  return {
    id: e.id, activity_type: "FILL", transaction_time: new Date(e.tMs).toISOString(), type: e.type,
    price: numStr(e.price), qty: String(e.qty), side: e.side, symbol: e.symbol,
    leaves_qty: String(e.leavesQty), cum_qty: String(e.cumQty), order_id: e.orderId, order_status: e.orderStatus,
  };
}

function time(q: URLSearchParams, name: "after" | "until"): number {
  const v = q.get(name);
  if (v === null || v === "") return name === "after" ? -Infinity : Infinity;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw bad(`invalid ${name}: ${v}`);
  return ms;
}

/** A `date` is a New York trading date; the SDK sends it as a full ISO time, so its date part is taken. */
function dayOf(v: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(v);
  if (!m) throw bad(`invalid date: ${v}`);
  return isoToEtDay(m[1]);
}

function size(v: string | null, wholeDay: boolean): number {
  if (v === null || v === "") return wholeDay ? Infinity : MAX_PAGE;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw bad(`invalid page_size: ${v}`);
  return wholeDay ? n : Math.min(n, MAX_PAGE);
}

function bad(message: string): ExchangeError {
  return new ExchangeError(422, ERR.invalid, message);
}

/**
 * A FILL activity id: the transaction time in New York as `YYYYMMDDHHMMSSmmm`, `::`, a uuid
 * (Alpaca docs, Account Activities: `20210127144930176::...` for 2021-01-27T19:49:30.176Z).
 */
export function activityId(tMs: number, uuid: string): string {
  return `${new Date(ny.localMs(tMs)).toISOString().replace(/\D/g, "").slice(0, 17)}::${uuid}`;
}

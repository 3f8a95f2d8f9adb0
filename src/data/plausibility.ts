import { closedReason, sessionOf } from "../core/market-calendar.ts";
import { etToUtcMs, NyTime } from "../core/ny-time.ts";

/**
 * Plausibility of a bar that is well formed (finite, positive, low <= open/close <= high): is it a
 * bar a US equity can have printed? One absurd bar (a price of 1e300, a time in 1970) otherwise
 * travels into fills, cash and sizing (issue 13, item 3). Pure: the caller supplies "now" in the
 * limits and the previous accepted bar; {@link PlausibilityGate} keeps that state per symbol.
 *
 * Reasons are a small fixed set of strings (no per-row numbers), so a RejectLog counts them by
 * reason without growing a key per row.
 */

/** The bounds a bar must fall within (see the `data.*` config keys). */
export interface PlausibilityLimits {
  /** Earliest accepted bar time, epoch ms (inclusive). */
  readonly minTimeMs: number;
  /** Latest accepted bar time, epoch ms (inclusive): "now" plus a day of slack for clocks and time zones. */
  readonly maxTimeMs: number;
  /** Labels of the two time bounds, for the reasons ("1990-01-01", "now + 1 day"). */
  readonly minTimeLabel: string;
  readonly maxTimeLabel: string;
  /** Lowest accepted price, USD (a low below it is refused). */
  readonly minPriceUsd: number;
  /** Highest accepted price, USD (a high above it is refused). */
  readonly maxPriceUsd: number;
  /** Largest move from the previous accepted close within one session: high/close or close/low above this is refused. */
  readonly maxJumpMultiple: number;
  /** The same across a session boundary (overnight, weekends, daily bars), where splits move raw prices. */
  readonly maxGapJumpMultiple: number;
  /** Refused jumps in a row that agree with one another before their level is adopted (0 = never). */
  readonly jumpConfirmBars: number;
  /** Refuse bars on days the market is closed or outside 04:00 to 4 hours after the close (New York). */
  readonly checkSessions: boolean;
}

/** The part of a bar the checks read. */
export interface PlausibleBarInput {
  readonly tMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

/** The previous accepted bar of the same symbol: its time and close. */
export interface PrevBar {
  readonly tMs: number;
  readonly close: number;
}

/** Which rule refused a bar. */
export type PlausibilityRule = "time" | "session" | "price" | "jump";

/** A refusal: the rule and a reason fit for a RejectLog. */
export interface PlausibilityIssue {
  readonly rule: PlausibilityRule;
  readonly reason: string;
}

/** The `data.*` config keys that set the limits. */
export interface PlausibilityConfig {
  readonly minBarDate: string;
  readonly maxFutureDays: number;
  readonly minPriceUsd: number;
  readonly maxPriceUsd: number;
  readonly maxJumpMultiple: number;
  readonly maxGapJumpMultiple: number;
  readonly jumpConfirmBars: number;
  readonly checkSessions: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Defaults of the `data.*` keys. Measured on /work/shared/data (raw, unadjusted prices): the largest
 * move within a session is x1.58 (GME, 2024-05-17 pre-market) and across sessions x20.6 (GOOGL's
 * 20:1 split; AMZN 20:1, WKHS and SPCE 1:20 reverse splits), so x10 within a session and x50
 * across one refuse no real bar and still stop a price off by orders of magnitude.
 */
export const DEFAULT_PLAUSIBILITY: PlausibilityConfig = {
  minBarDate: "1990-01-01",
  maxFutureDays: 1,
  minPriceUsd: 0.0001,
  maxPriceUsd: 1_000_000,
  maxJumpMultiple: 10,
  maxGapJumpMultiple: 50,
  jumpConfirmBars: 5,
  checkSessions: true,
};

/** The default limits at `nowMs`. */
export function defaultLimits(nowMs: number): PlausibilityLimits {
  return limitsFromConfig(DEFAULT_PLAUSIBILITY, nowMs);
}
/** Pre-market opens at 04:00 New York (Alpaca's extended-hours bars start there). */
const EXTENDED_OPEN_MINUTE = 240;
/** Post-market runs 4 hours past the close: 20:00, or 17:00 after a 13:00 early close. */
const POST_MARKET_MINUTES = 240;

/** The limits for a config at `nowMs` (the only place "now" enters). */
export function limitsFromConfig(c: PlausibilityConfig, nowMs: number): PlausibilityLimits {
  const minTimeMs = Date.parse(`${c.minBarDate}T00:00:00Z`);
  if (!Number.isFinite(minTimeMs)) throw new Error(`data.minBarDate is not a date: ${JSON.stringify(c.minBarDate)}`);
  return {
    minTimeMs,
    maxTimeMs: nowMs + c.maxFutureDays * DAY_MS,
    minTimeLabel: c.minBarDate,
    maxTimeLabel: `now + ${c.maxFutureDays} day${c.maxFutureDays === 1 ? "" : "s"}`,
    minPriceUsd: c.minPriceUsd,
    maxPriceUsd: c.maxPriceUsd,
    maxJumpMultiple: c.maxJumpMultiple,
    maxGapJumpMultiple: c.maxGapJumpMultiple,
    jumpConfirmBars: c.jumpConfirmBars,
    checkSessions: c.checkSessions,
  };
}

/**
 * What decides a loader's result besides the file's bytes, "now" left out: a cache of parsed files
 * is keyed by it, so changing a limit re-parses instead of serving rows checked by the old one.
 */
export function limitsTag(l: PlausibilityLimits | null): string {
  if (l === null) return "off";
  const s = [l.minTimeMs, l.minPriceUsd, l.maxPriceUsd, l.maxJumpMultiple, l.maxGapJumpMultiple, l.jumpConfirmBars, l.checkSessions ? 1 : 0].join("|");
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

const ny = new NyTime();

/** The extended session (UTC ms, [from, to)) of the last trading day a bar fell in: a pure cache. */
let okFromMs = 0;
let okToMs = 0;
/** The New York day (UTC ms, [from, to)) of the last bar a jump was checked for. */
let dayFromMs = 0;
let dayToMs = 0;

/** Whether two times fall on different New York days (`b` is the later bar). */
function acrossDays(aMs: number, bMs: number): boolean {
  if (!(bMs >= dayFromMs && bMs < dayToMs)) {
    const d = ny.etDay(bMs);
    dayFromMs = etToUtcMs(d, 0);
    dayToMs = etToUtcMs(d + 1, 0);
  }
  return aMs < dayFromMs || aMs >= dayToMs;
}

/**
 * Why the session rule refuses a bar at `tMs`, or null. A bar stamped at midnight (UTC or New York)
 * may be a daily bar, labelled with its date (this data's daily bars sit at 00:00Z, Alpaca's REST
 * ones at 00:00 New York); it passes when either reading (that date trades, or the minute is in
 * an extended session) does.
 */
function sessionProblem(tMs: number): string | null {
  // Bars come in time order, so most fall in the session window found for the bar before.
  if (tMs >= okFromMs && tMs < okToMs) return null;
  const etDay = ny.etDay(tMs);
  const closed = closedReason(etDay);
  if (closed === null) {
    const from = etToUtcMs(etDay, EXTENDED_OPEN_MINUTE);
    const to = etToUtcMs(etDay, sessionOf(etDay)!.closeMinute + POST_MARKET_MINUTES);
    if (tMs >= from && tMs < to) {
      okFromMs = from;
      okToMs = to;
      return null;
    }
  }
  // A date-stamped (daily) bar: its date decides.
  const utcMidnight = tMs % DAY_MS === 0;
  const nyMidnight = tMs % 60_000 === 0 && ny.etMinute(tMs) === 0;
  if (utcMidnight || nyMidnight) {
    const dateClosed = utcMidnight ? closedReason(Math.round(tMs / DAY_MS)) : closed;
    return dateClosed === null ? null : `market closed (${dateClosed})`;
  }
  return closed !== null ? `market closed (${closed})` : "outside extended hours (04:00 to 4 h after the close, New York)";
}

/** A jump from `prev` to `bar` beyond the limit for the gap between them, or null. */
export function jumpProblem(prev: PrevBar, bar: PlausibleBarInput, l: PlausibilityLimits): string | null {
  const across = acrossDays(prev.tMs, bar.tMs);
  const limit = across ? l.maxGapJumpMultiple : l.maxJumpMultiple;
  const move = Math.max(bar.high / prev.close, prev.close / bar.low);
  if (!(move > limit)) return null;
  return across ? `jump over x${limit} from the previous close, across sessions` : `jump over x${limit} from the previous close, within a session`;
}

/**
 * Checks one well-formed bar against the limits and the previous accepted bar of its symbol (null
 * for the first). Rules in order: time range, session (calendar), price range, jump.
 */
export function checkBarIssue(prev: PrevBar | null, bar: PlausibleBarInput, l: PlausibilityLimits): PlausibilityIssue | null {
  if (bar.tMs < l.minTimeMs) return { rule: "time", reason: `timestamp before ${l.minTimeLabel}` };
  if (bar.tMs > l.maxTimeMs) return { rule: "time", reason: `timestamp after ${l.maxTimeLabel}` };
  if (l.checkSessions) {
    const s = sessionProblem(bar.tMs);
    if (s !== null) return { rule: "session", reason: s };
  }
  if (bar.low < l.minPriceUsd) return { rule: "price", reason: `price below $${l.minPriceUsd}` };
  if (bar.high > l.maxPriceUsd) return { rule: "price", reason: `price above $${l.maxPriceUsd}` };
  if (prev !== null) {
    const j = jumpProblem(prev, bar, l);
    if (j !== null) return { rule: "jump", reason: j };
  }
  return null;
}

/**
 * The one shared check: `null` when the bar is plausible, else why not. For the loaders, the stream
 * input, the REST backfill and the exchange alike.
 */
export function checkBar(prev: PrevBar | null, bar: PlausibleBarInput, limits: PlausibilityLimits): string | null {
  return checkBarIssue(prev, bar, limits)?.reason ?? null;
}

/**
 * One symbol's running check: remembers the last accepted bar, and adopts a new price level once
 * `jumpConfirmBars` refused jumps in a row agree with one another (a reverse split larger than the
 * limit), so one level change costs a few bars rather than the rest of the file. A lone spike is
 * refused and never becomes the reference.
 */
export class PlausibilityGate {
  private prev: PrevBar | null = null;
  private pending: PrevBar | null = null;
  private pendingRun = 0;
  /** Bars refused, by rule. */
  readonly refusedByRule: Record<PlausibilityRule, number> = { time: 0, session: 0, price: 0, jump: 0 };

  constructor(readonly limits: PlausibilityLimits) {}

  /** Null when accepted (it becomes the reference), else the reason. */
  check(bar: PlausibleBarInput): string | null {
    const issue = checkBarIssue(this.prev, bar, this.limits);
    if (issue === null) {
      this.accept(bar);
      return null;
    }
    if (issue.rule === "jump") {
      const continues = this.pending !== null && jumpProblem(this.pending, bar, this.limits) === null;
      this.pendingRun = continues ? this.pendingRun + 1 : 1;
      this.pending = { tMs: bar.tMs, close: bar.close };
      if (this.limits.jumpConfirmBars > 0 && this.pendingRun >= this.limits.jumpConfirmBars) {
        this.accept(bar);
        return null;
      }
    }
    this.refusedByRule[issue.rule]++;
    return issue.reason;
  }

  private accept(bar: PlausibleBarInput): void {
    this.prev = { tMs: bar.tMs, close: bar.close };
    this.pending = null;
    this.pendingRun = 0;
  }
}

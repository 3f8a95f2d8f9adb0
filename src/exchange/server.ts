import { BarHistory } from "./bar-history.ts";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { correctionOf, rejectPicker } from "./knobs.ts";
import { Book } from "./book.ts";
import type { MinuteBars } from "./replay.ts";
import { MinuteCursor } from "./replay.ts";
import { closedDayBars, DailyCursor, RunningDailyBars, type SessionBars } from "./daily-replay.ts";
import type { SavedExchange } from "./persist.ts";
import { BookStore, checkReplay, ReplayTally } from "./persist.ts";
import type { RestResult } from "./rest.ts";
import { route } from "./rest.ts";
import { StockStreamHub, TradingStreamHub } from "./streams.ts";
import { FillGate } from "./fill-gate.ts";
import type { ExBar, TradeUpdate } from "./types.ts";
import { ExchangeError } from "./types.ts";

export type { Exchange, ExchangeOptions, FrameFault, RestFault, StreamHubName } from "./server-types.ts";
import type { Exchange, ExchangeOptions, RestFault } from "./server-types.ts";

const MAX_BODY_BYTES = 1 << 20;
/** Default websocket frame limit (ExchangeOptions.maxFrameBytes). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
const STOCK_PATHS = new Set(["/v2/iex", "/v2/sip", "/v2/delayed_sip"]);

export async function startExchange(opts: ExchangeOptions): Promise<Exchange> {
  const host = opts.host ?? "127.0.0.1";
  if (host !== "127.0.0.1") throw new Error(`the local exchange binds 127.0.0.1 only, not ${String(host)}`);
  if (opts.speed !== "max" && !(opts.speed > 0)) throw new Error(`speed must be "max" or a positive number, got ${opts.speed}`);
  const corrections = opts.correctionFraction ? { fraction: opts.correctionFraction, seed: opts.correctionSeed ?? 1 } : undefined;
  const cursor = new MinuteCursor(opts.bars);
  let upcoming: MinuteBars | null = cursor.next();
  const history = new BarHistory(cursor.symbols);
  const daily = new DailyCursor(opts.dailyBars ?? []);
  const dailyHistory = new BarHistory(daily.symbols);
  const running = new RunningDailyBars();
  // Sessions closed before the replay starts: history REST serves, never replayed (also on a resume, before the re-walk).
  const historyUntil = opts.dailyHistoryUntilMs ?? -Infinity;
  while (daily.peekCloseMs() <= historyUntil) for (const b of (daily.next() as SessionBars).bars) dailyHistory.push(b);
  // Symbols with daily bars and no minute bars trade on their daily bars (see stepSession).
  const minuteSymbols = new Set(cursor.symbols);
  const allSymbols = [...cursor.symbols, ...daily.symbols.filter((s) => !minuteSymbols.has(s))];
  const log = opts.log ?? ((line: string): void => void process.stderr.write(`${line}\n`));
  const fillGate = new FillGate(opts.plausibility, log);
  const offDays = closedDayBars(opts.dailyBars ?? []);
  if (offDays > 0) log(`${offDays} daily bars are dated days the NYSE is closed (e.g. a Saturday's after-hours trading): skipped, they fill nothing and are not served`);
  const tally = new ReplayTally();
  let store: BookStore | null = null;
  let saved: SavedExchange | null = null;
  try {
    if (opts.persistFile) {
      const fingerprint = {
        symbols: cursor.symbols, firstBarMs: upcoming?.tMs ?? null, initialCashUsd: opts.initialCashUsd,
        frictionPctRoundTrip: opts.frictionPctRoundTrip, partialFill: opts.partialFill ?? null,
      };
      let warnings: readonly string[];
      ({ store, saved, warnings } = BookStore.open(opts.persistFile, fingerprint, { compactBytes: opts.compactBytes }));
      for (const w of warnings) log(w);
    }
    if (saved) {
      // Resume right after the saved clock: re-walk the replayed minutes (rebuilding the REST bar
      // history) and prove they are the bars that were saved.
      const last = saved.replay.lastMinuteMs ?? -Infinity;
      for (;;) {
        const dueMs = daily.peekCloseMs();
        if (upcoming && upcoming.tMs < dueMs && upcoming.tMs <= last) {
          for (const b of upcoming.bars) history.push(correctionOf(b, corrections) ?? b);
          // The gate's per-symbol reference is rebuilt from the same bars, quietly (they were logged the first time).
          fillGate.replay(upcoming.bars);
          tally.add(upcoming);
          upcoming = cursor.next();
        } else if (dueMs <= last) {
          const s = daily.next() as SessionBars;
          for (const b of s.bars) dailyHistory.push(b);
          tally.add({ tMs: s.closeMs, bars: s.bars });
        } else break;
      }
      checkReplay(opts.persistFile ?? "", saved.replay, tally.state(false));
    }
  } catch (e) {
    cursor.close();
    store?.close();
    throw e;
  }
  const bookOpts = {
    initialCashUsd: opts.initialCashUsd,
    frictionPctRoundTrip: opts.frictionPctRoundTrip,
    symbols: allSymbols,
    partialFill: opts.partialFill,
    ...opts.rules,
    rejectAfterAccept: rejectPicker(opts.rejectAfterAccept),
    brokerEnd: opts.brokerCancel,
    // Alpaca values a market buy off the last trade; before a symbol's first bar, its coming open stands in for it.
    referencePrice: (sym: string) => fillGate.inRange(upcoming?.bars.find((b) => b.symbol === sym)?.open),
    // Orders placed before the first step arrive at the first bar's start, so it can fill them: the
    // first minute's or the first daily session's open, whichever is first (daily files usually
    // start sessions before the minute data does; the clock must not start at the minutes').
    startMs: firstOf(upcoming?.tMs ?? Infinity, opts.dailyBars?.length ? daily.peekSessionOpenMs() : Infinity),
  };
  const book = saved ? Book.restore(bookOpts, saved.content) : new Book(bookOpts);
  const keys = { keyId: opts.keyId, secretKey: opts.secretKey };
  const frames = { refused: 0 };
  const stocks = new StockStreamHub(keys, { authTimeoutMs: opts.authTimeoutMs ?? 10_000, maxSymbols: opts.maxSymbolsPerConnection ?? 1000 }, frames);
  const trading = new TradingStreamHub(keys, frames);
  const ctx = { book, history, dailyHistory, accountId: saved?.accountId ?? randomUUID() };
  store?.attach(book);
  // Trade updates wait here until the state that produced them is on disk (see commit).
  const pending: TradeUpdate[] = [];
  book.onUpdate((u) => {
    pending.push(u);
    if (u.event === "new" && opts.extraEvent) pending.push({ ...u, event: opts.extraEvent, execution_id: undefined });
  });
  let fillsPublished = 0;
  let barsPublished = 0;
  let dailyBarsPublished = 0;
  const dailyPublishedBySymbol = new Map<string, number>();

  const timers = new Set<NodeJS.Timeout>();
  function later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }
  /** Cancels requested (and rejections decided) since the last commit complete later, on the wall clock. */
  function scheduleCancels(): void {
    const ids = book.drainCancelRequests();
    if (ids.length > 0) later(opts.cancelDelayMs ?? 0, () => (book.completeCancels(ids), commit()));
    const doomed = book.drainRejectRequests();
    if (doomed.length > 0) later(opts.rejectDelayMs ?? 0, () => (book.completeRejects(doomed), commit()));
  }
  /** Publishes a trade update, `streamLagMs` late when the knob is set (timers of one delay keep their order). */
  function publishUpdate(u: TradeUpdate): void {
    if (opts.streamLagMs) later(opts.streamLagMs, () => trading.publish(u));
    else trading.publish(u);
  }

  /** Disk first, then the wire: no client hears of a state a SIGKILL could still lose. */
  function commit(): void {
    scheduleCancels();
    store?.save(book, ctx.accountId, tally.state(upcoming === null && daily.peekCloseMs() === Infinity));
    for (const u of pending.splice(0)) {
      if (u.event === "fill" || u.event === "partial_fill") fillsPublished++;
      publishUpdate(u);
      const f = opts.frameFault?.("trade_updates") ?? null;
      if (f === "duplicate") publishUpdate(u);
      else if (f === "stale" && lastUpdate !== null) publishUpdate(lastUpdate);
      lastUpdate = u;
    }
  }
  let lastUpdate: TradeUpdate | null = null;
  let lastBars: readonly ExBar[] | null = null;
  /**
   * A minute's bars count once, heard or not (a client gets missed ones by REST); a repeated frame
   * counts only when someone got it, as a lock-step client counts what it drops as a repeat.
   */
  function publishBars(bars: readonly ExBar[]): void {
    stocks.publish(bars);
    barsPublished += bars.length;
    const f = opts.frameFault?.("bars") ?? null;
    const again = f === "duplicate" ? bars : f === "stale" ? lastBars : null;
    if (again !== null && stocks.publish(again) > 0) barsPublished += again.length;
    lastBars = bars;
  }
  commit();

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => reply(res, 500, { code: 50010000, message: (e as Error).message }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers["apca-api-key-id"] !== opts.keyId || req.headers["apca-api-secret-key"] !== opts.secretKey) {
      return reply(res, 401, { message: "unauthorized." });
    }
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://127.0.0.1");
    } catch {
      return reply(res, 400, { code: 40010001, message: "malformed request target" });
    }
    const fault = opts.restFault?.({ method: req.method ?? "GET", path: url.pathname }) ?? null;
    if (fault?.when === "before" && fault.status !== undefined) return replyFault(res, fault);
    let body: unknown = undefined;
    if (req.method === "POST" || req.method === "PATCH") {
      const raw = await readBody(req);
      if (raw === null) return reply(res, 413, { code: 40010001, message: "request body too large" });
      try {
        body = raw.length ? JSON.parse(raw) : {};
      } catch {
        // Alpaca answers a body that is not JSON with 400 (API reference: 400 "malformed request").
        return reply(res, 400, { code: 40010001, message: "malformed json" });
      }
    }
    let r: RestResult;
    try {
      r = route(ctx, req.method ?? "GET", url, body);
    } catch (e) {
      if (!(e instanceof ExchangeError)) {
        if (pending.length > 0) commit();
        throw e;
      }
      r = { status: e.status, body: e.body() };
    }
    // Every mutation emits a trade update, so pending updates mean this request changed the book.
    if (pending.length > 0) commit();
    if (fault !== null && fault.status !== undefined) return replyFault(res, fault);
    if (fault?.delayMs) await sleep(fault.delayMs);
    reply(res, r.status, r.body);
  }

  // Alpaca's client messages are tiny (auth, subscribe, listen): ws's default 100 MiB frame limit let
  // one client push the process to 660 MB (issue 13, item 4). A bigger frame closes its connection (1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
  server.on("upgrade", (req, socket, head) => {
    let path = "";
    try {
      path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    } catch {
      // An unparsable target is no stream: destroyed below like any unknown path.
    }
    const hub = path === "/stream" ? trading : STOCK_PATHS.has(path) ? stocks : null;
    if (!hub) {
      socket.destroy();
      return;
    }
    // The stocks stream speaks msgpack only to clients that ask for it (the SDK's upgrade carries Content-Type: application/msgpack), JSON otherwise.
    const msgpack = /application\/msgpack/i.test(req.headers["content-type"] ?? "");
    wss.handleUpgrade(req, socket, head, (ws) => (hub === stocks ? stocks.accept(ws, msgpack) : trading.accept(ws)));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  /**
   * One minute, in the order a real venue produces it: orders fill during the minute (their trade
   * updates go out then), and the minute's bar is published when it closes.
   */
  /** A minute whose fills went out and whose bars wait for publishHeld (stepFills). */
  let held: { readonly m: MinuteBars; readonly corrected: readonly (ExBar | null)[] } | null = null;

  function stepOne(hold = false): boolean {
    publishHeld();
    const m = upcoming;
    const dueMs = daily.peekCloseMs();
    if (dueMs !== Infinity && (m === null || dueMs <= m.tMs)) return stepSession(daily.next() as SessionBars);
    if (!m) return false;
    // A session with minute bars of other symbols: its daily-only symbols' orders fill at its open,
    // before its first minute moves the clock past the open (and its close expires them).
    const s = daily.peek();
    if (s !== null && s.openMs <= m.tMs && openedDay !== s.etDay) openSession(s, true);
    book.advanceTo(m.tMs);
    const endMs = m.tMs + 60_000;
    // An implausible bar (issue 13, item 3) fills nothing and never becomes a last price; it is still published, as a venue's feed would carry it.
    for (const b of m.bars) if (fillGate.admit(b)) book.onBar(b, endMs);
    book.advanceTo(endMs);
    const corrected = m.bars.map((b) => correctionOf(b, corrections));
    m.bars.forEach((b, i) => history.push(corrected[i] ?? b));
    if (store) tally.add(m);
    upcoming = cursor.next();
    commit();
    if (hold) held = { m, corrected };
    else publishMinute(m, corrected);
    return true;
  }

  function publishHeld(): void {
    const h = held;
    held = null;
    if (h !== null) publishMinute(h.m, h.corrected);
  }

  /** The minute's bars, once it has ended: its bars (`b`), corrections (`u`) and running daily bars (`d`). */
  function publishMinute(m: MinuteBars, corrected: readonly (ExBar | null)[]): void {
    publishBars(m.bars);
    const updated = corrected.filter((b): b is ExBar => b !== null);
    if (updated.length > 0) stocks.publish(updated, "u");
    // Right after the minute mark: the session's daily bar so far (Alpaca's running `d`).
    const sofar = m.bars.map((b) => running.add(b)).filter((b): b is ExBar => b !== null);
    if (sofar.length > 0) stocks.publish(sofar, "d");
    opts.onMinute?.(m.bars.length);
  }

  /**
   * One session of the daily bars, at its close. Symbols that have only daily bars trade on them:
   * the book moves to the open (orders queued overnight are routed: Alpaca queues a day order
   * sent after the close for the next session, see rules/session.ts), the daily bar fills them
   * (market orders at its open), and the clock moves to the close (day orders expire). Then the
   * session's final daily bars go out as `d`, and REST serves them as 1Day from now on.
   */
  function stepSession(s: SessionBars): boolean {
    // No running `d` at the open: the session's close (and its final `d`) follows at once.
    if (openedDay !== s.etDay) openSession(s, false);
    book.advanceTo(s.closeMs);
    // The session's close is now the latest trade of its daily-only symbols (see openSession).
    for (const b of s.bars) if (!minuteSymbols.has(b.symbol)) book.markLast(b.symbol, b.close);
    for (const b of s.bars) dailyHistory.push(b);
    if (store) tally.add({ tMs: s.closeMs, bars: s.bars });
    commit();
    stocks.publish(s.bars, "d");
    countDaily(s.bars);
    return true;
  }

  /** The session whose daily-only symbols' open has been filled (once per session). */
  let openedDay = -1;
  /** The open of a session for the symbols that have only daily bars: their queued orders fill on the daily bar. */
  function openSession(s: SessionBars, publishOpen: boolean): void {
    openedDay = s.etDay;
    const own = s.bars.filter((b) => !minuteSymbols.has(b.symbol));
    if (own.length === 0) return;
    book.advanceTo(s.openMs);
    // The book fills by the bar's start: a daily bar starts at the open as far as fills go, and
    // its fills are stamped there (a daily bar has no minutes to place a fill inside it).
    for (const b of own) book.onBar({ ...b, tMs: s.openMs }, s.openMs);
    // Alpaca marks a position at its latest trade. Of a daily-only symbol only the open has traded
    // yet: marking at the bar's close (as onBar leaves it) would value the account on a price
    // nobody knows before the close. The engine marks such a position at the open too (DailyBarQueue).
    for (const b of own) book.markLast(b.symbol, b.open);
    // Alpaca's running `d` "contains all trades until the time it was emitted": at the open, the
    // opening trade alone. It is how a client learns the open of a symbol it has no minute bars of.
    if (!publishOpen) return;
    // Counted with the daily bars published, since a lock-step driver counts every `d` it hears of them.
    stocks.publish(own.map((b) => ({ ...b, high: b.open, low: b.open, close: b.open, volume: 0 })), "d");
    countDaily(own);
  }

  function countDaily(bars: readonly ExBar[]): void {
    dailyBarsPublished += bars.length;
    for (const b of bars) dailyPublishedBySymbol.set(b.symbol, (dailyPublishedBySymbol.get(b.symbol) ?? 0) + 1);
  }

  let timer: NodeJS.Timeout | null = null;
  let immediate: NodeJS.Immediate | null = null;
  let playing: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  function halt(error?: unknown): void {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = null;
    immediate = null;
    if (error === undefined) playing?.resolve();
    else playing?.reject(error);
    playing = null;
  }

  const exchange: Exchange = {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    book,
    get nowMs() {
      return book.nowMs;
    },
    get done() {
      return upcoming === null && daily.peekCloseMs() === Infinity;
    },
    resumed: saved !== null,
    get fillsPublished() {
      return fillsPublished;
    },
    get barsPublished() {
      return barsPublished;
    },
    get dailyBarsPublished() {
      return dailyBarsPublished;
    },
    dailyBarsPublishedOf(symbols) {
      let n = 0;
      for (const s of symbols) n += dailyPublishedBySymbol.get(s) ?? 0;
      return n;
    },
    get barsRefused() {
      return fillGate.refused;
    },
    get framesRefused() {
      return frames.refused;
    },
    brokerCancel(orderId, status = "canceled") {
      book.brokerEnd(orderId, status);
      commit();
    },
    dropStreams(which) {
      if (which !== "trading") stocks.dropAll();
      if (which !== "stocks") trading.dropAll();
    },
    stepBars(n = 1) {
      let k = 0;
      while (k < n && stepOne()) k++;
      publishHeld();
      return k;
    },
    stepFills() {
      return stepOne(true);
    },
    publishHeld,
    play() {
      if (playing) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        playing = { resolve, reject };
        // "max" still yields to the event loop (setImmediate) between minutes, so REST calls and
        // socket writes interleave with the replay instead of waiting for it to end.
        const delay = opts.speed === "max" ? 0 : 60_000 / opts.speed;
        const tick = (): void => {
          timer = null;
          immediate = null;
          let more: boolean;
          try {
            more = stepOne();
          } catch (e) {
            // A failed save must stop the replay: going on would hand out state a restart loses.
            return halt(e);
          }
          if (!more) return halt();
          if (opts.speed === "max") immediate = setImmediate(tick);
          else timer = setTimeout(tick, delay);
        };
        timer = setTimeout(tick, delay);
      });
    },
    pause() {
      halt();
    },
    async close() {
      // Nothing to flush: every mutation was saved when it happened.
      exchange.pause();
      for (const t of timers) clearTimeout(t);
      stocks.dropAll();
      trading.dropAll();
      cursor.close();
      store?.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  if (opts.autoPlay) void exchange.play();
  return exchange;
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An injected failure's answer, in Alpaca's envelope. */
async function replyFault(res: ServerResponse, f: RestFault): Promise<void> {
  if (f.delayMs) await sleep(f.delayMs);
  const status = f.status ?? 500;
  const message = f.message ?? (status === 429 ? "rate limit exceeded" : "internal server error (injected fault)");
  reply(res, status, { code: f.code ?? (status === 429 ? 42910000 : 50010000), message }, f.retryAfterS !== undefined ? { "retry-after": String(f.retryAfterS) } : {});
}

/** The request body as text, or null when it exceeds the limit. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The earlier of two instants, 0 when neither is set. */
function firstOf(a: number, b: number): number {
  const t = Math.min(a, b);
  return Number.isFinite(t) ? t : 0;
}

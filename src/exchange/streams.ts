import { decode, encode } from "@msgpack/msgpack";
import type { RawData, WebSocket } from "ws";
import type { ExBar, TradeUpdate } from "./types.ts";

/** Credentials both streams check against. */
export interface StreamKeys {
  readonly keyId: string;
  readonly secretKey: string;
}

/** Limits of the market-data stream's input. */
export interface StockStreamLimits {
  /** Close a connection that has not authenticated within this (Alpaca: about 10 s). */
  readonly authTimeoutMs: number;
  /** Symbols one connection may hold across all its lists (Alpaca refuses more with error 405). */
  readonly maxSymbols: number;
}

/**
 * The largest frame decoded before a connection has authenticated. Alpaca's auth message is
 * `{action:"auth",key,secret}` (Real-time Stock Data), well under 1 KiB; nothing bigger is decoded
 * from a client that has not proved it holds the keys.
 */
export const MAX_AUTH_FRAME_BYTES = 1024;

/** Client frames a hub ignored (garbage, not an object, oversized before auth, unknown action), by hub. */
export interface FrameTally {
  refused: number;
}

const LISTS = ["trades", "quotes", "bars", "updatedBars", "dailyBars", "statuses", "lulds", "corrections", "cancelErrors"] as const;
type ListName = (typeof LISTS)[number];

interface StockClient {
  authed: boolean;
  /** Frames as binary msgpack (the client's upgrade asked for application/msgpack) or JSON text. */
  msgpack: boolean;
  subs: Record<ListName, Set<string>>;
}

/**
 * The stocks market-data stream (/v2/iex, /v2/sip), as Alpaca's "Real-time Stock Data" docs
 * describe it: JSON text frames unless the upgrade request carried `Content-Type:
 * application/msgpack` (the SDK's does), then binary msgpack; authentication within
 * `authTimeoutMs` or `{T:"error",code:404,msg:"auth timeout"}` and close; one connection per key
 * (a second one is told `{T:"error",code:406,msg:"connection limit exceeded"}` and closed). Bars
 * (`b`) and corrections (`u`, updatedBars) are published; other lists are accepted and
 * acknowledged so the SDK's local lists stay in sync with the ack it overwrites them with.
 */
export class StockStreamHub {
  private readonly clients = new Map<WebSocket, StockClient>();

  constructor(
    private readonly keys: StreamKeys,
    private readonly limits: StockStreamLimits = { authTimeoutMs: 10_000, maxSymbols: 1000 },
    /** Counts what was ignored; the server shares one tally between both hubs. */
    readonly tally: FrameTally = { refused: 0 },
  ) {}

  accept(ws: WebSocket, msgpack: boolean): void {
    const subs = Object.fromEntries(LISTS.map((k) => [k, new Set<string>()])) as Record<ListName, Set<string>>;
    const c: StockClient = { authed: false, msgpack, subs };
    this.clients.set(ws, c);
    const timer = setTimeout(() => {
      if (c.authed) return;
      send(ws, c, [{ T: "error", code: 404, msg: "auth timeout" }]);
      ws.close(1008, "auth timeout");
    }, this.limits.authTimeoutMs);
    ws.on("close", () => {
      clearTimeout(timer);
      this.clients.delete(ws);
    });
    ws.on("message", (data: RawData, isBinary: boolean) => this.onMessage(ws, c, data, isBinary));
    ws.on("error", () => countError(this.tally));
    send(ws, c, [{ T: "success", msg: "connected" }]);
  }

  /**
   * Publishes one minute's bars (`T` "b") or corrections of bars already published (`T` "u",
   * to `updatedBars` subscribers): one frame per client. Returns how many clients got a frame.
   */
  publish(bars: readonly ExBar[], T: "b" | "u" | "d" = "b"): number {
    let sent = 0;
    for (const [ws, c] of this.clients) {
      if (!c.authed) continue;
      const list = T === "b" ? c.subs.bars : T === "u" ? c.subs.updatedBars : c.subs.dailyBars;
      const all = list.has("*");
      const msgs = bars.filter((b) => all || list.has(b.symbol)).map((b) => barMessage(b, T, c.msgpack));
      if (msgs.length > 0 && send(ws, c, msgs)) sent++;
    }
    return sent;
  }

  /** Cuts every current connection without a close handshake, as a network failure would; clients may reconnect. */
  dropAll(): void {
    for (const ws of this.clients.keys()) ws.terminate();
    this.clients.clear();
  }

  private onMessage(ws: WebSocket, c: StockClient, data: RawData, isBinary: boolean): void {
    const buf = toBuffer(data);
    // Authentication before decoding: an unauthenticated client gets nothing bigger than an auth
    // message decoded (issue 13, item 4: a 40 MB msgpack frame was decoded before the key check).
    if (!c.authed && buf.length > MAX_AUTH_FRAME_BYTES) return this.refuse(ws, c, 401, "not authenticated");
    let msg: unknown;
    try {
      // The SDK sends msgpack; a hand-written client may send JSON text, which is accepted too.
      msg = isBinary ? decode(buf) : JSON.parse(buf.toString("utf8"));
    } catch {
      return this.refuse(ws, c, 400, "invalid syntax");
    }
    // Alpaca's client messages are objects with an action; anything else (null, numbers, arrays) is invalid syntax.
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return this.refuse(ws, c, 400, "invalid syntax");
    const m = msg as Record<string, unknown>;
    if (m.action === "auth") {
      if (c.authed) return void send(ws, c, [{ T: "error", code: 403, msg: "already authenticated" }]);
      if (m.key !== this.keys.keyId || m.secret !== this.keys.secretKey) {
        send(ws, c, [{ T: "error", code: 402, msg: "auth failed" }]);
        ws.close(1008, "auth failed");
        return;
      }
      // One connection per account: another one already authenticated with this key wins.
      if ([...this.clients.values()].some((o) => o !== c && o.authed)) {
        send(ws, c, [{ T: "error", code: 406, msg: "connection limit exceeded" }]);
        ws.close(1008, "connection limit exceeded");
        return;
      }
      c.authed = true;
      return void send(ws, c, [{ T: "success", msg: "authenticated" }]);
    }
    if (m.action === "subscribe" || m.action === "unsubscribe") {
      if (!c.authed) return this.refuse(ws, c, 401, "not authenticated");
      const next = applySubscription(c.subs, m, m.action === "subscribe");
      // Alpaca caps the symbols a connection may subscribe (error 405 "symbol limit exceeded"); the
      // request is refused whole, so one flood cannot make every later publish walk millions of names.
      if (next === null) return this.refuse(ws, c, 405, "symbol limit exceeded");
      const total = LISTS.reduce((n, k) => n + next[k].size, 0);
      if (total > this.limits.maxSymbols) return this.refuse(ws, c, 405, "symbol limit exceeded");
      c.subs = next;
      const ack: Record<string, unknown> = { T: "subscription" };
      for (const k of LISTS) ack[k] = [...c.subs[k]].sort();
      return void send(ws, c, [ack]);
    }
    this.refuse(ws, c, 400, "invalid syntax");
  }

  /** Ignores a frame: counted, answered with Alpaca's `{T:"error",code,msg}`; the connection stays. */
  private refuse(ws: WebSocket, c: StockClient, code: number, msg: string): void {
    this.tally.refused++;
    send(ws, c, [{ T: "error", code, msg }]);
  }
}

/**
 * The lists after a subscribe (a set union: duplicate subscribes after a reconnect are harmless)
 * or unsubscribe (a difference); null when a list holds more names than any cap allows, so a
 * flood is refused before it is copied.
 */
function applySubscription(subs: Record<ListName, Set<string>>, m: Record<string, unknown>, add: boolean): Record<ListName, Set<string>> | null {
  const next = Object.fromEntries(LISTS.map((k) => [k, new Set(subs[k])])) as Record<ListName, Set<string>>;
  for (const k of LISTS) {
    const v = m[k];
    if (!Array.isArray(v)) continue;
    if (add && v.length > MAX_LIST_NAMES) return null;
    for (const s of v as unknown[]) {
      if (typeof s !== "string" || s.length > MAX_SYMBOL_CHARS) continue;
      if (add) next[k].add(s.toUpperCase());
      else next[k].delete(s.toUpperCase());
    }
  }
  return next;
}

/** No list in one message is looked at beyond this many names (the cap is far below it anyway). */
const MAX_LIST_NAMES = 100_000;
/** Longer strings are no ticker (Alpaca's symbols are at most a few characters plus a class suffix). */
const MAX_SYMBOL_CHARS = 32;

/**
 * A bar message: `t` a msgpack timestamp (a Date) in msgpack frames, RFC-3339 in JSON ones; `n`
 * and `vw` only when the data has them (never invented).
 */
function barMessage(b: ExBar, T: "b" | "u" | "d", msgpack: boolean): Record<string, unknown> {
  const t = msgpack ? new Date(b.tMs) : new Date(b.tMs).toISOString().replace(".000Z", "Z");
  return {
    T, S: b.symbol, o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume, t,
    ...(b.tradeCount === undefined ? {} : { n: b.tradeCount }), ...(b.vwap === undefined ? {} : { vw: b.vwap }),
  };
}

function send(ws: WebSocket, c: StockClient, msgs: readonly Record<string, unknown>[]): boolean {
  if (ws.readyState !== ws.OPEN) return false;
  if (c.msgpack) ws.send(encode(msgs), { binary: true });
  else ws.send(JSON.stringify(msgs));
  return true;
}

/**
 * A protocol error on a client's socket (a frame over maxPayload, a bad opcode, invalid UTF-8): ws
 * closes the connection itself (1009, 1002, 1007); without a listener the 'error' event would end
 * the whole process.
 */
function countError(tally: FrameTally): void {
  tally.refused++;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

interface TradingClient {
  authed: boolean;
  listening: boolean;
}

/** The trading stream (/stream): JSON text frames; only `trade_updates` is offered. */
export class TradingStreamHub {
  private readonly clients = new Map<WebSocket, TradingClient>();

  constructor(
    private readonly keys: StreamKeys,
    readonly tally: FrameTally = { refused: 0 },
  ) {}

  accept(ws: WebSocket): void {
    const c: TradingClient = { authed: false, listening: false };
    this.clients.set(ws, c);
    ws.on("close", () => this.clients.delete(ws));
    ws.on("message", (data: RawData) => this.onMessage(ws, c, data));
    ws.on("error", () => countError(this.tally));
  }

  publish(u: TradeUpdate): void {
    for (const [ws, c] of this.clients) if (c.listening) sendJson(ws, { stream: "trade_updates", data: u });
  }

  /** Cuts every current connection without a close handshake, as a network failure would; clients may reconnect. */
  dropAll(): void {
    for (const ws of this.clients.keys()) ws.terminate();
    this.clients.clear();
  }

  private onMessage(ws: WebSocket, c: TradingClient, data: RawData): void {
    const buf = toBuffer(data);
    // Nothing bigger than an auth message is parsed before the keys are proved (see MAX_AUTH_FRAME_BYTES).
    if (!c.authed && buf.length > MAX_AUTH_FRAME_BYTES) return this.refuse(ws, "access key verification failed");
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString("utf8"));
    } catch {
      return this.refuse(ws, "invalid syntax");
    }
    // A frame `null` used to crash the process (issue 13, item 4): only objects are messages.
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return this.refuse(ws, "invalid syntax");
    const m = parsed as { action?: unknown; data?: unknown };
    const d = typeof m.data === "object" && m.data !== null ? (m.data as { key_id?: unknown; secret_key?: unknown; streams?: unknown }) : {};
    if (m.action === "authenticate" || m.action === "auth") {
      const okKeys = d.key_id === this.keys.keyId && d.secret_key === this.keys.secretKey;
      c.authed = okKeys;
      sendJson(ws, { stream: "authorization", data: { status: okKeys ? "authorized" : "unauthorized", action: "authenticate" } });
      if (!okKeys) ws.close(1008, "unauthorized");
      return;
    }
    if (m.action === "listen") {
      if (!c.authed) return this.refuse(ws, "access key verification failed");
      const streams = Array.isArray(d.streams) ? d.streams : [];
      c.listening = streams.includes("trade_updates");
      return sendJson(ws, { stream: "listening", data: { streams: c.listening ? ["trade_updates"] : [] } });
    }
    this.refuse(ws, "unrecognized action");
  }

  /** Ignores a frame: counted, answered with Alpaca's `{action:"error",data:{error_message}}`; the connection stays. */
  private refuse(ws: WebSocket, message: string): void {
    this.tally.refused++;
    sendJson(ws, { action: "error", data: { error_message: message } });
  }
}

function sendJson(ws: WebSocket, msg: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

import { decode, encode } from "@msgpack/msgpack";
import type { RawData, WebSocket } from "ws";
import type { ExBar, TradeUpdate } from "./types.ts";

/** Credentials both streams check against. */
export interface StreamKeys {
  readonly keyId: string;
  readonly secretKey: string;
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

  constructor(private readonly keys: StreamKeys, private readonly authTimeoutMs = 10_000) {}

  accept(ws: WebSocket, msgpack: boolean): void {
    const subs = Object.fromEntries(LISTS.map((k) => [k, new Set<string>()])) as Record<ListName, Set<string>>;
    const c: StockClient = { authed: false, msgpack, subs };
    this.clients.set(ws, c);
    const timer = setTimeout(() => {
      if (c.authed) return;
      send(ws, c, [{ T: "error", code: 404, msg: "auth timeout" }]);
      ws.close(1008, "auth timeout");
    }, this.authTimeoutMs);
    ws.on("close", () => {
      clearTimeout(timer);
      this.clients.delete(ws);
    });
    ws.on("message", (data: RawData, isBinary: boolean) => this.onMessage(ws, c, data, isBinary));
    send(ws, c, [{ T: "success", msg: "connected" }]);
  }

  /**
   * Publishes one minute's bars (`T` "b") or corrections of bars already published (`T` "u",
   * to `updatedBars` subscribers): one frame per client. Returns how many clients got a frame.
   */
  publish(bars: readonly ExBar[], T: "b" | "u" = "b"): number {
    let sent = 0;
    for (const [ws, c] of this.clients) {
      if (!c.authed) continue;
      const list = T === "b" ? c.subs.bars : c.subs.updatedBars;
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
    let msg: unknown;
    try {
      const buf = toBuffer(data);
      // The SDK sends msgpack; a hand-written client may send JSON text, which is accepted too.
      msg = isBinary ? decode(buf) : JSON.parse(buf.toString("utf8"));
    } catch {
      send(ws, c, [{ T: "error", code: 400, msg: "invalid syntax" }]);
      return;
    }
    if (typeof msg !== "object" || msg === null) {
      send(ws, c, [{ T: "error", code: 400, msg: "invalid syntax" }]);
      return;
    }
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
      if (!c.authed) return void send(ws, c, [{ T: "error", code: 401, msg: "not authenticated" }]);
      for (const k of LISTS) {
        const v = m[k];
        if (!Array.isArray(v)) continue;
        for (const s of v) {
          if (typeof s !== "string") continue;
          // A set union (or difference): duplicate subscribes after reconnect are harmless.
          if (m.action === "subscribe") c.subs[k].add(s.toUpperCase());
          else c.subs[k].delete(s.toUpperCase());
        }
      }
      const ack: Record<string, unknown> = { T: "subscription" };
      for (const k of LISTS) ack[k] = [...c.subs[k]].sort();
      return void send(ws, c, [ack]);
    }
    send(ws, c, [{ T: "error", code: 400, msg: "invalid syntax" }]);
  }
}

/**
 * A bar message: `t` a msgpack timestamp (a Date) in msgpack frames, RFC-3339 in JSON ones; `n`
 * and `vw` only when the data has them (never invented).
 */
function barMessage(b: ExBar, T: "b" | "u", msgpack: boolean): Record<string, unknown> {
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

  constructor(private readonly keys: StreamKeys) {}

  accept(ws: WebSocket): void {
    const c: TradingClient = { authed: false, listening: false };
    this.clients.set(ws, c);
    ws.on("close", () => this.clients.delete(ws));
    ws.on("message", (data: RawData) => this.onMessage(ws, c, data));
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
    let m: { action?: unknown; data?: { key_id?: unknown; secret_key?: unknown; streams?: unknown } };
    try {
      m = JSON.parse(toBuffer(data).toString("utf8")) as typeof m;
    } catch {
      return sendJson(ws, { action: "error", data: { error_message: "invalid syntax" } });
    }
    if (m.action === "authenticate" || m.action === "auth") {
      const okKeys = m.data?.key_id === this.keys.keyId && m.data?.secret_key === this.keys.secretKey;
      c.authed = okKeys;
      sendJson(ws, { stream: "authorization", data: { status: okKeys ? "authorized" : "unauthorized", action: "authenticate" } });
      if (!okKeys) ws.close(1008, "unauthorized");
      return;
    }
    if (m.action === "listen") {
      if (!c.authed) return sendJson(ws, { action: "error", data: { error_message: "access key verification failed" } });
      const streams = Array.isArray(m.data?.streams) ? m.data.streams : [];
      c.listening = streams.includes("trade_updates");
      return sendJson(ws, { stream: "listening", data: { streams: c.listening ? ["trade_updates"] : [] } });
    }
    sendJson(ws, { action: "error", data: { error_message: "unrecognized action" } });
  }
}

function sendJson(ws: WebSocket, msg: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

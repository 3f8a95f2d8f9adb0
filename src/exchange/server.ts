import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { BarSeries, BarSource } from "../core/bars.ts";
import { Book } from "./book.ts";
import type { MinuteBars } from "./replay.ts";
import { MinuteCursor } from "./replay.ts";
import { route } from "./rest.ts";
import { StockStreamHub, TradingStreamHub } from "./streams.ts";
import type { ExBar } from "./types.ts";
import { ExchangeError } from "./types.ts";

export interface ExchangeOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Only loopback is allowed: this is a paper exchange that accepts any order from anyone who knows the key. */
  readonly host?: "127.0.0.1";
  readonly keyId: string;
  readonly secretKey: string;
  readonly bars: readonly BarSeries[] | BarSource;
  /** "max": replay as fast as possible; N: N bar-minutes per wall-clock minute (one every 60000/N ms). */
  readonly speed: "max" | number;
  readonly initialCashUsd: number;
  readonly frictionPctRoundTrip: number;
  /** Seeded partial fills of market orders (see BookOptions). */
  readonly partialFill?: { readonly fraction: number; readonly seed: number };
  /** Start replaying at `speed` right away. Default false: call `play()` or step by hand. */
  readonly autoPlay?: boolean;
  /** Told how many bars each replayed minute published (a lock-step driver waits for that many). */
  readonly onMinute?: (bars: number) => void;
}

export interface Exchange {
  readonly port: number;
  /** http://127.0.0.1:PORT, the base for both the trading and the data REST routes. */
  readonly url: string;
  /** ws://127.0.0.1:PORT; streams live at /stream (trading) and /v2/iex or /v2/sip (stocks). */
  readonly wsUrl: string;
  readonly book: Book;
  /** The replay clock: the end of the last replayed minute (epoch ms). */
  readonly nowMs: number;
  /** True once every bar has been replayed. */
  readonly done: boolean;
  /** Replays up to `n` minutes synchronously; returns how many were replayed. */
  stepBars(n?: number): number;
  /** Replays at the configured speed until the data ends or `pause()`; resolves then. */
  play(): Promise<void>;
  pause(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;
const STOCK_PATHS = new Set(["/v2/iex", "/v2/sip", "/v2/delayed_sip"]);

export async function startExchange(opts: ExchangeOptions): Promise<Exchange> {
  const host = opts.host ?? "127.0.0.1";
  if (host !== "127.0.0.1") throw new Error(`the local exchange binds 127.0.0.1 only, not ${String(host)}`);
  if (opts.speed !== "max" && !(opts.speed > 0)) throw new Error(`speed must be "max" or a positive number, got ${opts.speed}`);
  const cursor = new MinuteCursor(opts.bars);
  let upcoming: MinuteBars | null = cursor.next();
  const book = new Book({
    initialCashUsd: opts.initialCashUsd,
    frictionPctRoundTrip: opts.frictionPctRoundTrip,
    symbols: cursor.symbols,
    partialFill: opts.partialFill,
    // Orders placed before the first step arrive at the first bar's start, so it can fill them.
    startMs: upcoming?.tMs ?? 0,
  });
  const history = new Map<string, ExBar[]>(cursor.symbols.map((s) => [s, []]));
  const keys = { keyId: opts.keyId, secretKey: opts.secretKey };
  const stocks = new StockStreamHub(keys);
  const trading = new TradingStreamHub(keys);
  book.onUpdate((u) => trading.publish(u));
  const ctx = { book, history, accountId: randomUUID() };

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => reply(res, 500, { code: 50010000, message: (e as Error).message }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers["apca-api-key-id"] !== opts.keyId || req.headers["apca-api-secret-key"] !== opts.secretKey) {
      return reply(res, 401, { message: "unauthorized." });
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let body: unknown = undefined;
    if (req.method === "POST" || req.method === "PATCH") {
      const raw = await readBody(req);
      if (raw === null) return reply(res, 413, { code: 40010001, message: "request body too large" });
      try {
        body = raw.length ? JSON.parse(raw) : {};
      } catch {
        return reply(res, 400, { code: 40010001, message: "malformed json" });
      }
    }
    try {
      const r = route(ctx, req.method ?? "GET", url, body);
      reply(res, r.status, r.body);
    } catch (e) {
      if (e instanceof ExchangeError) reply(res, e.status, e.body());
      else throw e;
    }
  }

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const hub = path === "/stream" ? trading : STOCK_PATHS.has(path) ? stocks : null;
    if (!hub) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.accept(ws));
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
  function stepOne(): boolean {
    const m = upcoming;
    if (!m) return false;
    book.advanceTo(m.tMs);
    const endMs = m.tMs + 60_000;
    for (const b of m.bars) book.onBar(b, endMs);
    book.advanceTo(endMs);
    for (const b of m.bars) history.get(b.symbol)?.push(b);
    stocks.publish(m.bars);
    opts.onMinute?.(m.bars.length);
    upcoming = cursor.next();
    return true;
  }

  let timer: NodeJS.Timeout | null = null;
  let immediate: NodeJS.Immediate | null = null;
  let playing: { resolve: () => void } | null = null;
  function halt(): void {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = null;
    immediate = null;
    playing?.resolve();
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
      return upcoming === null;
    },
    stepBars(n = 1) {
      let k = 0;
      while (k < n && stepOne()) k++;
      return k;
    },
    play() {
      if (playing) return Promise.resolve();
      return new Promise<void>((resolve) => {
        playing = { resolve };
        // "max" still yields to the event loop (setImmediate) between minutes, so REST calls and
        // socket writes interleave with the replay instead of waiting for it to end.
        const delay = opts.speed === "max" ? 0 : 60_000 / opts.speed;
        const tick = (): void => {
          timer = null;
          immediate = null;
          if (!stepOne()) return halt();
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
      exchange.pause();
      stocks.close();
      trading.close();
      cursor.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  if (opts.autoPlay) void exchange.play();
  return exchange;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
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

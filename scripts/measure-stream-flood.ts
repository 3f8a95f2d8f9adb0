/**
 * REST latency of the local exchange while one client floods the market-data stream with
 * subscribes (issue 13, item 4: "a subscribe flood (10 x 300k symbols) slows REST answers to
 * 2-4 s"). Authenticates on /v2/iex, sends FRAMES subscribe frames of SYMBOLS names each, and
 * times GET /v2/account every 20 ms meanwhile; prints the slowest and median answers, the process
 * RSS and how the flood was answered.
 *   node --import tsx scripts/measure-stream-flood.ts [FRAMES] [SYMBOLS]
 */
import WebSocket from "ws";
import { startExchange } from "../src/exchange/server.ts";

const frames = Number(process.argv[2] ?? 10);
const symbols = Number(process.argv[3] ?? 300_000);
const KEY = "K";
const SECRET = "S";
const t0 = Date.UTC(2024, 0, 2, 14, 30);
const bars = [{ symbol: "ABC", length: 1, tMs: Float64Array.of(t0), open: Float64Array.of(10), high: Float64Array.of(10), low: Float64Array.of(10), close: Float64Array.of(10), volume: Float64Array.of(1) }];
const ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars, speed: "max", initialCashUsd: 1e5, frictionPctRoundTrip: 0, log: () => undefined });
const ws = new WebSocket(`${ex.wsUrl}/v2/iex`);
const answers = new Map<string, number>();
let closed = "";
ws.on("message", (d: Buffer) => {
  for (const m of JSON.parse(d.toString("utf8")) as { T: string; code?: number; msg?: string }[]) {
    const k = m.T === "error" ? `error ${m.code} ${m.msg}` : m.T;
    answers.set(k, (answers.get(k) ?? 0) + 1);
  }
});
ws.on("close", (code) => (closed = `closed ${code}`));
ws.on("error", () => undefined);
await new Promise((r) => ws.on("open", r));
ws.send(JSON.stringify({ action: "auth", key: KEY, secret: SECRET }));
await new Promise((r) => setTimeout(r, 50));
// Built before timing: the client shares this process's event loop with the exchange.
const payloads = Array.from({ length: frames }, (_f, k) => JSON.stringify({ action: "subscribe", bars: Array.from({ length: symbols }, (_v, i) => `S${k}X${i}`) }));
const times: number[] = [];
let flooding = true;
const poll = (async () => {
  while (flooding) {
    const s = performance.now();
    await fetch(`${ex.url}/v2/account`, { headers: { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET } }).then((r) => r.text());
    times.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 20));
  }
})();
await new Promise((r) => setTimeout(r, 100));
for (const p of payloads) if (ws.readyState === ws.OPEN) ws.send(p);
await new Promise((r) => setTimeout(r, 3000));
flooding = false;
await poll;
times.sort((a, b) => a - b);
console.log(`flood: ${frames} subscribe frames x ${symbols} symbols`);
console.log(`GET /v2/account during the flood: ${times.length} answers, median ${times[times.length >> 1].toFixed(1)} ms, slowest ${times[times.length - 1].toFixed(1)} ms`);
console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB; stream answers: ${JSON.stringify(Object.fromEntries(answers))} ${closed}`);
ws.close();
await ex.close();
